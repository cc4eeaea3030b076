"""Placement personas: plain instance lists, no database.

"balanced": two instances per zone, nothing running. "full": every instance has some kind of
problem, one per failure reason. "empty": no instances at all.
"""

from __future__ import annotations

import pytest

from placement import Instance, TaskNeeds

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


def make(instance_id: str, **fields: object) -> Instance:
    """An m5.large-sized instance in us-east-1a unless told otherwise."""
    defaults: dict = {
        "registered_cpu": 2048,
        "registered_memory": 7680,
        "availability_zone": "us-east-1a",
    }
    return Instance(id=instance_id, **{**defaults, **fields})


@pytest.fixture
def balanced_instances() -> list[Instance]:
    """Six idle instances, two per zone."""
    return [make(f"{zone[-1]}{k}", availability_zone=zone) for zone in ZONES for k in (1, 2)]


@pytest.fixture
def full_instances() -> list[Instance]:
    """One instance per failure reason, for a 512 CPU / 1024 MiB task on port 80."""
    return [
        make("draining", status="DRAINING"),
        make("agent-away", agent_connected=False),
        make("no-cpu", remaining_cpu=256),
        make("no-memory", remaining_memory=512),
        make("port-taken", reserved_ports={22, 80}),
    ]


@pytest.fixture
def empty_instances() -> list[Instance]:
    """A cluster without instances."""
    return []


@pytest.fixture
def web_needs() -> TaskNeeds:
    """512 CPU units and 1 GiB, no ports, in the family:web group."""
    return TaskNeeds(cpu=512, memory=1024, group="family:web")
