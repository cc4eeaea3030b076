"""Step 3 from fixed candidate lists: binpack, spread, random, chaining and the defaults."""

from __future__ import annotations

from collections import Counter

import pytest

from placement import (
    ClusterState,
    Instance,
    PlacementRequest,
    PlacementStrategy,
    TaskNeeds,
    place,
    ranking,
)
from tests.placement.conftest import make

BINPACK_MEMORY = PlacementStrategy("binpack", "memory")
BINPACK_CPU = PlacementStrategy("binpack", "cpu")
SPREAD_ZONE = PlacementStrategy("spread", "attribute:ecs.availability-zone")
SPREAD_INSTANCE = PlacementStrategy("spread", "instanceId")
NEEDS = TaskNeeds(cpu=256, memory=512, group="family:web")


def placed(
    instances: list[Instance],
    *strategies: PlacementStrategy,
    count: int = 1,
    seed: int = 0,
    needs: TaskNeeds = NEEDS,
) -> list[str]:
    """The instance ids the tasks of one request went to, in order."""
    request = PlacementRequest(count=count, strategies=strategies, seed=seed)
    return [p.instance_id for p in place(instances, needs, request).placements]


def test_binpack_prefers_the_least_remaining_memory() -> None:
    """Binpack picks the instance left with the least memory, and reports what is left."""
    candidates = [
        make("empty"),  # 7680 MiB free
        make("half-used", remaining_memory=3840),
        make("perfect-fit", remaining_memory=512),  # exactly one task's worth
        make("overloaded", remaining_memory=256),  # dropped in step 1
    ]
    result = place(candidates, NEEDS, PlacementRequest(strategies=(BINPACK_MEMORY,)))
    (placement,) = result.placements
    assert placement.instance_id == "perfect-fit"
    assert [(s.strategy, s.score) for s in placement.scores] == [("binpack(memory)", 0)]
    assert (placement.candidates, placement.tied) == (3, 1)


def test_binpack_keeps_filling_the_same_instance() -> None:
    """Tasks of one request pile onto the fullest instance until it has no room."""
    candidates = [make("empty"), make("half-used", remaining_memory=1536)]
    assert placed(candidates, BINPACK_MEMORY, count=4) == ["half-used"] * 3 + ["empty"]


def test_binpack_on_cpu_ignores_memory() -> None:
    """binpack(cpu) ranks by remaining CPU units only."""
    candidates = [
        make("little-cpu", remaining_cpu=512, remaining_memory=7680),
        make("little-memory", remaining_cpu=2048, remaining_memory=600),
    ]
    assert placed(candidates, BINPACK_CPU) == ["little-cpu"]
    assert placed(candidates, BINPACK_MEMORY) == ["little-memory"]


def test_spread_on_instances_counts_only_the_same_group() -> None:
    """spread(instanceId) avoids instances running the group's tasks; other groups do not count."""
    candidates = [
        make("busy-with-web", task_groups={"family:web": 2}),
        make("busy-with-others", task_groups={"family:batch": 5}),
        make("one-web", task_groups={"family:web": 1}),
    ]
    result = place(candidates, NEEDS, PlacementRequest(strategies=(SPREAD_INSTANCE,)))
    assert result.placements[0].instance_id == "busy-with-others"
    assert result.placements[0].scores[0].score == 0


def test_spread_by_zone_then_instance_visits_every_instance_once(
    balanced_instances: list[Instance],
) -> None:
    """spread(zone) then spread(instanceId): six tasks on six instances, two per zone."""
    chosen = placed(balanced_instances, SPREAD_ZONE, SPREAD_INSTANCE, count=6, seed=11)
    assert sorted(chosen) == sorted(i.id for i in balanced_instances)
    zones_in_order = [c[0] for c in chosen]
    # Each round of three tasks covers the three zones.
    assert sorted(zones_in_order[:3]) == sorted(zones_in_order[3:]) == ["a", "b", "c"]


def test_spread_by_zone_counts_tasks_already_running() -> None:
    """The zone with the fewest tasks of the group wins, whatever instance they run on."""
    candidates = [
        make("a1", availability_zone="us-east-1a", task_groups={"family:web": 1}),
        make("a2", availability_zone="us-east-1a"),
        make("b1", availability_zone="us-east-1b", task_groups={"family:web": 2}),
        make("c1", availability_zone="us-east-1c", task_groups={"family:web": 1}),
    ]
    result = place(
        candidates,
        NEEDS,
        PlacementRequest(count=3, strategies=(SPREAD_ZONE, SPREAD_INSTANCE), seed=3),
    )
    # Zones a and c tie at one task; a2 runs none of the group, so it goes first.
    assert [p.instance_id for p in result.placements][:2] == ["a2", "c1"]
    assert [p.scores[0].score for p in result.placements] == [1, 1, 2]


