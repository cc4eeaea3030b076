"""Safety properties of placement, checked on generated clusters (Nomad's "safety properties")."""

from __future__ import annotations

import dataclasses
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement import (
    ClusterState,
    Instance,
    PlacementConstraint,
    PlacementRequest,
    PlacementResult,
    PlacementStrategy,
    TaskNeeds,
    fit,
    place,
    ranking,
)
from placement.query import compile_query
from tests.strategies import ZONES, instances, placement_requests, task_needs

PROPERTY = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def replay(cluster: list[Instance], result: PlacementResult):
    """Yield (instance as it was, placement) for each placement, applying them one by one."""
    state = ClusterState(cluster)
    for placement in result.placements:
        yield state.instance(state.position(placement.instance_id)), placement
        state.apply(dataclasses.replace(result, placements=(placement,)))


@PROPERTY
@given(instances(), task_needs(), placement_requests())
def test_every_placement_fits_when_it_is_made(
    cluster: list[Instance], needs: TaskNeeds, request: PlacementRequest
) -> None:
    """No instance is ever overcommitted: each task fits, and every constraint holds, when placed."""
    result = place(cluster, needs, request)
    constraints = [*needs.constraints, *request.constraints]
    for instance, placement in replay(cluster, result):
        assert fit(instance, needs) == ()
        for constraint in constraints:
            if constraint.type == "distinctInstance":
                assert instance.task_groups.get(needs.group, 0) == 0
            else:
                assert compile_query(constraint.expression)(instance)
        dynamic = [b.host_port for b in placement.port_bindings if b.dynamic]
        assert not set(dynamic) & (instance.dynamic_ports_in_use | instance.reserved_ports)


@PROPERTY
@given(instances(), task_needs(), placement_requests(distinct=True))
def test_distinct_instance_never_repeats_an_instance(
    cluster: list[Instance], needs: TaskNeeds, request: PlacementRequest
) -> None:
    """With distinctInstance, no two tasks of a request share an instance."""
    chosen = [p.instance_id for p in place(cluster, needs, request).placements]
    assert len(chosen) == len(set(chosen))


@st.composite
def roomy_clusters(draw: st.DrawFn) -> list[Instance]:
    """Idle, healthy instances with room for any request, in one to three zones."""
    zones = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=9))
    return [
        Instance(
            id=f"ci-{k}", availability_zone=zone, registered_cpu=10_000, registered_memory=10_000
        )
        for k, zone in enumerate(zones)
    ]


@PROPERTY
@given(
    roomy_clusters(),
    st.integers(1, 10),
    st.integers(0, 2**32),
    st.sampled_from(("run_task", "service")),
)
def test_spread_keeps_counts_within_one(
    cluster: list[Instance], count: int, seed: int, kind: str
) -> None:
    """When capacity allows, zones end within one task, and so do the instances of each zone."""
    strategies = (
        PlacementStrategy("spread", "attribute:ecs.availability-zone"),
        PlacementStrategy("spread", "instanceId"),
    )
    request = PlacementRequest(count=count, strategies=strategies, seed=seed, kind=kind)
    result = place(cluster, TaskNeeds(cpu=10, memory=10, group="g"), request)
    zone_of = {i.id: i.availability_zone for i in cluster}
    per_zone = Counter(dict.fromkeys(zone_of.values(), 0))
    per_zone.update(zone_of[p.instance_id] for p in result.placements)
    per_instance = Counter({i.id: 0 for i in cluster})
    per_instance.update(p.instance_id for p in result.placements)
    assert max(per_zone.values()) - min(per_zone.values()) <= 1
    for zone in per_zone:
        counts = [n for instance, n in per_instance.items() if zone_of[instance] == zone]
        assert max(counts) - min(counts) <= 1


@st.composite
def uniform_clusters(draw: st.DrawFn) -> list[Instance]:
    """Instances of one size, some already partly used."""
    return [
        Instance(
            id=f"ci-{k}",
            availability_zone=draw(st.sampled_from(ZONES)),
            registered_cpu=4096,
            registered_memory=4096,
            remaining_memory=draw(st.sampled_from((4096, 4096, 3000, 2048, 700, 100))),
        )
        for k in range(draw(st.integers(1, 8)))
    ]


