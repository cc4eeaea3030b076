"""A result's ledger: apply records it without reading the placements, to the same state."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement import (
    ClusterState,
    Instance,
    PlacementRequest,
    PlacementResult,
    PortMapping,
    TaskNeeds,
    place,
)
from placement.results import decided_result
from tests.placement.conftest import make
from tests.strategies import instances, placement_requests, task_needs

PROPERTY = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def everything(state: ClusterState) -> tuple:
    """What apply can change: the instances as read back, the columns, bounds and caches."""
    columns = ("remaining_cpu", "remaining_memory", "free_enis", "dynamic_free", "reserved_count")
    bounds = ("cpu_floor", "memory_floor", "eni_floor", "dynamic_floor", "reserved_ceiling")
    bounds += ("cpu_ceiling", "memory_ceiling")
    return (
        state.instances,
        [getattr(state, name).tolist() for name in columns],
        state.running_tasks,
        [getattr(state, name) for name in bounds],
        {key: mask.tolist() for key, mask in state._port_masks.items()},
        {group: column.tolist() for group, column in state._group_columns.items()},
        state._value_counts,
    )


def without_ledger(result):
    """The same result as apply sees one made anywhere but ``place``."""
    plain = dataclasses.replace(result)
    assert plain.ledger is None
    return plain


@PROPERTY
@given(
    instances(max_size=6),
    st.lists(st.tuples(task_needs(), placement_requests(), st.booleans()), max_size=6),
)
def test_the_ledger_changes_the_state_as_the_placements_do(
    cluster: list[Instance], steps: list[tuple[TaskNeeds, PlacementRequest, bool]]
) -> None:
    """Applying a result by its ledger or by its placements leaves the same state: instances,
    columns, bounds and every cache; and the next request places the same on both."""
    by_ledger, by_placements = ClusterState(cluster), ClusterState(cluster)
    for needs, request, release_first in steps:
        result = place(by_ledger, needs, request)
        assert place(by_placements, needs, request) == result
        assert result.ledger is not None
        assert result.ledger.revision is by_ledger.revision
        by_ledger.apply(result)
        by_placements.apply(without_ledger(result))
        assert everything(by_ledger) == everything(by_placements)
        if release_first and result.placements:
            first = result.placements[0]
            for state in (by_ledger, by_placements):
                state.release(first.instance_id, needs, first.port_bindings)


def test_a_result_decided_before_a_change_is_read_from_its_placements() -> None:
    """Two results decided on the same state, then both applied: the second one's ports were
    free when it was decided, not any more; apply reads its placements and counts each port
    once, as it would for a result made anywhere."""
    needs = TaskNeeds(cpu=1, memory=1, port_mappings=(PortMapping("app", 8080, 0),), group="g")
    state, reference = ClusterState([make("a")]), ClusterState([make("a")])
    first, second = place(state, needs, PlacementRequest()), place(state, needs, PlacementRequest())
    assert first.placements[0].port_bindings == second.placements[0].port_bindings
    place(reference, needs, PlacementRequest())  # the same caches as ``state`` built
    for result in (first, second):
        state.apply(result)
        reference.apply(without_ledger(result))
    assert everything(state) == everything(reference)
    assert state.instance(0).dynamic_ports_in_use == {32768}
    assert state.instance(0).running_tasks_count == 2


def test_every_change_renews_the_revision() -> None:
    """apply, release and update_instance each leave the state at a new revision."""
    needs = TaskNeeds(cpu=1, memory=1, group="g")
    state = ClusterState([make("a")])
    seen = [state.revision]
    result = place(state, needs, PlacementRequest())
    state.apply(result)
    seen.append(state.revision)
    state.release("a", needs)
    seen.append(state.revision)
    state.update_instance(make("a", remaining_cpu=1))
    seen.append(state.revision)
    assert all(before is not after for before, after in itertools.pairwise(seen))


def test_a_dynamic_port_from_the_ledger_is_taken_for_both_protocols() -> None:
    """Where a static port's mask is cached, a dynamic port bound to that number marks it
    taken for TCP and UDP alike: the next static request on it finds no room."""
    dynamic = TaskNeeds(cpu=1, memory=1, port_mappings=(PortMapping("app", 8080, 0),))
    static = {
        protocol: TaskNeeds(
            cpu=1, memory=1, port_mappings=(PortMapping("app", 8080, 32768, protocol),)
        )
        for protocol in ("tcp", "udp")
    }
    state, reference = ClusterState([make("a")]), ClusterState([make("a")])
    for needs in static.values():  # the masks of port 32768, cached while it is free
        assert place(state, needs, PlacementRequest()).placements
        place(reference, needs, PlacementRequest())
    result = place(state, dynamic, PlacementRequest())
    state.apply(result)
    reference.apply(without_ledger(result))
    assert everything(state) == everything(reference)
    for needs in static.values():
        assert place(state, needs, PlacementRequest()).failures[0].reason == "RESOURCE:PORTS"


# Host ports where the two ways of recording could part: a static port of either protocol that
# the other protocol already holds, one inside the dynamic range, and dynamic ports beside them.
PORTS = (80, 32770)


@st.composite
def port_instances(draw: st.DrawFn) -> list[Instance]:
    """A few roomy instances, each holding some of ``PORTS`` for TCP, UDP or dynamically."""
    count = draw(st.integers(1, 5))
    held = st.frozensets(st.sampled_from(PORTS), max_size=2)
    return [
        make(
            f"i{k}",
            registered_cpu=4096,
            registered_memory=16384,
            reserved_ports=frozenset({22}) | draw(held),
            reserved_ports_udp=draw(held),
            dynamic_ports_in_use=draw(st.frozensets(st.sampled_from((32768, 32769)), max_size=1)),
            dynamic_port_range=draw(st.sampled_from(((32768, 60999), (32768, 32771)))),
        )
        for k in range(count)
    ]


@st.composite
def port_needs(draw: st.DrawFn) -> TaskNeeds:
    """A task with static ports of both protocols, maybe a dynamic one too."""
    static = draw(
        st.lists(st.tuples(st.sampled_from(PORTS), st.sampled_from(("tcp", "udp"))), unique=True)
    )
    mappings = [
        PortMapping("app", 8000 + k, port, protocol) for k, (port, protocol) in enumerate(static)
    ]
    if draw(st.booleans()):
        mappings.append(PortMapping("app", 9000, 0))
    return TaskNeeds(cpu=128, memory=128, port_mappings=tuple(mappings), group="g")


@PROPERTY
@given(port_instances(), st.lists(st.tuples(port_needs(), st.integers(1, 4)), max_size=6))
def test_static_ports_from_the_ledger_change_the_state_as_the_placements_do(
    cluster: list[Instance], steps: list[tuple[TaskNeeds, int]]
) -> None:
    """Static ports of either protocol, inside the dynamic range or held by the other
    protocol, recorded by the ledger or by the placements: the same state, masks included."""
    by_ledger, by_placements = ClusterState(cluster), ClusterState(cluster)
    for needs, count in steps:
        request = PlacementRequest(count=count, seed=count)
        for state in (by_ledger, by_placements):  # the same masks cached on both sides
            for port in needs.static_ports:
                state.port_taken("tcp", port)
            for port in needs.static_ports_udp:
                state.port_taken("udp", port)
        result = place(by_ledger, needs, request)
        assert place(by_placements, needs, request) == result
        by_ledger.apply(result)
        by_placements.apply(without_ledger(result))
        assert everything(by_ledger) == everything(by_placements)


def test_the_result_place_builds_is_the_dataclass_with_its_ledger() -> None:
    """decided_result fills every field as PlacementResult(...) does, plus the ledger."""
    state = ClusterState([make("a")])
    needs = TaskNeeds(cpu=1, memory=1, group="g")
    request = PlacementRequest(count=2)
    result = place(state, needs, request)
    fields = {field.name: getattr(result, field.name) for field in dataclasses.fields(result)}
    ledger = fields.pop("ledger")
    assert result == PlacementResult(**fields)
    assert ledger is not None
    assert ledger.tasks == {0: 2}
    made = decided_result(**fields, ledger=ledger)
    assert [getattr(made, name) for name in PlacementResult.__slots__] == [
        *fields.values(),
        ledger,
    ]
