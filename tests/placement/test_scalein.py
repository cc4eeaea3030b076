"""Service scale-in: which running tasks go when the desired count drops (spec §2.4)."""

from __future__ import annotations

from collections import Counter

import pytest

from placement import InvalidPlacementRequest, PlacementStrategy, RunningTask, choose_tasks_to_stop
from tests.placement.conftest import make

ZONE_A, ZONE_B, ZONE_C = "us-east-1a", "us-east-1b", "us-east-1c"


def cluster() -> list:
    """a1 in zone a, b1 and b2 in zone b, c1 in zone c."""
    return [
        make("a1", availability_zone=ZONE_A),
        make("b1", availability_zone=ZONE_B),
        make("b2", availability_zone=ZONE_B, remaining_memory=4096),
        make("c1", availability_zone=ZONE_C),
    ]


def tasks(**per_instance: int) -> list[RunningTask]:
    """``per_instance`` tasks on each named instance, with ids like b1-0."""
    return [
        RunningTask(f"{instance}-{k}", instance, cpu=256, memory=512)
        for instance, count in per_instance.items()
        for k in range(count)
    ]


def test_default_stops_in_the_busiest_zone_on_the_busiest_instance() -> None:
    """AWS's example: zone a has 1 task, b and c have 2, so a task in b or c stops."""
    running = tasks(a1=1, b1=1, b2=1, c1=2)
    (stopped,) = choose_tasks_to_stop(running, cluster(), 1)
    # Zone c ties with b at two tasks; c1 has two of them, more than any instance in b.
    assert stopped.startswith("c1-")


def test_default_keeps_zones_balanced_while_shrinking() -> None:
    """Scaling 6 -> 3 over three zones leaves one task per zone."""
    running = tasks(a1=2, b1=1, b2=1, c1=2)
    stopped = set(choose_tasks_to_stop(running, cluster(), 3, seed=2))
    left = Counter(t.instance_id[0] for t in running if t.task_id not in stopped)
    assert left == {"a": 1, "b": 1, "c": 1}


def test_binpack_stops_where_the_most_would_be_left() -> None:
    """binpack(memory): the task on the instance with the most memory after the stop goes."""
    running = tasks(b1=1, b2=1)
    stopped = choose_tasks_to_stop(running, cluster(), 1, [PlacementStrategy("binpack", "memory")])
    assert stopped == ("b1-0",)


def test_spread_on_instances_stops_on_the_busiest_instance() -> None:
    """spread(instanceId): a task on the instance with the most tasks of the service."""
    running = tasks(a1=1, b1=4, c1=2)
    stopped = choose_tasks_to_stop(
        running, cluster(), 2, [PlacementStrategy("spread", "instanceId")]
    )
    assert [s[:2] for s in stopped] == ["b1", "b1"]


def test_tasks_on_instances_without_the_attribute_go_first() -> None:
    """spread(attribute): a task on an instance lacking the attribute is stopped first."""
    instances = [make("racked", attributes={"rack": "r1"}), make("bare")]
    running = tasks(racked=3, bare=1)
    stopped = choose_tasks_to_stop(
        running, instances, 1, [PlacementStrategy("spread", "attribute:rack")]
    )
    assert stopped == ("bare-0",)


def test_protected_tasks_are_never_chosen() -> None:
    """Scale-in protection keeps a task; fewer tasks than asked come back if needed."""
    running = [RunningTask("keep", "a1", protected=True), RunningTask("go", "b1")]
    assert choose_tasks_to_stop(running, cluster(), 2) == ("go",)


def test_random_and_ties_follow_the_seed() -> None:
    """The same seed stops the same tasks; another seed may not."""
    running = tasks(a1=3, b1=3, c1=3)
    random_ = [PlacementStrategy("random")]
    runs = {choose_tasks_to_stop(running, cluster(), 3, random_, seed=s) for s in range(20)}
    assert choose_tasks_to_stop(running, cluster(), 3, random_, seed=5) == choose_tasks_to_stop(
        running, cluster(), 3, random_, seed=5
    )
    assert len(runs) > 1


def test_scale_in_validates_strategies() -> None:
    """The strategies are checked as for placement."""
    with pytest.raises(InvalidPlacementRequest, match="binpack"):
        choose_tasks_to_stop(tasks(a1=1), cluster(), 1, [PlacementStrategy("binpack", "disk")])
