"""Task-definition registration: revisions and the normalised reservation."""

from __future__ import annotations

import pytest

from ecsviz.errors import ClientException
from ecsviz.models import TaskDefinition
from ecsviz.services import task_definition_register
from tests.factories import make_task_definition

pytestmark = pytest.mark.django_db


def test_revisions_count_up_per_family():
    """The first registration is revision 1, then 2, 3; other families count on their own."""
    assert [make_task_definition(family="web").revision for _ in range(3)] == [1, 2, 3]
    assert make_task_definition(family="db").revision == 1


def test_revisions_never_repeat_after_deregistration():
    """A deregistered (INACTIVE) revision's number is not handed out again."""
    make_task_definition(family="web")
    TaskDefinition.objects.filter(family="web").update(status="INACTIVE")
    assert make_task_definition(family="web").revision == 2


def test_memory_reservation_is_charged_when_set():
    """ECS charges memoryReservation when it is set, else memory."""
    soft = make_task_definition(memory=1024, memoryReservation=256)
    hard = make_task_definition(memory=1024)
    assert (soft.memory_reservation, hard.memory_reservation) == (256, 1024)


def test_task_level_sizes_are_converted():
    """ "1 vCPU" and "2 GB" become 1024 units and 2048 MiB, and are what one task reserves."""
    td = task_definition_register(
        definition={
            "family": "sized",
            "cpu": "1 vCPU",
            "memory": "2 GB",
            "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 512}],
        }
    )
    assert (td.definition["cpu"], td.definition["memory"]) == ("1024", "2048")
    assert (td.cpu_reservation, td.memory_reservation) == (1024, 2048)


def test_a_container_without_memory_is_refused_with_ecs_message():
    """No memory anywhere: ECS's own ClientException text, and nothing saved."""
    with pytest.raises(ClientException, match="At least one of 'memory' or 'memoryReservation'"):
        task_definition_register(
            definition={"family": "bad", "containerDefinitions": [{"name": "a", "image": "x"}]}
        )
    assert not TaskDefinition.objects.filter(family="bad").exists()
