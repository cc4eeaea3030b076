"""RunTask, StartTask and StopTask: placing tasks on instances and taking them off again.

Placement is read-modify-write on shared instances. Each call locks the cluster row, then the
candidate instance rows in primary-key order (`select_for_update`; SQLite serialises writers
with IMMEDIATE transactions anyway), decides with the engine on that snapshot, and writes the
reservations with F() expressions; the model's CheckConstraints are the backstop.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from ecsviz import arns
from ecsviz.clock import transition_delay
from ecsviz.errors import ConflictException, InvalidParameterException
from ecsviz.models import Cluster, ContainerInstance, Task, TaskDefinition, sql
from ecsviz.services.clusters import cluster_get
from ecsviz.services.instances import container_instances_find, missing_failure
from ecsviz.services.lifecycle import advance_locked
from ecsviz.services.task_placement import place_tasks, write_placements
from ecsviz.services.task_requests import (
    check_labels,
    check_launch_type,
    check_network_configuration,
    check_overrides,
    fingerprint,
    runnable_definition,
)
from placement import PlacementResult, adapters
from placement.pipeline import MAX_RUN_TASK_COUNT


class RunTaskResult(NamedTuple):
    """What RunTask and StartTask answer: the tasks placed and ECS's failure entries."""

    tasks: list[Task]
    failures: list[dict]


def token_task_ids(cluster: Cluster, client_token: str, count: int) -> list[str]:
    """Task ids derived from a clientToken, so a retry finds its tasks by primary key."""
    seed = f"{cluster.pk}/{cluster.name}/{client_token}"
    return [hashlib.sha256(f"{seed}/{i}".encode()).hexdigest()[:32] for i in range(count)]


def replayed_run(cluster: Cluster, client_token: str, digest: str) -> RunTaskResult | None:
    """The tasks an earlier call with this clientToken started, if it was the same request."""
    ids = token_task_ids(cluster, client_token, MAX_RUN_TASK_COUNT)
    # boto3 sends a new clientToken with every RunTask, so first a plain probe for the one id any
    # earlier call would have written (its first task's), by the unique index on task_id.
    if not sql.exists(Task, "task_id = %s AND cluster_id = %s", [ids[0], cluster.pk]):
        return None
    earlier = list(Task.objects.filter(cluster=cluster, task_id__in=ids).order_by("pk"))
    if any(task.placement.get("requestDigest") != digest for task in earlier):
        raise ConflictException(
            "The clientToken was already used for a RunTask request with different parameters."
        )
    return RunTaskResult(earlier, [])


@transaction.atomic
def task_run(
    *,
    cluster: str | Cluster | None,
    task_definition: str | TaskDefinition,
    count: int = 1,
    placement_strategy: list[dict] | None = None,
    placement_constraints: list[dict] | None = None,
    group: str | None = None,
    started_by: str = "",
    launch_type: str | None = None,
    network_configuration: dict | None = None,
    overrides: dict | None = None,
    tags: list[dict] | None = None,
    client_token: str | None = None,
    seed: int | None = None,
) -> RunTaskResult:
    """Place `count` tasks (1-10) by the engine: resources, constraints, then strategies."""
    target = cluster_get(identifier=cluster, for_update=True)
    snapshot = placement_view(target)
    definition = runnable_definition(task_definition)
    check_launch_type(launch_type)
    request = {
        "count": count,
        "placement_strategy": placement_strategy,
        "placement_constraints": placement_constraints,
        "group": group,
        "started_by": started_by,
        "network_configuration": network_configuration,
        "overrides": overrides,
        "tags": tags,
    }
    check_request(definition, request)
    digest = fingerprint(task_definition=definition.arn, **request)
    if client_token and (replay := replayed_run(target, client_token, digest)):
        return replay
    result = place_tasks(
        instances=snapshot.state,
        definition=definition,
        count=count,
        strategies=placement_strategy or [],
        constraints=placement_constraints or [],
        group=group,
        overrides=overrides,
        seed=secrets.randbelow(2**32) if seed is None else seed,
    )
    tasks = write_placements(
        cluster=target,
        definition=definition,
        instances=placed_instances(snapshot, result),
        pks=snapshot.pks,
        result=result,
        started_by=started_by,
        network_configuration=network_configuration,
        overrides=overrides,
        tags=tags,
        extra={"clientToken": client_token, "requestDigest": digest} if client_token else {},
        task_ids=token_task_ids(target, client_token, count) if client_token else None,
    )
    for task, placement in zip(tasks, result.placements, strict=True):
        # The answer needs the instance's id and architecture: no need to read them back.
        task.container_instance = snapshot.row(placement.instance_id)
    return finish_run(target, definition, snapshot, result, tasks)


