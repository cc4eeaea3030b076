"""`manage.py loaddemo`: the classroom cluster."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ecsviz.models import Cluster, ContainerInstance, TaskDefinition

pytestmark = pytest.mark.django_db


def run_loaddemo() -> str:
    out = StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        list(Cluster.objects.values_list("name", flat=True)),
        sorted(ContainerInstance.objects.values_list("instance_id", flat=True)),
        sorted(TaskDefinition.objects.values_list("family", "revision")),
    )


def test_it_builds_three_zones_of_mixed_instances():
    """us-east-1a/b/c, two or three instances per zone, more than one instance type."""
    run_loaddemo()
    cluster = Cluster.objects.get(name="classroom")
    instances = cluster.container_instances.all()
    zones = {i.availability_zone for i in instances}
    assert zones == {"us-east-1a", "us-east-1b", "us-east-1c"}
    for zone in zones:
        assert 2 <= instances.filter(availability_zone=zone).count() <= 3
    assert len({i.instance_type for i in instances}) > 1


def test_it_registers_the_teaching_task_definitions():
    """A static host port, a dynamic host port and a soft memory limit are all shown."""
    run_loaddemo()
    mappings = {
        td.family: td.container_definitions[0].get("portMappings", [])
        for td in TaskDefinition.objects.all()
    }
    assert mappings["web-static"][0]["hostPort"] == 80
    assert mappings["api-dynamic"][0]["hostPort"] == 0
    soft = TaskDefinition.objects.get(family="worker-soft-memory")
    container = soft.container_definitions[0]
    assert container["memoryReservation"] < container["memory"]
    assert soft.memory_reservation == container["memoryReservation"]


def test_it_is_idempotent():
    """A second run changes nothing: no new instances, revisions or events."""
    run_loaddemo()
    before, events = snapshot(), Cluster.objects.get(name="classroom").event_seq
    run_loaddemo()
    assert snapshot() == before
    assert Cluster.objects.get(name="classroom").event_seq == events
