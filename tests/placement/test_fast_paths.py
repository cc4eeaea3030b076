"""The shortcuts the engine takes for speed give exactly what the plain rules give."""

from __future__ import annotations

import random

import pytest

from placement import (
    ClusterState,
    PlacementConstraint,
    PlacementRequest,
    PlacementStrategy,
    PortMapping,
    TaskNeeds,
    place,
)
from placement.pipeline import _SeededDraws
from placement.strategies import build_strategies
from tests.placement.conftest import make

BINPACK_MEMORY = PlacementStrategy("binpack", "memory")
SPREAD_ZONE = PlacementStrategy("spread", "attribute:ecs.availability-zone")


@pytest.mark.parametrize("seed", [0, 1, 7, 2**31 + 5, 10**12])
def test_seeded_draws_are_random_randrange(seed: int) -> None:
    """The written-out draw gives Random(seed).randrange's values, draw for draw."""
    stops = [1, 2, 3, 5, 8, 13, 100, 127, 128, 129, 1000, 4096, 5000, 65537] * 20
    draws = _SeededDraws(seed)
    reference = random.Random(seed)
    assert [draws.randrange(stop) for stop in stops] == [reference.randrange(s) for s in stops]


@pytest.mark.parametrize(
    ("fields", "needs", "reason"),
    [
        # CPU and memory run out at the same task: CPU comes first in precedence.
        ({"remaining_cpu": 768, "remaining_memory": 1536}, TaskNeeds(cpu=256, memory=512), "CPU"),
        (
            {"remaining_cpu": 1024, "remaining_memory": 1536},
            TaskNeeds(cpu=256, memory=512),
            "MEMORY",
        ),
        (
            {
                "remaining_memory": 7000,
                "max_enis": 4,
                "attributes": {"ecs.capability.task-eni": None},
            },
            TaskNeeds(cpu=1, memory=1, uses_eni=True),
            "ENI",
        ),
        (
            {"remaining_memory": 7000, "dynamic_port_range": (40000, 40002)},
            TaskNeeds(cpu=1, memory=1, port_mappings=(PortMapping("app", 80, 0),)),
            "PORTS",
        ),
    ],
)
def test_an_instance_takes_tasks_until_its_first_check_fails(
    fields: dict, needs: TaskNeeds, reason: str
) -> None:
    """Binpack fills the fuller instance for exactly as many tasks as it has room for (three
    here), and the instance then counts under the first check that fails."""
    cluster = [make("full", **fields), make("empty", remaining_cpu=2048, remaining_memory=7680)]
    if needs.uses_eni:
        cluster[1] = make("empty", max_enis=16, attributes={"ecs.capability.task-eni": None})
    result = place(cluster, needs, PlacementRequest(count=5, strategies=(BINPACK_MEMORY,)))
    assert [p.instance_id for p in result.placements] == ["full"] * 3 + ["empty"] * 2
    assert dict(result.placements[3].rejected) == {f"RESOURCE:{reason}": 1}


def test_a_dynamic_query_is_asked_again_before_distinct_instance() -> None:
    """With a memberOf query that reads the tasks running, the query is asked again after
    each proposal, and it wins over distinctInstance (precedence)."""
    cluster = [make(f"i{k}") for k in range(3)]
    constraints = (
        PlacementConstraint("memberOf", "runningTasksCount < 1"),
        PlacementConstraint("distinctInstance"),
    )
    request = PlacementRequest(count=3, constraints=constraints)
    result = place(cluster, TaskNeeds(cpu=1, memory=1, group="family:web"), request)
    assert len(result.placements) == 3
    assert dict(result.placements[2].rejected) == {"MemberOf placement constraint unsatisfied.": 2}


def test_the_next_dynamic_port_is_skipped_when_taken() -> None:
    """The single-port shortcut tries the port after the last one, then scans like the agent."""
    cluster = [make("a", last_dynamic_port=32770, dynamic_ports_in_use={32771, 32772})]
    needs = TaskNeeds(cpu=1, memory=1, port_mappings=(PortMapping("app", 80, 0),))
    result = place(cluster, needs, PlacementRequest(count=2))
    assert [p.port_bindings[0].host_port for p in result.placements] == [32773, 32774]


def test_shared_strategy_chains_carry_nothing_between_requests() -> None:
    """A validated chain is shared by requests asking for the same strategies; interleaving
    requests on two clusters gives what each cluster gives alone."""
    request = PlacementRequest(count=4, strategies=(SPREAD_ZONE, BINPACK_MEMORY), seed=3)
    assert build_strategies(request) is build_strategies(PlacementRequest(**_fields(request)))
    needs = TaskNeeds(cpu=256, memory=512, group="family:web")

    def cluster(size: int) -> list:
        zones = ("us-east-1a", "us-east-1b", "us-east-1c")
        return [make(f"i{k}", availability_zone=zones[k % 3]) for k in range(size)]

    alone = []
    for size in (5, 9):
        state = ClusterState(cluster(size))
        for _ in range(3):
            result = place(state, needs, request)
            state.apply(result)
            alone.append(result.placements)
    states = [ClusterState(cluster(5)), ClusterState(cluster(9))]
    interleaved: list[list] = [[], []]
    for _ in range(3):
        for k, state in enumerate(states):
            result = place(state, needs, request)
            state.apply(result)
            interleaved[k].append(result.placements)
    assert interleaved[0] + interleaved[1] == alone


def _fields(request: PlacementRequest) -> dict:
    return {"count": 1, "strategies": request.strategies, "seed": 9}