def test_spread_then_binpack_packs_within_the_emptiest_zone() -> None:
    """spread(zone) then binpack(memory): the zone first, then the fullest instance in it."""
    candidates = [
        make(
            "a-full",
            availability_zone="us-east-1a",
            remaining_memory=600,
            task_groups={"family:web": 1},
        ),
        make("b-roomy", availability_zone="us-east-1b"),
        make("b-snug", availability_zone="us-east-1b", remaining_memory=1024),
    ]
    result = place(candidates, NEEDS, PlacementRequest(strategies=(SPREAD_ZONE, BINPACK_MEMORY)))
    (placement,) = result.placements
    assert placement.instance_id == "b-snug"
    assert [s.score for s in placement.scores] == [0, 512]


def test_spread_puts_instances_without_the_attribute_last() -> None:
    """Instances lacking the spread attribute only get tasks when no other instance can."""
    candidates = [
        make("no-rack"),
        make("rack-1", attributes={"rack": "r1"}, task_groups={"family:web": 3}),
    ]
    spread_rack = PlacementStrategy("spread", "attribute:rack")
    assert placed(candidates, spread_rack, count=2) == ["rack-1", "rack-1"]
    full_rack = [candidates[0], make("rack-1", attributes={"rack": "r1"}, remaining_cpu=0)]
    assert placed(full_rack, spread_rack) == ["no-rack"]


def test_random_is_seeded() -> None:
    """Random picks the same instances for the same seed, and every instance for some seed."""
    candidates = [make(f"i{k}") for k in range(5)]
    random_ = PlacementStrategy("random")
    assert placed(candidates, random_, count=5, seed=42) == placed(
        candidates, random_, count=5, seed=42
    )
    seen = Counter(placed(candidates, random_, seed=seed)[0] for seed in range(200))
    assert set(seen) == {i.id for i in candidates}
    assert min(seen.values()) > 20  # roughly uniform: 40 expected each


def test_strategies_after_random_do_nothing() -> None:
    """Random leaves no tie, so a later strategy has no score."""
    candidates = [make("a"), make("b")]
    request = PlacementRequest(strategies=(PlacementStrategy("random"), BINPACK_MEMORY))
    (placement,) = place(candidates, NEEDS, request).placements
    assert [(s.strategy, s.score) for s in placement.scores] == [("random", None)]


def test_ties_after_the_last_strategy_are_a_seeded_pick() -> None:
    """Equal instances are chosen by the seed, and the tie size is reported."""
    candidates = [make("a"), make("b"), make("c")]
    picks = {placed(candidates, BINPACK_MEMORY, seed=seed)[0] for seed in range(30)}
    assert picks == {"a", "b", "c"}
    request = PlacementRequest(strategies=(BINPACK_MEMORY,), seed=1)
    assert place(candidates, NEEDS, request).placements[0].tied == 3


def test_run_task_defaults_to_random(balanced_instances: list[Instance]) -> None:
    """RunTask without strategies places randomly."""
    result = place(balanced_instances, NEEDS, PlacementRequest(count=2))
    assert [str(s) for s in result.strategies] == ["random"]
    assert [s.strategy for s in result.placements[0].scores] == ["random"]


def test_services_default_to_zone_then_instance_spread(balanced_instances: list[Instance]) -> None:
    """A service without strategies spreads over zones, then over instances."""
    request = PlacementRequest(count=6, kind="service", seed=5)
    result = place(balanced_instances, NEEDS, request)
    assert [str(s) for s in result.strategies] == [
        "spread(attribute:ecs.availability-zone)",
        "spread(instanceId)",
    ]
    assert len({p.instance_id for p in result.placements}) == 6


@pytest.mark.parametrize(
    "strategies",
    [
        (BINPACK_MEMORY,),
        (SPREAD_ZONE, SPREAD_INSTANCE),
        (SPREAD_ZONE, BINPACK_MEMORY),
        (PlacementStrategy("spread", "attribute:rack"), BINPACK_CPU, PlacementStrategy("random")),
    ],
)
def test_packed_and_narrowed_ranking_agree(
    strategies: tuple[PlacementStrategy, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Packing the keys into one integer ranks exactly as narrowing strategy by strategy."""
    cluster = [
        make(
            f"i{k}",
            availability_zone=f"us-east-1{'abc'[k % 3]}",
            remaining_memory=1024 * (1 + k % 4),
            attributes={"rack": f"r{k % 2}"} if k % 5 else {},
            task_groups={"family:web": k % 3},
        )
        for k in range(12)
    ]
    request = PlacementRequest(count=10, strategies=strategies, seed=9)
    packed = place(ClusterState(cluster), NEEDS, request)
    monkeypatch.setattr(ranking, "MAX_PACKED_BITS", 0)
    assert not ranking.Ranker(*_context(cluster, request), request.count).packed
    narrowed = place(ClusterState(cluster), NEEDS, request)
    assert narrowed.placements == packed.placements


def _context(cluster: list[Instance], request: PlacementRequest) -> tuple:
    from placement.context import PlacementContext
    from placement.pipeline import _plan

    checks, strategies = _plan(NEEDS, request)
    return PlacementContext(ClusterState(cluster), NEEDS, checks), strategies
