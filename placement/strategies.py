"""Step 3 of ECS placement: binpack, spread and random, each as a key per instance.

A strategy gives every instance an integer key, lower ranking first, and says how a task
proposed on instance ``i`` changes the keys: binpack lowers ``i``'s remaining resource, spread
raises the count of ``i`` or of ``i``'s attribute value. Keys are computed once per request and
then kept by increments, never recounted. ``ranking.py`` chains them: later strategies break the
ties of earlier ones (AWS: spread by zone, then binpack within the zone). Strategies are best
effort: they only order candidates that steps 1-2 kept, so they never block a placement.

``STRATEGIES`` maps a type name to a factory (the Kubernetes ``fit.go`` habit);
``build_strategies`` validates a request's list with ECS's errors and fills in the defaults.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from placement.errors import InvalidPlacementRequest
from placement.inputs import AZ_ATTRIBUTE, PlacementRequest, PlacementStrategy

if TYPE_CHECKING:
    from placement.context import PlacementContext

__all__ = [
    "DEFAULT_RUN_TASK_STRATEGIES",
    "DEFAULT_SERVICE_STRATEGIES",
    "MAX_STRATEGIES",
    "STRATEGIES",
    "Binpack",
    "Keys",
    "Random",
    "SpreadAttribute",
    "SpreadInstances",
    "Strategy",
    "build_strategies",
    "effective_strategies",
]

MAX_STRATEGIES = 5
# tuple.__new__ builds a named tuple without its class's Python-level __new__ (every field
# given): the same Keys, made a few times per request.
_new = tuple.__new__
ATTRIBUTE_PREFIX = "attribute:"
# RunTask "distributes tasks randomly"; a replica service spreads over zones, then over the
# instances of a zone (the documented default algorithm).
DEFAULT_RUN_TASK_STRATEGIES = (PlacementStrategy("random"),)
DEFAULT_SERVICE_STRATEGIES = (
    PlacementStrategy("spread", f"{ATTRIBUTE_PREFIX}{AZ_ATTRIBUTE}"),
    PlacementStrategy("spread", "instanceId"),
)


class Keys(NamedTuple):
    """One strategy's keys at the start of a request, and how a proposal moves them."""

    # Every instance's key (only read: the ranker keeps its own copy to update).
    values: np.ndarray
    # The bits any key can reach during the request (an upper bound is enough).
    bits: int
    # What a proposal adds to the chosen instance's own key (binpack: minus the units taken).
    step: int = 0
    # For a spread over an attribute: its name and each instance's value code; a proposal adds
    # one to every instance sharing the chosen one's value.
    by_value: tuple[str, np.ndarray] | None = None
    # The score reported for an instance whose key is ``key``: ``(key & score_mask) +
    # score_offset``, plain arithmetic the ranker does for every placement.
    score_mask: int = -1
    score_offset: int = 0


class Strategy:
    """One ranking rule: a key per instance (lower first) that proposals update.

    Strategies hold no per-request state, so a validated chain can be reused across requests.
    """

    label = ""

    def start_keys(self, ctx: PlacementContext, count: int) -> Keys:
        """Every instance's key at the start of a request, and how proposals change it."""
        raise NotImplementedError


