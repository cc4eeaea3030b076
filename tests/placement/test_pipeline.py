"""The whole pipeline: failure reasons and their precedence, proposals, ports, ENIs, explanations."""

from __future__ import annotations

import random

import pytest

from placement import (
    ClusterState,
    Failure,
    Instance,
    NoContainerInstances,
    PlacementConstraint,
    PlacementRequest,
    PlacementStrategy,
    PortMapping,
    Reason,
    TaskNeeds,
    explain,
    place,
)
from tests.placement.conftest import make

WEB_80 = TaskNeeds(
    cpu=512, memory=1024, port_mappings=(PortMapping("app", 80, 80),), group="family:web"
)
DISTINCT = PlacementConstraint("distinctInstance")


def failures(result) -> list[tuple[str, str]]:
    """The result's failures as (instance, reason) pairs."""
    return [(f.instance_id, f.reason) for f in result.failures]


def test_every_resource_reason_is_reported_once_per_instance(
    full_instances: list[Instance],
) -> None:
    """An unplaceable task lists each rejected instance with its reason; DRAINING ones are not listed."""
    result = place(full_instances, WEB_80, PlacementRequest())
    assert result.placements == ()
    assert failures(result) == [
        ("agent-away", "AGENT"),
        ("no-cpu", "RESOURCE:CPU"),
        ("no-memory", "RESOURCE:MEMORY"),
        ("port-taken", "RESOURCE:PORTS"),
    ]
    assert dict(result.rejected) == {
        "NOT_ACTIVE": 1,
        "AGENT": 1,
        "RESOURCE:CPU": 1,
        "RESOURCE:MEMORY": 1,
        "RESOURCE:PORTS": 1,
    }


def test_attribute_eni_and_constraint_reasons() -> None:
    """ATTRIBUTE, RESOURCE:ENI, memberOf and distinctInstance each name their instance."""
    eni = {"ecs.capability.task-eni": None}
    cluster = [
        make("no-capability"),
        make("no-eni", attributes=eni, enis_in_use=3),
        make("wrong-stack", attributes={**eni, "stack": "dev"}),
        make("runs-web", attributes={**eni, "stack": "prod"}, task_groups={"family:web": 1}),
    ]
    needs = TaskNeeds(cpu=1, memory=1, uses_eni=True, required_attributes=eni, group="family:web")
    member_of = PlacementConstraint("memberOf", "attribute:stack == prod")
    result = place(cluster, needs, PlacementRequest(constraints=(member_of, DISTINCT)))
    assert failures(result) == [
        ("no-capability", "ATTRIBUTE"),
        ("no-eni", "RESOURCE:ENI"),
        ("wrong-stack", "MemberOf placement constraint unsatisfied."),
        ("runs-web", "DistinctInstance placement constraint unsatisfied."),
    ]


@pytest.mark.parametrize(
    ("instance", "reason"),
    [
        (make("x", agent_connected=False, remaining_memory=0), "AGENT"),  # agent beats resources
        (make("x", remaining_cpu=0, remaining_memory=0), "RESOURCE:CPU"),  # CPU before MEMORY
        (
            make("x", remaining_memory=0, reserved_ports={80}),
            "RESOURCE:MEMORY",
        ),  # MEMORY before PORTS
        (make("x", reserved_ports={80}, enis_in_use=3), "RESOURCE:PORTS"),  # PORTS before ENI
        (
            make("x", enis_in_use=3, attributes={"stack": "dev"}),
            "RESOURCE:ENI",
        ),  # resources before memberOf
        (
            make("x", attributes={"stack": "dev"}, task_groups={"family:web": 1}),
            "MemberOf placement constraint unsatisfied.",
        ),
        (
            make(
                "x",
                attributes={"ecs.capability.task-eni": None},
                task_groups={"family:web": 1},
                remaining_cpu=0,
            ),
            "RESOURCE:CPU",
        ),
    ],
)
def test_the_first_failing_check_in_pipeline_order_wins(instance: Instance, reason: str) -> None:
    """One rule when several checks fail: the earliest in ECS's order (step 1, then step 2)."""
    eni_capable = instance.attributes.get("ecs.capability.task-eni", "absent") is None
    needs = TaskNeeds(
        cpu=512,
        memory=1024,
        port_mappings=WEB_80.port_mappings,
        group="family:web",
        uses_eni=not eni_capable,
    )
    member_of = PlacementConstraint("memberOf", "attribute:stack != dev")
    result = place([instance], needs, PlacementRequest(constraints=(member_of, DISTINCT)))
    assert failures(result) == [("x", reason)]


def test_attribute_beats_capacity() -> None:
    """A missing capability is reported before missing CPU or memory."""
    needs = TaskNeeds(cpu=512, memory=1024, required_attributes={"gpu": None})
    result = place([make("x", remaining_cpu=0)], needs, PlacementRequest())
    assert failures(result) == [("x", "ATTRIBUTE")]


