"""The control plane behind the API: one transaction per write, events, the clock, rollbacks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecsviz import clock
from ecsviz.errors import AttributeLimitExceededException, InvalidParameterException
from ecsviz.models import ContainerInstance, Event, Task
from ecsviz.services import (
    attributes_put,
    container_instances_update_state,
    task_run,
    task_stop,
)
from tests.factories import make_task_definition

LATER = timedelta(seconds=60)


def kinds(cluster) -> list[str]:
    return list(
        Event.objects.filter(cluster=cluster).order_by("seq").values_list("kind", flat=True)
    )


def test_run_task_records_one_event_naming_tasks_and_instances(balanced_cluster):
    """A placement appends task.placed with the ids the dashboard re-renders."""
    result = task_run(cluster=balanced_cluster, task_definition=make_task_definition(), count=2)
    event = Event.objects.filter(cluster=balanced_cluster).order_by("-seq").first()
    assert event.kind == "task.placed"
    assert sorted(event.payload["tasks"]) == sorted(t.task_id for t in result.tasks)
    assert set(event.payload["instances"]) == {
        t.container_instance.instance_id for t in result.tasks
    }


def test_placement_reserves_and_stopping_releases(balanced_cluster):
    """CPU leaves the instance at placement and comes back only once the task is STOPPED."""
    (task,) = task_run(
        cluster=balanced_cluster, task_definition=make_task_definition(cpu=512)
    ).tasks
    instance = ContainerInstance.objects.get(pk=task.container_instance_id)
    assert instance.remaining_cpu == instance.registered_cpu - 512
    assert instance.version == 2
    assert clock.advance(now=timezone.now() + LATER) == 1
    task_stop(cluster=balanced_cluster, task=task.task_id, reason="done")
    instance.refresh_from_db()
    assert instance.remaining_cpu == instance.registered_cpu - 512
    assert clock.advance(now=timezone.now() + LATER) == 1
    instance.refresh_from_db()
    task.refresh_from_db()
    assert (task.last_status, instance.remaining_cpu) == ("STOPPED", instance.registered_cpu)
    assert kinds(balanced_cluster)[-3:] == ["task.running", "task.stopping", "task.stopped"]


def test_the_clock_leaves_tasks_alone_before_their_time(balanced_cluster, settings):
    """With a start delay, nothing moves until it has passed."""
    settings.ECSVIZ_TASK_START_DELAY = 30
    task_run(cluster=balanced_cluster, task_definition=make_task_definition())
    assert clock.advance() == 0
    assert clock.advance(now=timezone.now() + LATER, cluster=balanced_cluster) == 1


def test_a_refused_run_task_leaves_nothing_behind(balanced_cluster):
    """A request the engine rejects writes no task, no reservation and no event."""
    before = kinds(balanced_cluster)
    with pytest.raises(InvalidParameterException):
        task_run(
            cluster=balanced_cluster,
            task_definition=make_task_definition(),
            placement_constraints=[{"type": "memberOf", "expression": "attribute:x =="}],
        )
    assert Task.objects.count() == 0
    assert kinds(balanced_cluster) == before
    assert all(i.remaining_cpu == i.registered_cpu for i in ContainerInstance.objects.all())


def test_the_explanation_and_seed_are_kept_on_the_task(balanced_cluster):
    """Task.placement holds the engine's scores and the seed, and a seed replays exactly."""
    definition = make_task_definition()
    spread = [{"type": "spread", "field": "instanceId"}]
    first = task_run(
        cluster=balanced_cluster,
        task_definition=definition,
        count=3,
        seed=42,
        placement_strategy=spread,
    )
    assert first.tasks[0].placement["seed"] == 42
    assert first.tasks[0].placement["scores"][0]["strategy"].startswith("spread")
    for task in first.tasks:
        task_stop(cluster=balanced_cluster, task=task)
    clock.advance(now=timezone.now() + LATER)
    clock.advance(now=timezone.now() + 2 * LATER)
    again = task_run(
        cluster=balanced_cluster,
        task_definition=definition,
        count=3,
        seed=42,
        placement_strategy=spread,
    )
    assert [t.container_instance_id for t in again.tasks] == [
        t.container_instance_id for t in first.tasks
    ]


def test_draining_records_an_event(balanced_cluster):
    """UpdateContainerInstancesState appends instance.draining with the instance ids."""
    instance = balanced_cluster.container_instances.first()
    result = container_instances_update_state(
        cluster=balanced_cluster, container_instances=[instance.instance_id], status="DRAINING"
    )
    assert [i.status for i in result.container_instances] == ["DRAINING"]
    event = Event.objects.filter(cluster=balanced_cluster).order_by("-seq").first()
    assert (event.kind, event.payload["instances"]) == ("instance.draining", [instance.instance_id])


def test_a_failed_put_attributes_changes_nothing(balanced_cluster):
    """Over the limit, none of the request's attributes is saved."""
    instance = balanced_cluster.container_instances.first()
    attributes = [
        {"name": f"a{i}", "value": "v", "targetId": instance.instance_id} for i in range(11)
    ]
    with pytest.raises(AttributeLimitExceededException):
        attributes_put(cluster=balanced_cluster, attributes=attributes)
    instance.refresh_from_db()
    assert instance.custom_attributes == {}


def test_task_definition_reservations_come_from_the_engine(db):
    """memoryReservation, not memory, is what a task of the definition reserves."""
    definition = make_task_definition(cpu=128, memory=512, memoryReservation=256)
    assert (definition.cpu_reservation, definition.memory_reservation) == (128, 256)