class Binpack(Strategy):
    """Least remaining CPU or memory first: fill the instances already in use."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.label = f"binpack({resource})"

    def start_keys(self, ctx: PlacementContext, count: int) -> Keys:
        """Remaining units (0..registered), least first: ECS binpack; Nomad ScoreFitBinPack."""
        state, needs = ctx.state, ctx.needs
        if self.resource == "cpu":
            remaining, need, most = state.remaining_cpu, needs.cpu, state.cpu_ceiling
        else:
            remaining, need, most = state.remaining_memory, needs.memory, state.memory_ceiling
        # Candidates always have room; only non-candidates can be below zero, and the ranker
        # moves those above every key. The state's ceiling bounds every instance's key.
        # The score is the units left after placing the task: 0..registered, lower is better.
        return _new(Keys, (remaining, most.bit_length(), -need, None, -1, -need))


class SpreadInstances(Strategy):
    """Fewest tasks of the group on the instance first (spread on ``instanceId`` / ``host``)."""

    def __init__(self, field: str) -> None:
        self.label = f"spread({field})"

    def start_keys(self, ctx: PlacementContext, count: int) -> Keys:
        """Tasks of the group on each instance (0..group size), fewest first: ECS spread."""
        keys = ctx.group_counts
        most = keys.item(keys.argmax()) if len(keys) else 0
        return _new(Keys, (keys, (most + count).bit_length(), 1, None, -1, 0))


class SpreadAttribute(Strategy):
    """Fewest tasks of the group per value of an attribute first (``attribute:NAME``).

    Instances without the attribute rank after every instance that has it (Nomad treats a
    missing property the same way); among themselves they spread like one more value.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.label = f"spread({ATTRIBUTE_PREFIX}{name})"

    def start_keys(self, ctx: PlacementContext, count: int) -> Keys:
        """Tasks of the group with each instance's value (0..group size, missing above all),
        fewest first: ECS spread over an attribute; Nomad spread.go's per-value counts."""
        keys = self.value_keys(ctx, count)
        codes = keys.by_value[1]  # type: ignore[index]
        return keys._replace(values=np.array(keys.values, np.int64).take(codes))

    def value_keys(self, ctx: PlacementContext, count: int) -> Keys:
        """``start_keys`` with one key per value instead of per instance: ``values`` is a list
        indexed by value code (the missing value last)."""
        state = ctx.state
        codes, values = state.attribute_codes(self.name)
        per_value = list(state.value_counts(self.name, ctx.needs.group))
        # A handful of values: Python's max beats a NumPy call on so short a list.
        bits = (max(per_value) + count).bit_length()
        missing_flag = 1 << bits
        per_value[len(values)] += missing_flag
        # The score is the tasks beside the instance, without the flag.
        keys = (per_value, bits + 1, 0, (self.name, codes), missing_flag - 1, 0)
        return _new(Keys, keys)  # type: ignore[arg-type]


class Random(Strategy):
    """A uniform, seeded pick among the candidates still tied (ECS random; Nomad ShuffleNodes).

    It has no key: the ranker stops the chain here and picks among the ties.
    """

    label = "random"


def _binpack(field: str | None) -> Strategy:
    resource = (field or "").lower()
    if resource not in ("cpu", "memory"):
        raise InvalidPlacementRequest(
            f"Invalid field for binpack placement strategy: '{field}'. Valid values: cpu, memory."
        )
    return Binpack(resource)


def _spread(field: str | None) -> Strategy:
    if field and field.lower() in ("instanceid", "host"):
        return SpreadInstances(field)
    if field and field.startswith(ATTRIBUTE_PREFIX) and field != ATTRIBUTE_PREFIX:
        return SpreadAttribute(field.removeprefix(ATTRIBUTE_PREFIX))
    raise InvalidPlacementRequest(
        f"Invalid field for spread placement strategy: '{field}'. "
        "Valid values: instanceId, host, attribute:NAME."
    )


def _random(field: str | None) -> Strategy:
    if field:
        raise InvalidPlacementRequest("The random placement strategy does not take a field.")
    return Random()


STRATEGIES: dict[str, Callable[[str | None], Strategy]] = {
    "binpack": _binpack,
    "spread": _spread,
    "random": _random,
}


def effective_strategies(request: PlacementRequest) -> tuple[PlacementStrategy, ...]:
    """The request's strategies, or ECS's default for its kind when it gives none."""
    if request.strategies:
        return request.strategies
    if request.kind == "service":
        return DEFAULT_SERVICE_STRATEGIES
    return DEFAULT_RUN_TASK_STRATEGIES


def build_strategies(request: PlacementRequest) -> tuple[Strategy, ...]:
    """Validate the request's strategies with ECS's errors; return step 3's chain."""
    if len(request.strategies) > MAX_STRATEGIES:
        raise InvalidPlacementRequest(
            f"Too many placement strategies: at most {MAX_STRATEGIES} are allowed."
        )
    strategies = effective_strategies(request)
    try:
        return _chain(strategies)
    except TypeError:  # an unhashable field: nothing to cache, validate it all the same
        return _chain.__wrapped__(strategies)


# Strategies hold no per-request state, so a validated chain is shared by every request that
# asks for the same strategies (most requests of a service or a benchmark do).
@functools.lru_cache(maxsize=256)
def _chain(strategies: tuple[PlacementStrategy, ...]) -> tuple[Strategy, ...]:
    chain = []
    for strategy in strategies:
        factory = STRATEGIES.get(strategy.type)
        if factory is None:
            raise InvalidPlacementRequest(
                f"Invalid placement strategy type: '{strategy.type}'. "
                "Valid values: binpack, spread, random."
            )
        chain.append(factory(strategy.field))
    return tuple(chain)