def test_partial_success_reports_the_first_task_that_found_no_room() -> None:
    """Room for three of five: three placements, then one failure entry per rejected instance."""
    cluster = [
        make("a", remaining_cpu=1024),
        make("b", remaining_cpu=512),
        make("c", status="DRAINING"),
    ]
    needs = TaskNeeds(cpu=512, memory=1024, group="family:web")
    result = place(cluster, needs, PlacementRequest(count=5, seed=1))
    assert sorted(p.instance_id for p in result.placements) == ["a", "a", "b"]
    assert result.unplaced == 2
    assert failures(result) == [("a", "RESOURCE:CPU"), ("b", "RESOURCE:CPU")]
    assert result.failures_as_api(lambda i: f"arn:{i}") == [
        {"arn": "arn:a", "reason": "RESOURCE:CPU"},
        {"arn": "arn:b", "reason": "RESOURCE:CPU"},
    ]


def test_counts_per_reason_are_kept_for_every_placement() -> None:
    """Each placement carries how many instances each reason ruled out at that moment."""
    cluster = [make("a"), make("b"), make("busy", remaining_cpu=0)]
    request = PlacementRequest(count=2, constraints=(DISTINCT,), seed=4)
    first, second = place(cluster, TaskNeeds(cpu=1, memory=1, group="g"), request).placements
    assert dict(first.rejected) == {"RESOURCE:CPU": 1}
    assert dict(second.rejected) == {
        "RESOURCE:CPU": 1,
        "DistinctInstance placement constraint unsatisfied.": 1,
    }
    assert (first.candidates, second.candidates) == (2, 1)


def test_distinct_instance_counts_tasks_of_the_same_request() -> None:
    """distinctInstance: each task of the group on its own instance, this request's included."""
    cluster = [
        make("a"),
        make("b"),
        make("c", task_groups={"family:other": 4}),
        make("d", task_groups={"g": 1}),
    ]
    needs = TaskNeeds(cpu=1, memory=1, group="g")
    result = place(cluster, needs, PlacementRequest(count=4, constraints=(DISTINCT,)))
    assert sorted(p.instance_id for p in result.placements) == ["a", "b", "c"]
    assert failures(result) == [
        (i, "DistinctInstance placement constraint unsatisfied.") for i in "abcd"
    ]


def test_dynamic_member_of_is_re_evaluated_after_each_proposal() -> None:
    """A runningTasksCount constraint sees the tasks proposed earlier in the same request."""
    cluster = [make("a"), make("b", task_groups={"x": 1})]
    member_of = PlacementConstraint("memberOf", "runningTasksCount < 2")
    result = place(
        cluster,
        TaskNeeds(cpu=1, memory=1, group="g"),
        PlacementRequest(count=4, constraints=(member_of,)),
    )
    assert sorted(p.instance_id for p in result.placements) == ["a", "a", "b"]


def test_task_group_affinity_follows_the_first_task() -> None:
    """memberOf task:group == own group: after the first task, the others join it (affinity)."""
    cluster = [make("a"), make("b"), make("seed", task_groups={"g": 1})]
    member_of = PlacementConstraint("memberOf", "task:group == g")
    result = place(
        cluster,
        TaskNeeds(cpu=1, memory=1, group="g"),
        PlacementRequest(count=3, constraints=(member_of,)),
    )
    assert [p.instance_id for p in result.placements] == ["seed"] * 3


def test_dynamic_ports_are_unique_per_instance_and_scan_upward() -> None:
    """Dynamic host ports never block placement and are handed out upward from the last one."""
    cluster = [make("a", last_dynamic_port=40000, dynamic_ports_in_use={40001})]
    needs = TaskNeeds(
        cpu=1,
        memory=1,
        port_mappings=(PortMapping("web", 80, 0), PortMapping("web", 8125, 0, "udp")),
    )
    result = place(cluster, needs, PlacementRequest(count=2))
    ports = [
        [(b.container_port, b.host_port, b.protocol, b.dynamic) for b in p.port_bindings]
        for p in result.placements
    ]
    assert ports == [
        [(80, 40002, "tcp", True), (8125, 40003, "udp", True)],
        [(80, 40004, "tcp", True), (8125, 40005, "udp", True)],
    ]


def test_dynamic_ports_continue_across_requests() -> None:
    """After ClusterState.apply, the next request's ports continue after the last handed out."""
    state = ClusterState([make("a")])
    needs = TaskNeeds(cpu=1, memory=1, port_mappings=(PortMapping("web", 80, 0),))
    first = place(state, needs, PlacementRequest(count=2))
    state.apply(first)
    second = place(state, needs, PlacementRequest(count=1))
    assert [p.port_bindings[0].host_port for p in (*first.placements, *second.placements)] == [
        32768,
        32769,
        32770,
    ]