@PROPERTY
@given(
    uniform_clusters(), st.sampled_from((256, 512, 1024)), st.integers(1, 10), st.integers(0, 2**32)
)
def test_binpack_never_opens_an_instance_while_a_used_one_fits(
    cluster: list[Instance], memory: int, count: int, seed: int
) -> None:
    """binpack(memory) starts an unused instance only when no used instance has room."""
    needs = TaskNeeds(cpu=1, memory=memory, group="g")
    request = PlacementRequest(
        count=count, strategies=(PlacementStrategy("binpack", "memory"),), seed=seed
    )
    result = place(cluster, needs, request)
    state = ClusterState(cluster)
    for instance, _ in replay(cluster, result):
        if instance.remaining_memory == instance.registered_memory:
            used = [i for i in state.instances if i.remaining_memory < i.registered_memory]
            assert not [i for i in used if fit(i, needs) == ()]
        state.apply(dataclasses.replace(result, placements=(_,)))


@PROPERTY
@given(instances(), task_needs(), placement_requests())
def test_same_seed_same_result(
    cluster: list[Instance], needs: TaskNeeds, request: PlacementRequest
) -> None:
    """The same cluster, needs, request and seed always give the same result."""
    first = place(cluster, needs, request)
    assert place(cluster, needs, request) == first
    assert place(ClusterState(cluster), needs, request) == first


@PROPERTY
@given(instances(), task_needs(), placement_requests())
def test_fast_reasons_agree_with_fit(
    cluster: list[Instance], needs: TaskNeeds, request: PlacementRequest
) -> None:
    """The vectorised reason of every instance is the first shortfall the one-instance rules give."""
    result = place(cluster, needs, request, explain=True)
    for explanation in result.explanations:
        for verdict in explanation.verdicts:
            first = verdict.shortfalls[0].reason if verdict.shortfalls else None
            assert verdict.reason == first


@PROPERTY
@given(instances(), task_needs(), placement_requests())
def test_explaining_changes_no_decision(
    cluster: list[Instance], needs: TaskNeeds, request: PlacementRequest
) -> None:
    """Explanations hook into the same decision loop: the same placements, failures and counts,
    and each explanation names the instance its task was placed on (None once none is left)."""
    fast = place(cluster, needs, request)
    explained = place(cluster, needs, request, explain=True)
    assert dataclasses.replace(explained, explanations=None) == fast
    chosen = [explanation.instance_id for explanation in explained.explanations]
    placed = [placement.instance_id for placement in fast.placements]
    assert chosen[: len(placed)] == placed
    assert chosen[len(placed) :] == ([] if len(placed) == request.count else [None])


@PROPERTY
@given(instances(), task_needs(), placement_requests())
def test_packed_and_narrowed_ranking_agree(
    cluster: list[Instance], needs: TaskNeeds, request: PlacementRequest
) -> None:
    """Packed keys rank exactly as strategy-by-strategy narrowing, draw for draw."""
    packed = place(cluster, needs, request)
    limit = ranking.MAX_PACKED_BITS
    ranking.MAX_PACKED_BITS = 0
    try:
        narrowed = place(cluster, needs, request)
    finally:
        ranking.MAX_PACKED_BITS = limit
    assert narrowed == packed


@PROPERTY
@given(instances(), task_needs(), st.integers(0, 2**32))
def test_failures_name_every_rejected_active_instance(
    cluster: list[Instance], needs: TaskNeeds, seed: int
) -> None:
    """An unplaceable task gets one failure per ACTIVE instance, none for the others."""
    impossible = dataclasses.replace(needs, cpu=10**9)
    result = place(
        cluster,
        impossible,
        PlacementRequest(seed=seed, constraints=(PlacementConstraint("distinctInstance"),)),
    )
    assert [f.instance_id for f in result.failures] == [
        i.id for i in cluster if i.status == "ACTIVE"
    ]
