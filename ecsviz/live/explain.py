""" "Why not?": the engine's verdict for every instance, for a RunTask request on today's cluster.

Nothing is written: the engine is pure, and the explanation is the same decision RunTask would
make now (same pipeline, same seed), with every instance's step, reason and shortfalls.
"""

from __future__ import annotations

from ecsviz.models import Cluster, TaskDefinition
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
    verdicts = []
    for verdict in result.verdicts:
        verdicts.append(
            {
                "instance": by_id.get(verdict.instance_id),
                "step": verdict.step,
                "reason": verdict.reason.text if verdict.reason else "",
                "shortfalls": [str(s) for s in verdict.shortfalls],
                "keys": [k for k in verdict.keys if k is not None],
                "chosen": verdict.chosen,
            }
        )
    verdicts.sort(key=lambda v: (not v["chosen"], bool(v["reason"]), v["reason"]))
    return {"rows": verdicts, "chosen": by_id.get(result.instance_id), "error": ""}