def placement_view(cluster: Cluster) -> adapters.Snapshot:
    """The cluster's state for placement once the clock has moved its due tasks.

    The move happens here, in the placement's own transaction under the cluster lock it already
    holds, instead of in a transaction of its own before every call. Tasks reaching RUNNING change
    nothing placement reads, so the snapshot taken first still holds; tasks that stopped gave
    resources back, so then the rows are read again.
    """
    snapshot = adapters.cluster_snapshot(cluster)
    if advance_locked(cluster, timezone.now()).stopped:
        snapshot = adapters.cluster_snapshot(cluster)
    return snapshot


def check_request(definition: TaskDefinition, request: dict) -> None:
    """RunTask's and StartTask's checks that need no instance."""
    check_network_configuration(definition, request["network_configuration"])
    check_overrides(definition, request["overrides"])
    check_labels(group=request["group"], started_by=request["started_by"], tags=request["tags"])


def placed_instances(snapshot: adapters.Snapshot, result: PlacementResult) -> dict:
    """The engine's view, before this result, of each instance the result placed tasks on."""
    state = snapshot.state
    return {p.instance_id: state.instance(state.position(p.instance_id)) for p in result.placements}


def finish_run(
    cluster: Cluster,
    definition: TaskDefinition,
    snapshot: adapters.Snapshot,
    result: PlacementResult,
    tasks: list[Task],
) -> RunTaskResult:
    """Record the event and, once committed, carry the cluster's snapshot past this placement."""
    failures = result.failures_as_api(lambda i: arns.container_instance_arn(cluster.name, i))
    placed = [p.instance_id for p in result.placements]
    record_run(cluster, definition, tasks, placed, failures, "RunTask")
    # From the sequence number the snapshot was read at: the clock may have moved tasks since
    # (see `placement_view`). No other write to the cluster commits while its lock is held.
    old_seq = snapshot.seq
    adapters.carry_forward(cluster, snapshot, old_seq, lambda state: state.apply(result))
    return RunTaskResult(tasks, failures)


def record_run(
    cluster: Cluster,
    definition: TaskDefinition,
    tasks: list[Task],
    instance_ids: list[str],
    failures: list[dict],
    how: str,
) -> None:
    """One event per RunTask / StartTask: the tasks, the instances they landed on, failures."""
    placed = sorted(set(instance_ids))
    refused = sorted({arns.resource_id(f["arn"]) for f in failures})
    reasons = sorted({f["reason"] for f in failures})
    message = f"{how} placed {len(tasks)} task(s) of {definition}"
    message += (
        f"; refused by {len(refused)} instance(s): {', '.join(reasons)}." if failures else "."
    )
    cluster.record_event(
        "task.placed" if tasks else "task.unplaced",
        message,
        {"tasks": [t.task_id for t in tasks], "instances": placed, "failures": failures},
    )


