""" "Why here?" and "why not?": the engine's verdict for every instance, in the side panel.

"Why not?" asks the engine about a RunTask request on today's cluster. Nothing is written: the
engine is pure, and the explanation is the same decision RunTask would make now (same pipeline,
same seed). "Why here?" shows the verdicts stored with a placed task at the time it was placed.
"""

from __future__ import annotations

from ecsviz.models import Cluster, ContainerInstance, TaskDefinition
from ecsviz.services.task_placement import verdict_json
from placement import PlacementError, PlacementRequest, explain, task_needs_from_definition
from placement.adapters import candidate_rows, instance_inputs


def explain_run(
    *,
    cluster: Cluster,
    task_definition: TaskDefinition,
    strategies: list[dict],
    constraints: list[dict],
    group: str | None = None,
    seed: int = 0,
) -> dict:
    """{rows: [{instance, verdict...}], chosen, error} for one task of this request."""
    rows = candidate_rows(cluster)
    by_id = {row.instance_id: row for row in rows}
    try:
        needs = task_needs_from_definition(task_definition.definition, group=group)
        request = PlacementRequest(
            count=1, strategies=strategies, constraints=constraints, seed=seed
        )
        result = explain(instance_inputs(rows), needs, request)
    except PlacementError as exc:
        return {"rows": [], "chosen": None, "error": str(exc)}
    verdicts = [verdict_json(verdict) for verdict in result.verdicts]
    return {"rows": verdict_rows(verdicts, by_id), "chosen": by_id.get(result.instance_id)}


def stored_verdicts(cluster: Cluster, placement: dict) -> list[dict]:
    """A placed task's stored verdicts with their instances (deregistered ones included)."""
    verdicts = placement.get("verdicts") or []
    ids = [verdict["instance"] for verdict in verdicts]
    instances = ContainerInstance.objects.filter(cluster=cluster, instance_id__in=ids)
    return verdict_rows(verdicts, {row.instance_id: row for row in instances})


def verdict_rows(verdicts: list[dict], instances: dict[str, ContainerInstance]) -> list[dict]:
    """The chosen instance first, then the other candidates, then the dropped ones by reason."""
    rows = [
        {
            **verdict,
            "instance_id": verdict["instance"],
            "instance": instances.get(verdict["instance"]),
        }
        for verdict in verdicts
    ]
    rows.sort(key=lambda row: (not row["chosen"], bool(row["reason"]), row["reason"]))
    return rows
