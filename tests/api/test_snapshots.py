"""The per-process placement snapshot: shared only once committed, stale after any other write."""

from __future__ import annotations

import pytest
from django.db import transaction

from ecsviz.models import Cluster
from ecsviz.services import container_instances_update_state, task_run
from placement import adapters
from tests.factories import make_cluster, make_instance, make_task_definition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cluster():
    """Two instances in one zone, committed."""
    made = make_cluster("snapshots")
    make_instance(made)
    make_instance(made)
    return made


def fresh(cluster: Cluster) -> Cluster:
    return Cluster.objects.get(pk=cluster.pk)


def test_a_committed_placement_is_carried_into_the_snapshot(cluster):
    """After RunTask commits, the shared snapshot is at the cluster's sequence and shows the task."""
    (task,) = task_run(cluster=cluster, task_definition=make_task_definition(cpu=512)).tasks
    snapshot = adapters.current_snapshot(fresh(cluster))
    assert snapshot is not None
    assert snapshot.seq == fresh(cluster).event_seq
    state = snapshot.state
    instance = state.instance(state.position(task.container_instance.instance_id))
    assert instance.remaining_cpu == instance.registered_cpu - 512


def test_another_write_makes_the_snapshot_stale(cluster):
    """Draining an instance bumps the sequence, so the next placement reads the rows again."""
    definition = make_task_definition()
    (task,) = task_run(cluster=cluster, task_definition=definition).tasks
    container_instances_update_state(
        cluster=cluster, container_instances=[task.container_instance], status="DRAINING"
    )
    assert adapters.current_snapshot(fresh(cluster)).seq != fresh(cluster).event_seq
    again = task_run(cluster=cluster, task_definition=definition, count=4).tasks
    assert task.container_instance_id not in {t.container_instance_id for t in again}


def test_a_rolled_back_placement_shares_nothing(cluster):
    """A snapshot read inside a transaction that rolls back is never shared."""
    definition = make_task_definition()

    def place_then_fail() -> None:
        with transaction.atomic():
            task_run(cluster=cluster, task_definition=definition)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        place_then_fail()
    assert adapters.current_snapshot(fresh(cluster)) is None
