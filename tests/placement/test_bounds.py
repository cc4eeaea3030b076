"""The state's column bounds, which let a request skip a check that every instance passes."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement import ClusterState, Instance, PlacementRequest, PortMapping, TaskNeeds, place
from placement.inputs import MAX_RESERVED_PORTS
from tests.placement.conftest import make
from tests.strategies import instances, placement_requests, task_needs

PROPERTY = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])


def assert_bounds_hold(state: ClusterState) -> None:
    """Every bound is one: no instance lies beyond it."""
    assert all(state.remaining_cpu >= state.cpu_floor)
    assert all(state.remaining_memory >= state.memory_floor)
    assert all(state.free_enis >= state.eni_floor)
    assert all(state.dynamic_free >= state.dynamic_floor)
    assert all(state.reserved_count <= state.reserved_ceiling)
    assert all(state.remaining_cpu <= state.cpu_ceiling)
    assert all(state.remaining_memory <= state.memory_ceiling)


@PROPERTY
@given(
    instances(max_size=6),
    st.lists(st.tuples(task_needs(), placement_requests(), st.booleans()), max_size=6),
)
def test_bounds_hold_through_apply_and_release(
    cluster: list[Instance], steps: list[tuple[TaskNeeds, PlacementRequest, bool]]
) -> None:
    """After any sequence of placements and releases, each bound still bounds its column."""
    state = ClusterState(cluster)
    assert_bounds_hold(state)
    for needs, request, release_one in steps:
        result = place(state, needs, request)
        state.apply(result)
        assert_bounds_hold(state)
        if release_one and result.placements:
            first = result.placements[0]
            state.release(first.instance_id, needs, first.port_bindings)
            assert_bounds_hold(state)


def bounds_unknown(state: ClusterState) -> ClusterState:
    """The state with bounds that never show every instance passing, so that every request
    runs every check over every instance (apply only lowers floors and raises the ceiling),
    and loose ceilings on remaining CPU and memory, so that binpack's keys take more bits."""
    state.cpu_floor = state.memory_floor = state.eni_floor = state.dynamic_floor = -1
    state.reserved_ceiling = MAX_RESERVED_PORTS + 1
    state.cpu_ceiling = state.memory_ceiling = 2**30
    return state


@PROPERTY
@given(
    instances(max_size=6),
    st.lists(st.tuples(task_needs(), placement_requests(), st.booleans()), max_size=5),
)
def test_skipping_checks_changes_no_result(
    cluster: list[Instance], steps: list[tuple[TaskNeeds, PlacementRequest, bool]]
) -> None:
    """Placements, failures, counts per reason and explanations are those of every check run
    over every instance, whatever the bounds let a request skip."""
    skipping, checking = ClusterState(cluster), bounds_unknown(ClusterState(cluster))
    for needs, request, explain in steps:
        fast = place(skipping, needs, request, explain=explain)
        plain = place(checking, needs, request, explain=explain)
        assert fast == plain
        skipping.apply(fast)
        checking.apply(plain)


def test_apply_lowers_the_floors_to_the_new_least() -> None:
    """apply keeps the floors exact as columns fall; a check is skipped only while it holds."""
    state = ClusterState([make("a", remaining_cpu=2048), make("b", remaining_cpu=4096)])
    needs = TaskNeeds(cpu=1024, memory=512)
    assert state.cpu_floor == 2048
    result = place(state, needs, PlacementRequest(count=2, seed=0))
    state.apply(result)
    assert state.cpu_floor == int(state.remaining_cpu.min())
    assert state.memory_floor == int(state.remaining_memory.min())
    ruled_out = place(state, dataclasses.replace(needs, cpu=4096), PlacementRequest(seed=0))
    assert not ruled_out.placements
    assert ruled_out.rejected == {"RESOURCE:CPU": 2}


def test_reserved_ceiling_follows_static_ports() -> None:
    """Static ports raise the reserved-ports ceiling; near the limit the check runs again."""
    crowded = frozenset(range(1000, 1000 + MAX_RESERVED_PORTS - 2))
    state = ClusterState([make("a", reserved_ports=crowded), make("b")])
    assert state.reserved_ceiling == MAX_RESERVED_PORTS - 2
    ports = (PortMapping("app", 80, 80), PortMapping("app", 81, 81))
    needs = TaskNeeds(cpu=256, memory=512, port_mappings=ports[:1])
    state.apply(place(state, needs, PlacementRequest(count=2, seed=0)))
    assert state.reserved_ceiling == MAX_RESERVED_PORTS - 1
    both = place(state, dataclasses.replace(needs, port_mappings=ports), PlacementRequest(seed=0))
    assert not both.placements
    assert both.rejected == {"RESOURCE:PORTS": 2}
