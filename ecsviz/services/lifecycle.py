"""Task state changes the simulation clock makes, and releasing what a stopped task held."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from ecsviz.models import Cluster, ContainerInstance, Task
from placement import adapters

STARTING = (Task.Status.PROVISIONING, Task.Status.PENDING, Task.Status.ACTIVATING)
STOPPING = (Task.Status.DEACTIVATING, Task.Status.STOPPING, Task.Status.DEPROVISIONING)
# What moving a task and releasing its resources read: not the JSON of its bindings, overrides,
# tags and placement explanation, which decoding would make most of the clock's cost.
MOVE_FIELDS = (
    "task_id",
    "last_status",
    "container_instance_id",
    "cpu",
    "memory",
    "uses_eni",
    "static_ports",
    "static_ports_udp",
)


def instances_release(tasks: list[Task]) -> list[str]:
    """Give back the CPU, memory, static ports and ENIs of stopped tasks; returns instance ids.

    Called with the cluster row locked, so no placement reads an instance between the two
    updates. CPU and memory move with F() expressions; the port set is rewritten from the row.
    """
    by_instance: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        if task.container_instance_id is not None:
            by_instance[task.container_instance_id].append(task)
    rows = ContainerInstance.objects.select_for_update().filter(pk__in=by_instance).order_by("pk")
    released = []
    for instance in rows:
        held = by_instance[instance.pk]
        freed_tcp = {port for task in held for port in task.static_ports}
        freed_udp = {port for task in held for port in task.static_ports_udp}
        ContainerInstance.objects.filter(pk=instance.pk).update(
            remaining_cpu=F("remaining_cpu") + sum(task.cpu for task in held),
            remaining_memory=F("remaining_memory") + sum(task.memory for task in held),
            enis_in_use=F("enis_in_use") - sum(task.uses_eni for task in held),
            remaining_ports=[p for p in instance.remaining_ports if p not in freed_tcp],
            remaining_ports_udp=[p for p in instance.remaining_ports_udp if p not in freed_udp],
            version=F("version") + 1,
        )
        released.append(instance.instance_id)
    return released


def tasks_mark_stopped(tasks: list[Task], now: datetime) -> list[str]:
    """STOPPED, with resources released at this moment (not at StopTask)."""
    Task.objects.filter(pk__in=[task.pk for task in tasks]).update(
        last_status=Task.Status.STOPPED,
        desired_status=Task.DesiredStatus.STOPPED,
        stopped_at=now,
        stopping_at=Coalesce("stopping_at", Value(now)),
        next_transition_at=None,
        version=F("version") + 1,
    )
    return instances_release(tasks)


def tasks_mark_running(tasks: list[Task], now: datetime) -> None:
    # One UPDATE for the batch: every task gets the same values.
    Task.objects.filter(pk__in=[task.pk for task in tasks]).update(
        last_status=Task.Status.RUNNING,
        started_at=now,
        next_transition_at=None,
        version=F("version") + 1,
    )


def instance_ids(tasks: list[Task]) -> list[str]:
    """The instances the tasks run on (read with the tasks: see `tasks_advance`)."""
    return sorted({t.container_instance.instance_id for t in tasks if t.container_instance_id})


@transaction.atomic
def tasks_advance(*, cluster_id: int, now: datetime) -> int:
    """Move one cluster's due tasks along; one event per kind of move."""
    cluster = Cluster.objects.select_for_update().get(pk=cluster_id)
    # The instance ids come in the same query. Only the task rows are locked here: releasing
    # resources locks the instance rows it changes itself.
    due = list(
        Task.objects.select_for_update(of=("self",))
        .filter(cluster=cluster, next_transition_at__lte=now)
        .select_related("container_instance")
        .only(*MOVE_FIELDS, "container_instance__instance_id")
        .order_by("pk")
    )
    starting = [task for task in due if task.last_status in STARTING]
    stopping = [task for task in due if task.last_status in STOPPING]
    old_seq, snapshot = cluster.event_seq, adapters.current_snapshot(cluster)
    if starting:
        tasks_mark_running(starting, now)
        cluster.record_event(
            "task.running",
            f"{len(starting)} task(s) reached RUNNING.",
            {"tasks": [t.task_id for t in starting], "instances": instance_ids(starting)},
        )
    if stopping:
        released = tasks_mark_stopped(stopping, now)
        cluster.record_event(
            "task.stopped",
            f"{len(stopping)} task(s) STOPPED; their resources are released.",
            {"tasks": [t.task_id for t in stopping], "instances": released},
        )
    elif starting and snapshot is not None:
        # Reaching RUNNING changes nothing placement reads, so the snapshot stays good.
        adapters.carry_forward(cluster, snapshot, old_seq)
    return len(starting) + len(stopping)
