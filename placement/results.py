"""What the engine answers: placements, ECS failure entries, counts and explanations.

A ``PlacementResult`` is everything the control plane needs to write tasks back (instance,
host ports, ENI) and everything the dashboard needs to say why (scores, seed, rejections).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from placement.inputs import PlacementRequest, PlacementStrategy, TaskNeeds

__all__ = [
    "Failure",
    "InstanceVerdict",
    "Ledger",
    "Placement",
    "PlacementResult",
    "PortBinding",
    "Reason",
    "Shortfall",
    "StrategyScore",
    "TaskExplanation",
    "decided_result",
]


class Reason(IntEnum):
    """Why an instance cannot take a task, in precedence order: the lowest failing one wins.

    The order is ECS's own: step 1 (the instance, then its resources) before step 2 (the
    constraints). Within step 1, an instance that takes nothing (not ACTIVE, agent away) comes
    before one lacking a capability, which comes before one lacking capacity, in the order of
    ECS's failure table (CPU, MEMORY, PORTS, ENI). Within step 2, memberOf (a property of the
    instance) comes before distinctInstance (a property of the request's history).
    """

    NOT_ACTIVE = 1
    AGENT = 2
    ATTRIBUTE = 3
    CPU = 4
    MEMORY = 5
    PORTS = 6
    ENI = 7
    MEMBER_OF = 8
    DISTINCT_INSTANCE = 9

    @property
    def text(self) -> str:
        """The string ECS puts in ``failures[].reason`` (NOT_ACTIVE is the simulator's own)."""
        return _REASON_TEXT[self]

    @property
    def step(self) -> str:
        """The pipeline step that drops an instance for this reason."""
        return "constraints" if self >= Reason.MEMBER_OF else "resources"


_REASON_TEXT = {
    Reason.NOT_ACTIVE: "NOT_ACTIVE",
    Reason.AGENT: "AGENT",
    Reason.ATTRIBUTE: "ATTRIBUTE",
    Reason.CPU: "RESOURCE:CPU",
    Reason.MEMORY: "RESOURCE:MEMORY",
    Reason.PORTS: "RESOURCE:PORTS",
    Reason.ENI: "RESOURCE:ENI",
    Reason.MEMBER_OF: "MemberOf placement constraint unsatisfied.",
    Reason.DISTINCT_INSTANCE: "DistinctInstance placement constraint unsatisfied.",
}


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One check an instance fails: what was asked for and what the instance had left."""

    reason: Reason
    resource: str
    requested: object
    remaining: object

    def __str__(self) -> str:
        return f"{self.resource}: requested {self.requested}, remaining {self.remaining}"


# The records made once per placed task are named tuples: as immutable as frozen dataclasses,
# and several times cheaper to build, which matters at tens of thousands of placements a second.


class PortBinding(NamedTuple):
    """A host port given to one container port: static from the definition or dynamic."""

    container_name: str
    container_port: int
    host_port: int
    protocol: str
    dynamic: bool = False

    def as_api(self) -> dict:
        """The ``networkBindings`` entry ECS shows for this binding."""
        return {
            "bindIP": "0.0.0.0",
            "containerPort": self.container_port,
            "hostPort": self.host_port,
            "protocol": self.protocol,
        }


class StrategyScore(NamedTuple):
    """One strategy's score for the chosen instance (lower ranks first; None for random)."""

    strategy: str
    score: int | None


class Placement(NamedTuple):
    """One placed task: where, with which host ports, and what chose it.

    ``candidates`` passed steps 1-2, ``tied`` of them ranked equal on every strategy, and the
    seeded pick chose ``instance_id`` among those; ``rejected`` counts the others per reason.
    """

    instance_id: str
    port_bindings: tuple[PortBinding, ...]
    uses_eni: bool
    candidates: int
    tied: int
    scores: tuple[StrategyScore, ...]
    rejected: Mapping[str, int]


class Ledger(NamedTuple):
    """What a result's placements took from the state they were decided on, row by row.

    ``ClusterState.apply`` records a result from it, without finding the rows again or asking
    whether each dynamic port is free, while the state is still at ``revision``.
    """

    revision: object
    tasks: Mapping[int, int]  # tasks placed per row, rows in the order first chosen
    dynamic_ports: Mapping[int, list[int]]  # the dynamic host ports bound per row, in order


class Failure(NamedTuple):
    """An entry of RunTask's ``failures``: a rejected instance and ECS's reason."""

    instance_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class InstanceVerdict:
    """What happened to one instance in one decision, for the explanation view."""

    instance_id: str
    step: str
    reason: Reason | None
    shortfalls: tuple[Shortfall, ...]
    keys: tuple[int | None, ...]
    chosen: bool


@dataclass(frozen=True, slots=True)
class TaskExplanation:
    """Every instance's verdict for one task of the request (placed or not)."""

    task_index: int
    instance_id: str | None
    verdicts: tuple[InstanceVerdict, ...]


@dataclass(frozen=True, slots=True)
class PlacementResult:
    """The outcome of one request; ``failures`` describe the first task that found no room."""

    needs: TaskNeeds
    request: PlacementRequest
    strategies: tuple[PlacementStrategy, ...]
    seed: int | None
    placements: tuple[Placement, ...]
    failures: tuple[Failure, ...]
    rejected: Mapping[str, int]
    explanations: tuple[TaskExplanation, ...] | None = None
    # Set by ``place`` alone, and not an argument: a result made or changed any other way
    # (dataclasses.replace included) has none, and apply then reads its placements.
    ledger: Ledger | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def unplaced(self) -> int:
        """How many of the requested tasks found no instance."""
        return self.request.count - len(self.placements)

    def failures_as_api(self, arn_of: Callable[[str], str] | None = None) -> list[dict]:
        """RunTask's ``failures`` list; ``arn_of(instance_id)`` turns ids into ARNs if given."""
        to_arn = arn_of or str
        return [{"arn": to_arn(f.instance_id), "reason": f.reason} for f in self.failures]


def decided_result(
    needs: TaskNeeds,
    request: PlacementRequest,
    strategies: tuple[PlacementStrategy, ...],
    seed: int | None,
    placements: tuple[Placement, ...],
    failures: tuple[Failure, ...],
    rejected: Mapping[str, int],
    explanations: tuple[TaskExplanation, ...] | None,
    ledger: Ledger,
) -> PlacementResult:
    """The result ``place`` returns: ``PlacementResult(...)`` with its ledger set.

    Written slot by slot through the slots' own setters, which costs well under half of the
    frozen dataclass's ``__init__`` (keyword arguments, then one ``object.__setattr__`` per
    field): ``place`` builds one result per request.
    """
    result = _new_result(PlacementResult)
    _set_needs(result, needs)
    _set_request(result, request)
    _set_strategies(result, strategies)
    _set_seed(result, seed)
    _set_placements(result, placements)
    _set_failures(result, failures)
    _set_rejected(result, rejected)
    _set_explanations(result, explanations)
    _set_ledger(result, ledger)
    return result


_new_result = object.__new__
(
    _set_needs,
    _set_request,
    _set_strategies,
    _set_seed,
    _set_placements,
    _set_failures,
    _set_rejected,
    _set_explanations,
    _set_ledger,
) = (
    vars(PlacementResult)[name].__set__
    for name in (
        "needs",
        "request",
        "strategies",
        "seed",
        "placements",
        "failures",
        "rejected",
        "explanations",
        "ledger",
    )
)
