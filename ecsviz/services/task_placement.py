"""Asking the placement engine, and writing its answer back: tasks and instance reservations."""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict

from django.utils import timezone

from ecsviz.clock import transition_delay
from ecsviz.models import Cluster, ContainerInstance, Task, TaskDefinition, sql
from ecsviz.services.task_requests import engine_error
from placement import (
    ClusterState,
    Instance,
    InstanceVerdict,
    PlacementError,
    PlacementRequest,
    PlacementResult,
    TaskNeeds,
    place,
    task_needs_from_definition,
)

# "Why here?" keeps every instance's verdict with each task on clusters a class reads at a glance
# (dense mode starts above this too). Larger clusters keep the summary alone (candidates, counts
# per reason, scores, ties, seed): ten tasks times thousands of verdicts would outweigh the rows.
EXPLAIN_UP_TO = 50


def place_tasks(
    *,
    instances: ClusterState | list[Instance],
    definition: TaskDefinition,
    count: int,
    strategies: list[dict],
    constraints: list[dict],
    group: str | None,
    overrides: dict | None,
    seed: int,
) -> PlacementResult:
    """The engine's decision for `count` tasks on these instances (their rows locked)."""
    try:
        needs = task_needs_from_definition(definition.definition, group=group, overrides=overrides)
        request = PlacementRequest(
            count=count, strategies=strategies, constraints=constraints, seed=seed
        )
        return place(instances, needs, request, explain=len(instances) <= EXPLAIN_UP_TO)
    except PlacementError as error:
        raise engine_error(error) from None


def explanation(result: PlacementResult, index: int) -> dict:
    """Why one task went where it did: the engine's scores, ties and seed, as plain JSON."""
    placement = result.placements[index]
    return {
        "seed": result.seed,
        "strategies": [str(strategy) for strategy in result.strategies],
        "candidates": int(placement.candidates),
        "tied": int(placement.tied),
        "scores": [
            {"strategy": s.strategy, "score": None if s.score is None else int(s.score)}
            for s in placement.scores
        ],
        "rejected": {str(reason): int(count) for reason, count in placement.rejected.items()},
        **verdicts(result, index),
    }


def verdicts(result: PlacementResult, index: int) -> dict:
    """{"verdicts": [...]} for one decision when the engine explained it, else nothing."""
    if result.explanations is None:
        return {}
    return {"verdicts": [verdict_json(v) for v in result.explanations[index].verdicts]}


def verdict_json(verdict: InstanceVerdict) -> dict:
    """One instance's fate in one decision, as stored with the task and shown in the panel."""
    return {
        "instance": verdict.instance_id,
        "step": verdict.step,
        "reason": verdict.reason.text if verdict.reason else "",
        "shortfalls": [str(s) for s in verdict.shortfalls],
        "keys": [int(k) for k in verdict.keys if k is not None],
        "chosen": verdict.chosen,
    }


def eni_details(network_configuration: dict) -> dict:
    """A simulated ENI in the first subnet of the request's awsvpcConfiguration."""
    subnet = network_configuration["awsvpcConfiguration"]["subnets"][0]
    octets = secrets.token_bytes(3)
    return {
        "attachmentId": str(uuid.uuid4()),
        "subnetId": subnet,
        "networkInterfaceId": "eni-" + secrets.token_hex(9)[:17],
        "macAddress": "0e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(5)),
        "privateIPv4Address": f"10.{octets[0]}.{octets[1]}.{max(octets[2], 4)}",
    }


def bindings(needs: TaskNeeds, placement_bindings: tuple) -> list[dict]:
    """networkBindings with the container they belong to and whether the agent picked the port."""
    dynamic = {(m.container_name, m.container_port, m.protocol) for m in needs.dynamic_mappings}
    return [
        {
            **binding.as_api(),
            "containerName": binding.container_name,
            "dynamic": (binding.container_name, binding.container_port, binding.protocol)
            in dynamic,
        }
        for binding in placement_bindings
    ]


# What differs between the tasks of one call; every other field is the same on all of them.
PER_TASK_FIELDS = (
    "task_id",
    "container_instance",
    "availability_zone",
    "network_bindings",
    "placement",
)


CLUSTER, DEFINITION = Task._meta.get_field("cluster"), Task._meta.get_field("task_definition")


