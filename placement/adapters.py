"""Rows to engine inputs: the only placement module that knows Django.

The engine reads frozen `placement.Instance` values; this module builds them from
`ContainerInstance` rows plus what the instance's live tasks hold (task groups for spread,
distinctInstance and `task:group`; dynamic host ports for the agent's port pick), in two queries
whatever the cluster's size.

Reading and converting a 1,000-instance cluster costs tens of milliseconds, so each process keeps
the last `ClusterState` of each cluster as a snapshot, valid for one value of the cluster's
`event_seq` (keyed by the row and its creation time, since SQLite may reuse a deleted row's id). Every write to a cluster appends an event under the cluster row's lock, so an
unchanged `event_seq`, read with that lock held, proves the snapshot is the database's state.
A write that knows how it changed the state (a placement, tasks reaching RUNNING) carries the
snapshot forward after it commits; any other write simply makes it stale.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet

from ecsviz.models import Cluster, ContainerInstance, Task
from placement.inputs import Instance
from placement.query import QueryError, compile_query
from placement.state import ClusterState

__all__ = [
    "QueryError",
    "Snapshot",
    "candidate_rows",
    "carry_forward",
    "cluster_snapshot",
    "filter_instances",
    "forget_snapshot",
    "instance_inputs",
]

LISTED_STATES = ("REGISTERING", "REGISTRATION_FAILED", "ACTIVE", "DRAINING", "DEREGISTERING")


def candidate_rows(cluster: Cluster, *, lock: bool = False) -> list[ContainerInstance]:
    """The cluster's registered instances (not INACTIVE), locked for placement when `lock`.

    Rows are locked in primary-key order so that concurrent placements never deadlock.
    """
    queryset: QuerySet[ContainerInstance] = ContainerInstance.objects.filter(
        cluster=cluster, status__in=LISTED_STATES
    ).order_by("pk")
    if lock:
        queryset = queryset.select_for_update()
    return list(queryset)


def live_task_facts(
    rows: Sequence[ContainerInstance],
) -> tuple[dict[int, Counter], dict[int, set[int]]]:
    """Per instance pk: task groups of tasks desired RUNNING, and dynamic host ports in use."""
    groups: dict[int, Counter] = defaultdict(Counter)
    dynamic: dict[int, set[int]] = defaultdict(set)
    tasks = (
        Task.objects.filter(container_instance__in=[row.pk for row in rows])
        .exclude(last_status=Task.Status.STOPPED)
        .values_list("container_instance_id", "group", "desired_status", "network_bindings")
    )
    for instance_pk, group, desired, bindings in tasks:
        if desired == Task.DesiredStatus.RUNNING:
            groups[instance_pk][group] += 1
        dynamic[instance_pk].update(b["hostPort"] for b in bindings if b.get("dynamic"))
    return groups, dynamic


def instance_input(row: ContainerInstance, groups: Counter, dynamic: set[int]) -> Instance:
    """One row as the engine's `Instance`."""
    return Instance(
        id=row.instance_id,
        registered_cpu=row.registered_cpu,
        registered_memory=row.registered_memory,
        ec2_instance_id=row.ec2_instance_id,
        availability_zone=row.availability_zone,
        status=row.status,
        agent_connected=row.agent_connected,
        agent_version=row.agent_version,
        registered_at=row.registered_at,
        remaining_cpu=row.remaining_cpu,
        remaining_memory=row.remaining_memory,
        reserved_ports=frozenset(row.remaining_ports),
        reserved_ports_udp=frozenset(row.remaining_ports_udp),
        max_enis=row.max_enis,
        enis_in_use=row.enis_in_use,
        dynamic_port_range=(row.dynamic_port_first, row.dynamic_port_last),
        dynamic_ports_in_use=frozenset(dynamic),
        last_dynamic_port=row.last_dynamic_port,
        attributes=row.all_attributes,
        task_groups=groups,
    )


