"""Hypothesis strategies shared by the test suite: clusters, task needs and placement requests.

Values are kept small (a few instances, a few CPU units) so that Hypothesis finds full
instances, ties and failures quickly, rather than spending its budget on huge clusters.
"""

from __future__ import annotations

from hypothesis import strategies as st

from placement import (
    Instance,
    PlacementConstraint,
    PlacementRequest,
    PlacementStrategy,
    PortMapping,
    TaskNeeds,
)

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
GROUPS = ("family:web", "family:worker", "service:api")
STACKS = ("prod", "dev")
MEMBER_OF = (
    "attribute:stack == prod",
    "attribute:ecs.availability-zone != us-east-1c",
    "runningTasksCount < 3",
    "not(task:group == family:worker)",
)


@st.composite
def instances(draw: st.DrawFn, *, min_size: int = 1, max_size: int = 8) -> list[Instance]:
    """A cluster: unique ids, three zones, small capacities, some tasks already running."""
    count = draw(st.integers(min_size, max_size))
    cluster = []
    for k in range(count):
        cpu = draw(st.sampled_from((512, 1024, 2048)))
        memory = draw(st.sampled_from((1024, 2048, 4096)))
        groups = draw(st.dictionaries(st.sampled_from(GROUPS), st.integers(0, 2), max_size=2))
        attributes = {"ecs.capability.task-eni": None}
        if draw(st.booleans()) or k == 0:
            attributes["stack"] = draw(st.sampled_from(STACKS))
        cluster.append(
            Instance(
                id=f"ci-{k}",
                availability_zone=draw(st.sampled_from(ZONES)),
                registered_cpu=cpu,
                registered_memory=memory,
                remaining_cpu=draw(st.integers(0, cpu)),
                remaining_memory=draw(st.integers(0, memory)),
                status=draw(st.sampled_from(("ACTIVE",) * 5 + ("DRAINING",))),
                agent_connected=draw(st.sampled_from((True,) * 5 + (False,))),
                reserved_ports=frozenset({22, 2375, 2376, 51678, 51679})
                | draw(st.frozensets(st.sampled_from((80, 443)), max_size=1)),
                max_enis=draw(st.integers(1, 3)),
                attributes=attributes,
                task_groups=groups,
            )
        )
    return cluster


@st.composite
def task_needs(draw: st.DrawFn) -> TaskNeeds:
    """One task's needs: small CPU and memory, maybe a static or dynamic port, maybe awsvpc."""
    mappings: tuple[PortMapping, ...] = ()
    kind = draw(st.sampled_from(("none", "static", "dynamic", "awsvpc")))
    if kind == "static":
        mappings = (PortMapping("app", 80, draw(st.sampled_from((80, 8080)))),)
    elif kind == "dynamic":
        mappings = (PortMapping("app", 80, 0), PortMapping("app", 9090, 0, "udp"))
    return TaskNeeds(
        cpu=draw(st.sampled_from((0, 128, 256, 512))),
        memory=draw(st.sampled_from((128, 256, 512, 1024))),
        port_mappings=mappings,
        uses_eni=kind == "awsvpc",
        required_attributes={"ecs.capability.task-eni": None} if kind == "awsvpc" else {},
        group=draw(st.sampled_from(GROUPS)),
    )


STRATEGY_CHAINS = (
    (),
    (PlacementStrategy("random"),),
    (PlacementStrategy("binpack", "memory"),),
    (PlacementStrategy("binpack", "cpu"), PlacementStrategy("spread", "instanceId")),
    (PlacementStrategy("spread", "attribute:ecs.availability-zone"),),
    (
        PlacementStrategy("spread", "attribute:ecs.availability-zone"),
        PlacementStrategy("spread", "instanceId"),
    ),
    (PlacementStrategy("spread", "attribute:stack"), PlacementStrategy("binpack", "memory")),
    (PlacementStrategy("spread", "host"), PlacementStrategy("random")),
)


@st.composite
def placement_requests(
    draw: st.DrawFn, *, chains: tuple = STRATEGY_CHAINS, distinct: bool | None = None
) -> PlacementRequest:
    """A valid RunTask or service request: a known strategy chain, a few constraints, a seed."""
    constraints = []
    if distinct if distinct is not None else draw(st.booleans()):
        constraints.append(PlacementConstraint("distinctInstance"))
    for expression in draw(st.lists(st.sampled_from(MEMBER_OF), max_size=2, unique=True)):
        constraints.append(PlacementConstraint("memberOf", expression))
    return PlacementRequest(
        count=draw(st.integers(1, 10)),
        strategies=draw(st.sampled_from(chains)),
        constraints=tuple(constraints),
        seed=draw(st.integers(0, 2**32)),
        kind=draw(st.sampled_from(("run_task", "service"))),
    )