def common_fields(
    *, cluster: Cluster, definition: TaskDefinition, needs: TaskNeeds, **fields: object
) -> dict:
    """The fields every task of one placement shares (the rows by id: see `new_task`)."""
    return {
        "cluster_id": cluster.pk,
        "task_definition_id": definition.pk,
        "group": needs.group,
        "last_status": Task.Status.PROVISIONING if needs.uses_eni else Task.Status.PENDING,
        "cpu": needs.cpu,
        "memory": needs.memory,
        "static_ports": sorted(needs.static_ports),
        "static_ports_udp": sorted(needs.static_ports_udp),
        "uses_eni": needs.uses_eni,
        **fields,
    }


def write_placements(
    *,
    cluster: Cluster,
    definition: TaskDefinition,
    instances: dict[str, Instance],
    pks: dict[str, int],
    result: PlacementResult,
    started_by: str,
    network_configuration: dict | None,
    overrides: dict | None,
    tags: list[dict] | None,
    extra: dict,
    task_ids: list[str] | None = None,
) -> list[Task]:
    """Create the placed tasks and take their reservations from their instances.

    `instances` are the engine's views of the instances as placement saw them (before this
    result); `pks` their row ids.
    """
    common = common_fields(
        cluster=cluster,
        definition=definition,
        needs=result.needs,
        started_by=started_by or "",
        overrides=overrides or {},
        tags=tags or [],
        next_transition_at=timezone.now() + transition_delay(),
    )
    rows = []
    for index, placement in enumerate(result.placements):
        details = {**explanation(result, index), **extra}
        if result.needs.uses_eni and network_configuration:
            details["eni"] = eni_details(network_configuration)
        rows.append(
            {
                "task_id": task_ids[index] if task_ids else uuid.uuid4().hex,
                "container_instance_id": pks[placement.instance_id],
                "availability_zone": instances[placement.instance_id].availability_zone,
                "network_bindings": bindings(result.needs, placement.port_bindings),
                "placement": details,
            }
        )
    tasks = sql.new_objects(Task, common, rows)
    for task in tasks:
        # Given by id, then attached: the answer reads the cluster and definition.
        CLUSTER.set_cached_value(task, cluster)
        DEFINITION.set_cached_value(task, definition)
    sql.insert(tasks, varying=PER_TASK_FIELDS)
    reserve(instances, pks, result)
    return tasks


RESERVE_COLUMNS = (
    "remaining_cpu = remaining_cpu - %s, remaining_memory = remaining_memory - %s, "
    "enis_in_use = enis_in_use + %s, remaining_ports = %s, remaining_ports_udp = %s, "
    "last_dynamic_port = %s, version = version + 1"
)


def reserve(instances: dict[str, Instance], pks: dict[str, int], result: PlacementResult) -> None:
    """Subtract the placed tasks' CPU, memory, ENIs and static ports from their instances.

    One parameterised UPDATE for every instance that received tasks (executemany: one statement
    to prepare, and one round trip in psycopg's pipeline), with CPU, memory and ENIs relative to
    the row, as F() expressions would write them.
    """
    needs = result.needs
    placed: dict[str, list] = defaultdict(list)
    for placement in result.placements:
        placed[placement.instance_id].append(placement)
    ports = ContainerInstance._meta.get_field("remaining_ports")
    db = sql.current()
    rows = []
    for instance_id, placements in placed.items():
        instance, n = instances[instance_id], len(placements)
        dynamic = [
            b["hostPort"]
            for p in placements
            for b in bindings(needs, p.port_bindings)
            if b["dynamic"]
        ]
        tcp = sorted(instance.reserved_ports | needs.static_ports)
        udp = sorted(instance.reserved_ports_udp | needs.static_ports_udp)
        rows.append(
            (
                n * needs.cpu,
                n * needs.memory,
                n if needs.uses_eni else 0,
                ports.get_db_prep_save(tcp, db),
                ports.get_db_prep_save(udp, db),
                dynamic[-1] if dynamic else instance.last_dynamic_port,
                pks[instance_id],
            )
        )
    table = db.ops.quote_name(ContainerInstance._meta.db_table)
    with db.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {RESERVE_COLUMNS} WHERE id = %s", rows)