def instance_inputs(rows: Sequence[ContainerInstance]) -> list[Instance]:
    """Every row as the engine's `Instance`, in the same order."""
    groups, dynamic = live_task_facts(rows)
    return [instance_input(row, groups[row.pk], dynamic[row.pk]) for row in rows]


def filter_instances(rows: Iterable[ContainerInstance], expression: str) -> list[ContainerInstance]:
    """The rows a cluster-query expression selects (ListContainerInstances `filter`).

    Raises `QueryError` for an expression that does not parse.
    """
    query = compile_query(expression)
    rows = list(rows)
    return [row for row, keep in zip(rows, query.mask(instance_inputs(rows)), strict=True) if keep]


# Row fields that never change after registration, which a placed task's answer reads.
IDENTITY_FIELDS = ("id", "cluster_id", "instance_id", "cpu_architecture")


@dataclass
class Snapshot:
    """A cluster's placement state as of one event sequence number, and its instances' row ids."""

    seq: int
    state: ClusterState
    pks: dict[str, int]
    # Per instance id, the IDENTITY_FIELDS of its row.
    identities: dict[str, tuple]
    # Only committed states are shared: a snapshot read inside a transaction is kept once that
    # transaction commits (it may have read the transaction's own uncommitted writes).
    shared: bool = False

    def row(self, instance_id: str) -> ContainerInstance:
        """The instance's row with only its identity loaded: any other field reads the database
        when accessed, so nothing stale is ever seen."""
        return ContainerInstance.from_db(
            DEFAULT_DB_ALIAS, IDENTITY_FIELDS, self.identities[instance_id]
        )


_snapshots: dict[tuple, Snapshot] = {}
_snapshots_lock = threading.Lock()


def _key(cluster: Cluster) -> tuple:
    return (cluster.pk, cluster.created_at)


def cluster_snapshot(cluster: Cluster) -> Snapshot:
    """The cluster's state for placement; `cluster` must be locked and freshly read.

    On a miss the instance rows are locked and read; on a hit the cluster row's lock alone
    serialises this placement with every other write to the cluster.
    """
    with _snapshots_lock:
        cached = _snapshots.get(_key(cluster))
        if cached is not None and cached.seq == cluster.event_seq:
            return cached
    rows = candidate_rows(cluster, lock=True)
    return Snapshot(
        cluster.event_seq,
        ClusterState(instance_inputs(rows)),
        {r.instance_id: r.pk for r in rows},
        {r.instance_id: tuple(getattr(r, f) for f in IDENTITY_FIELDS) for r in rows},
    )


def carry_forward(
    cluster: Cluster,
    snapshot: Snapshot,
    old_seq: int,
    change: Callable[[ClusterState], None] | None = None,
) -> None:
    """Once the write commits, move the snapshot from `old_seq` to the cluster's new sequence.

    `change` replays on the snapshot what the write did to the rows. A shared snapshot that
    another request replaced or moved meanwhile is left alone (the next placement reads the
    rows again); a new one is shared unless a newer one already is.
    """
    key, new_seq = _key(cluster), cluster.event_seq

    def advance_snapshot() -> None:
        with _snapshots_lock:
            current = _snapshots.get(key)
            if snapshot.shared and (current is not snapshot or snapshot.seq != old_seq):
                return
            if not snapshot.shared and current is not None and current.seq >= new_seq:
                return
            if change is not None:
                change(snapshot.state)
            snapshot.seq, snapshot.shared = new_seq, True
            _snapshots[key] = snapshot

    transaction.on_commit(advance_snapshot)


def forget_snapshot(cluster: Cluster) -> None:
    """Drop a cluster's snapshot, e.g. after changing rows without recording an event."""
    with _snapshots_lock:
        _snapshots.pop(_key(cluster), None)


def current_snapshot(cluster: Cluster) -> Snapshot | None:
    """The shared snapshot kept for a cluster, if any."""
    with _snapshots_lock:
        return _snapshots.get(_key(cluster))
