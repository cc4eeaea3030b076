"""Task state changes the simulation clock makes, and releasing what a stopped task held."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from django.db import connection, transaction
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


def tasks_mark_running(pks: list[int], now: datetime) -> None:
    """RUNNING from `now`: one plain UPDATE for the batch, since every task gets the same values."""
    table = connection.ops.quote_name(Task._meta.db_table)
    started = Task._meta.get_field("started_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_status = %s, started_at = %s, next_transition_at = NULL, "
            f"version = version + 1 WHERE id IN ({', '.join(['%s'] * len(pks))})",
            [Task.Status.RUNNING.value, started, *pks],
        )


class Due(NamedTuple):
    pk: int
    task_id: str
    last_status: str
    instance_id: str | None


def due_tasks(cluster_id: int, now: datetime) -> list[Due]:
    """The cluster's tasks due by `now` with their instances' ids, locked where rows lock.

    A plain statement (the clock runs inside every RunTask, where the ORM's query cost more than
    the move itself), by the (cluster, next_transition_at) index.
    """
    quote = connection.ops.quote_name
    sql = (
        f"SELECT t.id, t.task_id, t.last_status, i.instance_id "
        f"FROM {quote(Task._meta.db_table)} t "
        f"LEFT JOIN {quote(ContainerInstance._meta.db_table)} i ON i.id = t.container_instance_id "
        "WHERE t.cluster_id = %s AND t.next_transition_at <= %s ORDER BY t.id"
    )
    if connection.features.has_select_for_update_of:
        # Only the task rows: releasing resources locks the instance rows it changes itself.
        sql += " FOR UPDATE OF t"
    due = Task._meta.get_field("next_transition_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [cluster_id, due])
        return [Due(*row) for row in cursor.fetchall()]


class Moved(NamedTuple):
    started: int
    stopped: int


def advance_locked(cluster: Cluster, now: datetime) -> Moved:
    """Move one cluster's due tasks along, one event per kind of move.

    The caller holds the cluster row's lock in its transaction, so no other write sees the
    tasks half moved and two clocks never move the same task.
    """
    due = due_tasks(cluster.pk, now)
    starting = [task for task in due if task.last_status in STARTING]
    stopping = [task.pk for task in due if task.last_status in STOPPING]
    if starting:
        tasks_mark_running([task.pk for task in starting], now)
        instances = sorted({task.instance_id for task in starting if task.instance_id})
        cluster.record_event(
            "task.running",
            f"{len(starting)} task(s) reached RUNNING.",
            {"tasks": [task.task_id for task in starting], "instances": instances},
        )
    if stopping:
        rows = list(Task.objects.filter(pk__in=stopping).only(*MOVE_FIELDS).order_by("pk"))
        released = tasks_mark_stopped(rows, now)
        cluster.record_event(
            "task.stopped",
            f"{len(rows)} task(s) STOPPED; their resources are released.",
            {"tasks": [task.task_id for task in rows], "instances": released},
        )
    return Moved(len(starting), len(stopping))


@transaction.atomic
def tasks_advance(*, cluster_id: int, now: datetime) -> int:
    """Move one cluster's due tasks along in a transaction of their own; returns how many."""
    cluster = Cluster.objects.select_for_update().get(pk=cluster_id)
    old_seq, snapshot = cluster.event_seq, adapters.current_snapshot(cluster)
    moved = advance_locked(cluster, now)
    if moved.started and not moved.stopped and snapshot is not None:
        # Reaching RUNNING changes nothing placement reads, so the snapshot stays good.
        adapters.carry_forward(cluster, snapshot, old_seq)
    return moved.started + moved.stopped
