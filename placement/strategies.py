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

from collections.abc import Callable
from typing import TYPE_CHECKING

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
    "Random",
    "SpreadAttribute",
    "SpreadInstances",
    "Strategy",
    "build_strategies",
    "effective_strategies",
]

MAX_STRATEGIES = 5
ATTRIBUTE_PREFIX = "attribute:"
# RunTask "distributes tasks randomly"; a replica service spreads over zones, then over the
# instances of a zone (the documented default algorithm).
DEFAULT_RUN_TASK_STRATEGIES = (PlacementStrategy("random"),)
DEFAULT_SERVICE_STRATEGIES = (
    PlacementStrategy("spread", f"{ATTRIBUTE_PREFIX}{AZ_ATTRIBUTE}"),
    PlacementStrategy("spread", "instanceId"),
)


class Strategy:
    """One ranking rule: a key per instance (lower first) that proposals update."""

    label = ""
    # Whether a proposal on one instance can change other instances' keys (the ranker's tie
    # bookkeeping is cheaper when only the chosen instance moves).
    moves_others = False
    # The score reported for an instance whose key is ``key``: ``(key & score_mask) +
    # score_offset``, plain arithmetic the ranker does for every placement (set by start_keys).
    score_mask = -1
    score_offset = 0

    def start_keys(self, ctx: PlacementContext, count: int) -> tuple[np.ndarray, int]:
        """Every instance's key at the start of a request, and the bits any key can reach.

        The array is only read; the ranker keeps its own copy to update.
        """
        raise NotImplementedError

    def update(self, keys: np.ndarray, ctx: PlacementContext, i: int, weight: int) -> None:
        """Change ``keys`` (each key scaled by ``weight``) after a proposal on instance ``i``."""
        raise NotImplementedError


class Binpack(Strategy):
    """Least remaining CPU or memory first: fill the instances already in use."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.label = f"binpack({resource})"

    def start_keys(self, ctx: PlacementContext, count: int) -> tuple[np.ndarray, int]:
        """Remaining units (0..registered), least first: ECS binpack; Nomad ScoreFitBinPack."""
        state, needs = ctx.state, ctx.needs
        remaining = state.remaining_cpu if self.resource == "cpu" else state.remaining_memory
        # Units one task takes, read on every proposal: looked up once per request. The score
        # is the units left after placing the task: 0..registered, lower is better.
        self.need = needs.cpu if self.resource == "cpu" else needs.memory
        self.score_offset = -self.need
        # Candidates always have room; only non-candidates can be below zero, and they rank last.
        keys = np.maximum(remaining, 0)
        return keys, int(keys.max(initial=0)).bit_length()

    def update(self, keys: np.ndarray, ctx: PlacementContext, i: int, weight: int) -> None:
        """Instance ``i`` has one task's worth less left."""
        keys[i] -= self.need * weight


class SpreadInstances(Strategy):
    """Fewest tasks of the group on the instance first (spread on ``instanceId`` / ``host``)."""

    def __init__(self, field: str) -> None:
        self.label = f"spread({field})"

    def start_keys(self, ctx: PlacementContext, count: int) -> tuple[np.ndarray, int]:
        """Tasks of the group on each instance (0..group size), fewest first: ECS spread."""
        keys = ctx.group_counts
        return keys, (int(keys.max(initial=0)) + count).bit_length()

    def update(self, keys: np.ndarray, ctx: PlacementContext, i: int, weight: int) -> None:
        """Instance ``i`` runs one more task of the group."""
        keys[i] += weight


class SpreadAttribute(Strategy):
    """Fewest tasks of the group per value of an attribute first (``attribute:NAME``).

    Instances without the attribute rank after every instance that has it (Nomad treats a
    missing property the same way); among themselves they spread like one more value.
    """

    moves_others = True

    def __init__(self, name: str) -> None:
        self.name = name
        self.label = f"spread({ATTRIBUTE_PREFIX}{name})"

    def start_keys(self, ctx: PlacementContext, count: int) -> tuple[np.ndarray, int]:
        """Tasks of the group with each instance's value (0..group size, missing above all),
        fewest first: ECS spread over an attribute; Nomad spread.go's per-value counts."""
        self.codes, values = ctx.state.attribute_codes(self.name)
        self.masks = ctx.state.value_masks(self.name)
        per_value = ctx.state.value_counts(self.name, ctx.needs.group).copy()
        # A handful of values: Python's max beats a NumPy call on so short an array.
        bits = (max(per_value.tolist()) + count).bit_length()
        self.missing_flag = 1 << bits
        self.score_mask = self.missing_flag - 1  # the tasks beside it, without the flag
        per_value[len(values)] += self.missing_flag
        self._increments: dict[int, np.ndarray] = {}
        return per_value[self.codes], bits + 1

    def update(self, keys: np.ndarray, ctx: PlacementContext, i: int, weight: int) -> None:
        """Every instance with ``i``'s value has one more task of the group beside it."""
        # One ranker, one weight: the increments are kept per value for the request.
        value = self.codes.item(i)
        increment = self._increments.get(value)
        if increment is None:
            increment = self._increments[value] = self.masks[value].astype(np.int64) * weight
        keys += increment


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


def build_strategies(request: PlacementRequest) -> list[Strategy]:
    """Validate the request's strategies with ECS's errors; return step 3's chain."""
    if len(request.strategies) > MAX_STRATEGIES:
        raise InvalidPlacementRequest(
            f"Too many placement strategies: at most {MAX_STRATEGIES} are allowed."
        )
    chain = []
    for strategy in effective_strategies(request):
        factory = STRATEGIES.get(strategy.type)
        if factory is None:
            raise InvalidPlacementRequest(
                f"Invalid placement strategy type: '{strategy.type}'. "
                "Valid values: binpack, spread, random."
            )
        chain.append(factory(strategy.field))
    return chain
