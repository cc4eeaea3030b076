"""The shortcuts the engine takes for speed give exactly what the plain rules give."""

from __future__ import annotations

import dataclasses
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
    ranking,
)
from placement.by_value import still_tied
from placement.pipeline import _SeededDraws
from placement.strategies import build_strategies
from tests.placement.conftest import make

BINPACK_MEMORY = PlacementStrategy("binpack", "memory")
SPREAD_ZONE = PlacementStrategy("spread", "attribute:ecs.availability-zone")


@pytest.mark.parametrize("seed", [0, 1, 7, -3, 2**31 + 5, 10**12, 2**80, "web"])
def test_seeded_draws_are_random_randrange(seed: int | str) -> None:
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


class _Fixed:
    """Draws that always give the same position: which row a draw maps to, made visible."""

    def __init__(self, position: int) -> None:
        self.position = position

    def randrange(self, stop: int) -> int:
        return min(self.position, stop - 1)


def test_a_tie_across_values_is_ordered_by_value_then_input_order() -> None:
    """Spread over an attribute first: the tie is taken value by value (values sorted, the
    instances lacking the attribute last), input order within a value."""
    zones = ("us-east-1b", "us-east-1a", None, "us-east-1b", "us-east-1a", "us-east-1c")
    cluster = [
        make(f"i{k}", attributes={"rack": zone} if zone else {}) for k, zone in enumerate(zones)
    ]
    spread_rack = PlacementStrategy("spread", "attribute:rack")
    request = PlacementRequest(count=1, strategies=(spread_rack,))
    needs = TaskNeeds(cpu=1, memory=1)
    expected = ["i1", "i4", "i0", "i3", "i5"]  # i2 lacks the attribute: it ranks after them
    for position, instance_id in enumerate(expected):
        result = place(cluster, needs, request, rng=_Fixed(position))
        assert [(p.instance_id, p.tied) for p in result.placements] == [(instance_id, 5)]


def _spread_cluster(rng: random.Random) -> list:
    cluster = []
    for k in range(rng.randint(1, 40)):
        attributes = {"rack": rng.choice("abc")} if rng.random() < 0.8 else {}
        cluster.append(
            make(
                f"i{k}",
                availability_zone=rng.choice(("us-east-1a", "us-east-1b", "us-east-1c")),
                remaining_memory=rng.choice((512, 1024, 2048, 4096)),
                status="ACTIVE" if rng.random() < 0.9 else "DRAINING",
                attributes=attributes,
                task_groups={"family:web": rng.randint(0, 2)} if rng.random() < 0.5 else {},
            )
        )
    return cluster


SPREAD_FIRST_CHAINS = (
    (SPREAD_ZONE,),
    (SPREAD_ZONE, PlacementStrategy("spread", "instanceId")),
    (SPREAD_ZONE, BINPACK_MEMORY),
    (PlacementStrategy("spread", "attribute:rack"), BINPACK_MEMORY, PlacementStrategy("random")),
    (SPREAD_ZONE, PlacementStrategy("spread", "attribute:rack"), BINPACK_MEMORY),
    (PlacementStrategy("spread", "attribute:rack"), SPREAD_ZONE),
)


@pytest.mark.parametrize("seed", range(40))
def test_keys_kept_per_value_rank_as_narrowing(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain starting with a spread over an attribute keeps its keys per value; it places
    exactly as narrowing strategy by strategy, draw for draw, over requests applied in turn."""
    rng = random.Random(seed)
    cluster = _spread_cluster(rng)
    requests = []
    for k in range(4):
        constraints = (PlacementConstraint("distinctInstance"),) if rng.random() < 0.3 else ()
        needs = TaskNeeds(
            cpu=rng.choice((0, 128)),
            memory=rng.choice((0, 256, 512)),
            group=rng.choice(("family:web", "family:db")),
            port_mappings=(PortMapping("app", 80, 80),) if rng.random() < 0.2 else (),
        )
        chain = rng.choice(SPREAD_FIRST_CHAINS)
        request = PlacementRequest(
            count=rng.randint(1, 25), kind="service", strategies=chain, constraints=constraints
        )
        requests.append((needs, dataclasses.replace(request, seed=k)))

    def run() -> list:
        state, results = ClusterState(cluster), []
        for needs, request in requests:
            result = place(state, needs, request)
            state.apply(result)
            results.append(result)
        return results

    kept = run()
    monkeypatch.setattr(ranking, "MAX_PACKED_BITS", 0)
    assert run() == kept


def test_still_tied_skips_the_rows_taken_out_of_a_tie() -> None:
    """The n-th row still tied is the n-th position not taken out, in order."""
    rng = random.Random(5)
    for _ in range(2000):
        size = rng.randint(1, 40)
        removed = sorted(rng.sample(range(size), rng.randint(0, size - 1)))
        left = [k for k in range(size) if k not in removed]
        n = rng.randrange(len(left))
        assert still_tied(removed, n) == left[n]
