"""Step 1, one instance at a time: ``fit`` and its shortfalls, and the agent's port pick."""

from __future__ import annotations

import pytest

from placement import (
    ClusterState,
    Instance,
    PlacementRequest,
    PlacementStrategy,
    PortMapping,
    Reason,
    TaskNeeds,
    fit,
    place,
)
from placement.resources import dynamic_ports_free, next_dynamic_ports
from tests.placement.conftest import make

WEB = TaskNeeds(
    cpu=512, memory=1024, port_mappings=(PortMapping("app", 80, 80),), group="family:web"
)


def reasons(instance: Instance, needs: TaskNeeds = WEB) -> list[Reason]:
    """The reasons of every shortfall, in the order fit reports them."""
    return [shortfall.reason for shortfall in fit(instance, needs)]


def test_fixed_candidates_get_their_shortfalls() -> None:
    """Each instance of a fixed list fails exactly the checks it should."""
    candidates = {
        "perfect fit": make("a", remaining_cpu=512, remaining_memory=1024),
        "roomy": make("b"),
        "overloaded": make("c", remaining_cpu=0, remaining_memory=0, reserved_ports={80}),
        "draining": make("d", status="DRAINING"),
        "agent away": make("e", agent_connected=False, remaining_cpu=100),
    }
    assert {name: reasons(instance) for name, instance in candidates.items()} == {
        "perfect fit": [],
        "roomy": [],
        "overloaded": [Reason.CPU, Reason.MEMORY, Reason.PORTS],
        "draining": [Reason.NOT_ACTIVE],
        "agent away": [Reason.AGENT, Reason.CPU],
    }


def test_shortfalls_carry_requested_and_remaining() -> None:
    """A shortfall names the resource, what the task asks and what the instance has left."""
    (cpu,) = fit(make("a", remaining_cpu=256), TaskNeeds(cpu=512, memory=1))
    assert (cpu.resource, cpu.requested, cpu.remaining) == ("CPU", 512, 256)
    assert str(cpu) == "CPU: requested 512, remaining 256"


def test_udp_and_tcp_ports_are_separate() -> None:
    """A UDP port clashes only with reserved UDP ports."""
    dns = TaskNeeds(port_mappings=(PortMapping("dns", 53, 53, "udp"),))
    assert reasons(make("tcp53", reserved_ports={22, 53}), dns) == []
    (shortfall,) = fit(make("udp53", reserved_ports_udp={53}), dns)
    assert shortfall.resource == "PORTS_UDP"


def test_a_port_bound_dynamically_blocks_the_same_static_port() -> None:
    """A host port the agent handed out dynamically is taken for a static mapping too."""
    needs = TaskNeeds(port_mappings=(PortMapping("app", 80, 32768),))
    assert reasons(make("a", dynamic_ports_in_use={32768}), needs) == [Reason.PORTS]


def test_the_hundred_reserved_ports_limit_counts_both_protocols() -> None:
    """An instance with 100 reserved ports (TCP plus UDP) takes no more static ports."""
    crowded = make("a", reserved_ports=set(range(1000, 1060)), reserved_ports_udp=set(range(40)))
    static = TaskNeeds(port_mappings=(PortMapping("app", 80, 80),))
    dynamic = TaskNeeds(port_mappings=(PortMapping("app", 80, 0),))
    assert [(s.resource, s.remaining) for s in fit(crowded, static)] == [("reserved ports", 0)]
    assert fit(crowded, dynamic) == ()


def test_a_full_dynamic_range_is_a_ports_shortfall() -> None:
    """Two dynamic ports do not fit a range with one free port."""
    needs = TaskNeeds(port_mappings=(PortMapping("a", 80, 0), PortMapping("b", 81, 0)))
    tiny = make("a", dynamic_port_range=(40000, 40001), dynamic_ports_in_use={40000})
    assert [(s.resource, s.requested, s.remaining) for s in fit(tiny, needs)] == [
        ("dynamic host ports", 2, 1)
    ]


def test_free_dynamic_ports_exclude_every_taken_port_in_range() -> None:
    """Dynamic and static ports in the range are taken; ports outside it do not matter."""
    instance = make(
        "a",
        dynamic_port_range=(100, 109),
        dynamic_ports_in_use={100, 101},
        reserved_ports={22, 105},
        reserved_ports_udp={101, 200},
    )
    assert dynamic_ports_free(instance) == 7


def test_eni_is_needed_only_by_awsvpc_tasks() -> None:
    """An instance with no free ENI slot refuses awsvpc tasks only."""
    full = make("a", max_enis=2, enis_in_use=2)
    assert reasons(full, TaskNeeds(uses_eni=True)) == [Reason.ENI]
    assert reasons(full, TaskNeeds()) == []


def test_required_attributes_need_name_and_value() -> None:
    """A required attribute must exist, and match when a value is required."""
    needs = TaskNeeds(required_attributes={"ecs.capability.task-eni": None, "stack": "prod"})
    ok = make("a", attributes={"ecs.capability.task-eni": None, "stack": "prod"})
    wrong = make("b", attributes={"ecs.capability.task-eni": None, "stack": "dev"})
    assert reasons(ok, needs) == []
    (shortfall,) = fit(wrong, needs)
    assert (shortfall.reason, shortfall.requested) == (Reason.ATTRIBUTE, "stack=prod")


@pytest.mark.parametrize(
    ("last", "taken", "expected"),
    [
        (None, set(), [100, 101]),  # a fresh agent starts at the bottom of the range
        (101, set(), [102, 103]),  # then scans upward from the last port it handed out
        (102, {103, 104}, [105, 100]),  # skipping taken ports and wrapping to the start
        (105, {100}, [101, 102]),  # the last port of the range wraps too
    ],
)
def test_dynamic_ports_scan_upward_from_the_last_one(
    last: int | None, taken: set[int], expected: list[int]
) -> None:
    """The agent's dynamic port pick, as in its ephemeral_ports.go."""
    assert next_dynamic_ports(2, (100, 105), last, [taken]) == expected


def test_an_exhausted_dynamic_range_raises() -> None:
    """Asking for more ports than the range has free is an error, never a reused port."""
    with pytest.raises(ValueError, match="only 1 free ports"):
        next_dynamic_ports(2, (100, 101), None, [{100}])


@pytest.mark.parametrize(
    ("needs", "reason"),
    [(TaskNeeds(cpu=2**70), "RESOURCE:CPU"), (TaskNeeds(memory=2**64), "RESOURCE:MEMORY")],
)
def test_needs_beyond_int64_fit_nowhere(needs: TaskNeeds, reason: str) -> None:
    """A need no int64 column can hold is compared exactly and fits no instance."""
    state = ClusterState([make("a"), make("b")])
    request = PlacementRequest(strategies=(PlacementStrategy("binpack", "memory"),))
    result = place(state, needs, request)
    assert not result.placements
    assert {failure.reason for failure in result.failures} == {reason}