@transaction.atomic
def task_start(
    *,
    cluster: str | Cluster | None,
    task_definition: str | TaskDefinition,
    container_instances: list[str | ContainerInstance],
    group: str | None = None,
    started_by: str = "",
    network_configuration: dict | None = None,
    overrides: dict | None = None,
    tags: list[dict] | None = None,
    seed: int | None = None,
) -> RunTaskResult:
    """One task on each named instance (at most ten): resources and memberOf still apply."""
    target = cluster_get(identifier=cluster, for_update=True)
    # The clock moves in this transaction too (see `placement_view`), before the rows are read.
    advance_locked(target, timezone.now())
    definition = runnable_definition(task_definition)
    if not 1 <= len(container_instances) <= 10:
        raise InvalidParameterException("containerInstances must have between 1 and 10 items.")
    request = {
        "network_configuration": network_configuration,
        "overrides": overrides,
        "group": group,
        "started_by": started_by,
        "tags": tags,
    }
    check_request(definition, request)
    found, missing = container_instances_find(
        cluster=target, identifiers=container_instances, for_update=True
    )
    failures = [missing_failure(target, key) for key in missing]
    tasks: list[Task] = []
    seed = secrets.randbelow(2**32) if seed is None else seed
    for row in found:
        started, refused = start_on(target, definition, row, seed, request)
        tasks += started
        failures += refused
    placed = [
        row.instance_id for row in found if any(t.container_instance_id == row.pk for t in tasks)
    ]
    record_run(target, definition, tasks, placed, failures, "StartTask")
    return RunTaskResult(tasks, failures)


def start_on(
    cluster: Cluster, definition: TaskDefinition, row: ContainerInstance, seed: int, request: dict
) -> tuple[list[Task], list[dict]]:
    """StartTask on one instance: the engine still checks its resources and constraints."""
    if row.status != ContainerInstance.Status.ACTIVE:
        return [], [missing_failure(cluster, row.instance_id, "INACTIVE")]
    (instance,) = adapters.instance_inputs([row])
    result = place_tasks(
        instances=[instance],
        definition=definition,
        count=1,
        strategies=[],
        constraints=[],
        group=request["group"],
        overrides=request["overrides"],
        seed=seed,
    )
    tasks = write_placements(
        cluster=cluster,
        definition=definition,
        instances={row.instance_id: instance},
        pks={row.instance_id: row.pk},
        result=result,
        started_by=request["started_by"],
        network_configuration=request["network_configuration"],
        overrides=request["overrides"],
        tags=request["tags"],
        extra={},
    )
    return tasks, result.failures_as_api(lambda i: arns.container_instance_arn(cluster.name, i))


def task_find(*, cluster: Cluster, task: str | Task, for_update: bool = False) -> Task:
    """A task of the cluster by id, ARN or row; ECS's error when there is none."""
    task_id = task.task_id if isinstance(task, Task) else arns.resource_id(task)
    queryset = Task.objects.select_for_update() if for_update else Task.objects
    found = queryset.filter(cluster=cluster, task_id=task_id).first()
    if found is None:
        raise InvalidParameterException("The referenced task was not found.")
    return found


@transaction.atomic
def task_stop(*, cluster: str | Cluster | None, task: str | Task, reason: str = "") -> Task:
    """Ask a task to stop: STOPPING now, STOPPED (resources released) when the clock says so."""
    target = cluster_get(identifier=cluster, for_update=True)
    row = task_find(cluster=target, task=task, for_update=True)
    if row.desired_status == Task.DesiredStatus.STOPPED:
        return row
    now = timezone.now()
    row.desired_status = Task.DesiredStatus.STOPPED
    row.last_status = Task.Status.STOPPING
    row.stopping_at = now
    row.stop_code = Task.StopCode.USER_INITIATED
    row.stopped_reason = (reason or "Task stopped by user")[:1024]
    row.next_transition_at = now + transition_delay()
    row.version += 1
    row.save()
    instance = row.container_instance
    target.record_event(
        "task.stopping",
        f"Task {row.task_id[:8]} of {row.task_definition} is stopping: {row.stopped_reason}",
        {"tasks": [row.task_id], "instances": [instance.instance_id] if instance else []},
    )
    return row