def test_static_bindings_are_reported_as_given() -> None:
    """Static mappings come back with their host port, ready for networkBindings."""
    (placement,) = place([make("a")], WEB_80, PlacementRequest()).placements
    assert [b.as_api() for b in placement.port_bindings] == [
        {"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 80, "protocol": "tcp"}
    ]


def test_a_static_port_is_taken_by_the_first_task_of_a_request() -> None:
    """Two tasks on port 80 cannot share an instance, even within one request."""
    result = place([make("a"), make("b")], WEB_80, PlacementRequest(count=3))
    assert sorted(p.instance_id for p in result.placements) == ["a", "b"]
    assert failures(result) == [("a", "RESOURCE:PORTS"), ("b", "RESOURCE:PORTS")]


def test_awsvpc_tasks_use_up_enis() -> None:
    """Three ENI slots with the primary one used: two awsvpc tasks, then RESOURCE:ENI."""
    needs = TaskNeeds(cpu=1, memory=1, uses_eni=True)
    result = place([make("a", max_enis=3)], needs, PlacementRequest(count=3))
    assert [p.uses_eni for p in result.placements] == [True, True]
    assert failures(result) == [("a", "RESOURCE:ENI")]


def test_same_seed_same_result(balanced_instances: list[Instance]) -> None:
    """Placement is a function of the state, the request and the seed."""
    request = PlacementRequest(count=10, seed=123)
    needs = TaskNeeds(cpu=128, memory=128)
    assert place(balanced_instances, needs, request) == place(balanced_instances, needs, request)


def test_an_injected_rng_drives_the_choices(balanced_instances: list[Instance]) -> None:
    """With an injected random.Random, its state decides and the result records no seed."""
    needs = TaskNeeds(cpu=128, memory=128)
    a = place(balanced_instances, needs, PlacementRequest(count=5), rng=random.Random(7))
    b = place(balanced_instances, needs, PlacementRequest(count=5), rng=random.Random(7))
    assert a.placements == b.placements
    assert a.seed is None


def test_run_task_on_an_empty_cluster_is_an_error(empty_instances: list[Instance]) -> None:
    """RunTask with no instances registered: ECS's InvalidParameterException, not a failure."""
    with pytest.raises(
        NoContainerInstances, match=r"No Container Instances were found in your cluster\."
    ) as caught:
        place(empty_instances, TaskNeeds(), PlacementRequest())
    assert caught.value.aws_code == "InvalidParameterException"


def test_a_service_on_an_empty_cluster_places_nothing(empty_instances: list[Instance]) -> None:
    """A service's placement on no instances simply places nothing."""
    result = place(empty_instances, TaskNeeds(), PlacementRequest(count=2, kind="service"))
    assert (result.placements, result.failures, result.unplaced) == ((), (), 2)


def test_explain_gives_every_instance_a_verdict(full_instances: list[Instance]) -> None:
    """The explanation names each instance's step, reason and shortfalls, and the chosen one."""
    cluster = [*full_instances, make("fits", remaining_memory=2048)]
    verdicts = {
        v.instance_id: v
        for v in explain(
            cluster, WEB_80, PlacementRequest(strategies=(PlacementStrategy("binpack", "memory"),))
        ).verdicts
    }
    assert verdicts["fits"].chosen
    assert (verdicts["fits"].step, verdicts["fits"].reason, verdicts["fits"].keys) == (
        "strategies",
        None,
        (1024,),
    )
    assert verdicts["draining"].reason is Reason.NOT_ACTIVE
    assert verdicts["no-memory"].step == "resources"
    assert [str(s) for s in verdicts["no-memory"].shortfalls] == [
        "MEMORY: requested 1024, remaining 512"
    ]
    assert [str(s) for s in verdicts["port-taken"].shortfalls] == [
        "PORTS: requested [80], remaining taken: [80]"
    ]
    assert not any(v.chosen for k, v in verdicts.items() if k != "fits")


def test_explanations_follow_the_request_task_by_task() -> None:
    """With explain=True each decision is explained, including the first that failed."""
    cluster = [make("a", remaining_cpu=1024)]
    needs = TaskNeeds(cpu=512, memory=1, group="g")
    result = place(cluster, needs, PlacementRequest(count=3, constraints=(DISTINCT,)), explain=True)
    assert [e.instance_id for e in result.explanations] == ["a", None]
    (verdict,) = result.explanations[1].verdicts
    assert verdict.step == "constraints"
    assert verdict.reason is Reason.DISTINCT_INSTANCE
    assert [s.resource for s in verdict.shortfalls] == ["distinctInstance"]


def test_failures_match_what_fit_says(full_instances: list[Instance]) -> None:
    """The fast path's reason for each instance is the first shortfall fit reports."""
    result = place(full_instances, WEB_80, PlacementRequest(), explain=True)
    verdicts = result.explanations[0].verdicts
    assert [
        (v.instance_id, v.shortfalls[0].reason.text)
        for v in verdicts
        if v.reason is not Reason.NOT_ACTIVE
    ] == failures(result)
    assert result.failures[0] == Failure("agent-away", "AGENT")
