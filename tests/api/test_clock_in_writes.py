"""RunTask and StartTask move their own cluster's clock inside their write; other calls still
move every cluster's first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecsviz import clock
from ecsviz.errors import InvalidParameterException
from ecsviz.models import Cluster, ContainerInstance, Event, Task
from ecsviz.services import task_run, task_start, task_stop
from placement import adapters
from tests.factories import make_cluster, make_instance, make_task_definition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def due_at_once(settings):
    """No start delay: every task is due for its next state as soon as it is written."""
    settings.ECSVIZ_TASK_START_DELAY = 0


@pytest.fixture
def cluster():
    made = make_cluster("clocked")
    make_instance(made, instance_type="t3.small")
    return made


def kinds(cluster: Cluster) -> list[str]:
    return list(
        Event.objects.filter(cluster=cluster).order_by("seq").values_list("kind", flat=True)
    )


def statuses(tasks: list[Task]) -> set[str]:
    return set(
        Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("last_status", flat=True)
    )


def test_run_task_moves_the_due_tasks_of_its_cluster_first(due_at_once, cluster):
    """The earlier tasks reach RUNNING, with their own event, before the new ones are placed."""
    definition = make_task_definition(cpu=128, memory=128)
    first = task_run(cluster=cluster, task_definition=definition, count=2).tasks
    second = task_run(cluster=cluster, task_definition=definition, count=2).tasks
    assert statuses(first) == {"RUNNING"}
    assert statuses(second) == {"PENDING"}
    assert kinds(cluster)[-3:] == ["task.placed", "task.running", "task.placed"]
    running = Event.objects.get(cluster=cluster, kind="task.running")
    assert sorted(running.payload["tasks"]) == sorted(t.task_id for t in first)
    assert running.payload["instances"] == [first[0].container_instance.instance_id]


def test_the_snapshot_survives_tasks_reaching_running(due_at_once, cluster):
    """Moving tasks to RUNNING inside RunTask keeps the placement snapshot current."""
    definition = make_task_definition(cpu=128, memory=128)
    task_run(cluster=cluster, task_definition=definition)
    snapshot = adapters.current_snapshot(cluster)
    task_run(cluster=cluster, task_definition=definition)
    fresh = Cluster.objects.get(pk=cluster.pk)
    assert adapters.current_snapshot(fresh) is snapshot
    assert snapshot.seq == fresh.event_seq


def test_run_task_places_on_what_a_due_stop_released(due_at_once, cluster):
    """A stopping task due to stop gives its CPU back inside the RunTask that needs it."""
    instance = ContainerInstance.objects.get(cluster=cluster)
    definition = make_task_definition(cpu=instance.registered_cpu, memory=128)
    (task,) = task_run(cluster=cluster, task_definition=definition).tasks
    task_stop(cluster=cluster, task=task.task_id)
    result = task_run(cluster=cluster, task_definition=definition)
    assert len(result.tasks) == 1, result.failures
    assert statuses([task]) == {"STOPPED"}
    instance.refresh_from_db()
    assert instance.remaining_cpu == 0
    assert kinds(cluster)[-3:] == ["task.stopping", "task.stopped", "task.placed"]


def test_start_task_moves_the_due_tasks_of_its_cluster(due_at_once, cluster):
    definition = make_task_definition(cpu=128, memory=128)
    instance = ContainerInstance.objects.get(cluster=cluster)
    first = task_start(cluster=cluster, task_definition=definition, container_instances=[instance])
    task_start(cluster=cluster, task_definition=definition, container_instances=[instance])
    assert statuses(first.tasks) == {"RUNNING"}


def test_a_refused_run_task_moves_nothing(due_at_once, cluster):
    """The move is part of the write: when RunTask fails, its cluster's tasks wait for the next."""
    definition = make_task_definition(cpu=128, memory=128)
    tasks = task_run(cluster=cluster, task_definition=definition).tasks
    with pytest.raises(InvalidParameterException):
        task_run(
            cluster=cluster,
            task_definition=definition,
            placement_constraints=[{"type": "memberOf", "expression": "attribute:x =="}],
        )
    assert statuses(tasks) == {"PENDING"}
    assert clock.advance() == 1


def test_the_clock_check_can_leave_one_cluster_to_its_write(due_at_once, cluster):
    """`except_named` skips that cluster only; every other cluster still moves."""
    other = make_cluster("other")
    make_instance(other, instance_type="t3.small")
    definition = make_task_definition(cpu=128, memory=128)
    mine = task_run(cluster=cluster, task_definition=definition).tasks
    theirs = task_run(cluster=other, task_definition=definition).tasks
    later = timezone.now() + timedelta(seconds=1)
    assert clock.advance(now=later, except_named=cluster.name) == 1
    assert statuses(mine) == {"PENDING"}
    assert statuses(theirs) == {"RUNNING"}
