"""ECS's four placement steps wired together, and the explanation of each decision.

    instances ─► 1 resources ─► 2 constraints ─► 3 strategies ─► 4 select ─► placement
                 └─ a candidate mask and a count per ─┘  keys packed      seeded pick
                    reason, once per request; then only  into one int64,  among the
                    the instance a task was proposed on  lexicographic    tied instances
                    is checked again

``place`` is pure: it reads a ``ClusterState`` (or a list of instances) and returns a
``PlacementResult``; the caller writes the placements back (``ClusterState.apply`` for the
vectorised state, its own rows for a database). Same state, needs, request and seed give the
same result.
"""

from __future__ import annotations

import _random
import dataclasses
import random
from collections.abc import Sequence

from placement.constraints import build_constraint_checks
from placement.context import PlacementContext
from placement.errors import InvalidPlacementRequest, NoContainerInstances
from placement.inputs import Instance, PlacementRequest, TaskNeeds
from placement.ranking import Draws, Ranker
from placement.resources import Check, fit, resource_checks
from placement.results import (
    InstanceVerdict,
    Placement,
    PlacementResult,
    Reason,
    TaskExplanation,
    decided_result,
)
from placement.state import ClusterState
from placement.strategies import Strategy, build_strategies, effective_strategies

__all__ = ["MAX_RUN_TASK_COUNT", "explain", "place"]

MAX_RUN_TASK_COUNT = 10


def place(
    cluster: ClusterState | Sequence[Instance],
    needs: TaskNeeds,
    request: PlacementRequest,
    *,
    rng: random.Random | None = None,
    explain: bool = False,
) -> PlacementResult:
    """Place ``request.count`` tasks of ``needs`` on the cluster, as ECS would.

    Raises a ``PlacementError`` for requests ECS rejects outright. Unplaceable tasks are not
    errors: the result lists ECS's failure entries for the first task that found no room.
    ``rng`` replaces the ``random.Random(request.seed)`` otherwise used for every random
    choice. ``explain=True`` adds every instance's verdict for every decision (slow path).
    """
    checks, strategies = _plan(needs, request)
    state = cluster if isinstance(cluster, ClusterState) else ClusterState(cluster)
    if not len(state) and request.kind == "run_task":
        raise NoContainerInstances()
    seed = request.seed if rng is None else None
    draws = _SeededDraws(request.seed) if rng is None else rng
    # Steps 1 and 2 run here, vectorised, once per request; after each proposal only the
    # instance it landed on is checked again.
    ctx = PlacementContext(state, needs, checks)
    # Step 3's keys are built once per request too, then kept by increments.
    ranker = Ranker(ctx, strategies, request.count)
    placements, explanations, rejected = _decide(ctx, checks, ranker, request.count, draws, explain)
    complete = len(placements) == request.count
    # decided_result is PlacementResult(...) with the ledger set (not an init argument).
    return decided_result(
        needs,
        request,
        effective_strategies(request),
        seed,
        tuple(placements),
        () if complete else ctx.failures(),
        rejected if complete else ctx.rejected(),
        None if explanations is None else tuple(explanations),
        ctx.ledger(),
    )


def _decide(
    ctx: PlacementContext,
    checks: Sequence[Check],
    ranker: Ranker,
    count: int,
    draws: Draws,
    explain: bool,
) -> tuple[list[Placement], list[TaskExplanation] | None, dict[str, int]]:
    if not explain:
        placements, rejected = ranker.decide(ctx, count, draws, None)
        return placements, None, rejected
    # The same decisions, with every instance's verdict before each one.
    explanations: list[TaskExplanation] = []

    def explain_choice(index: int, chosen: int | None) -> None:
        explanations.append(_explain(ctx, checks, ranker, index, chosen))

    placements, rejected = ranker.decide(ctx, count, draws, explain_choice)
    return placements, explanations, rejected


def explain(
    cluster: ClusterState | Sequence[Instance],
    needs: TaskNeeds,
    request: PlacementRequest,
    *,
    rng: random.Random | None = None,
) -> TaskExplanation:
    """Every instance's verdict for the request's first task: dropped at which step, and why."""
    first = dataclasses.replace(request, count=1)
    result = place(cluster, needs, first, rng=rng, explain=True)
    assert result.explanations is not None
    return result.explanations[0]


def _plan(needs: TaskNeeds, request: PlacementRequest) -> tuple[list[Check], list[Strategy]]:
    # ECS validates the whole request before it looks at a single instance.
    if request.kind == "run_task" and not 1 <= request.count <= MAX_RUN_TASK_COUNT:
        raise InvalidPlacementRequest(
            f"count must be between 1 and {MAX_RUN_TASK_COUNT}, got {request.count}."
        )
    if request.count < 0:
        raise InvalidPlacementRequest(f"count must not be negative, got {request.count}.")
    strategies = build_strategies(request)
    checks = resource_checks(needs) + build_constraint_checks(needs, request)
    return checks, strategies


def _explain(
    ctx: PlacementContext, checks: Sequence[Check], ranker: Ranker, index: int, chosen: int | None
) -> TaskExplanation:
    constraint_checks = [check for check in checks if hasattr(check, "shortfall")]
    reasons = ctx.reasons()
    verdicts = []
    for i, instance_id in enumerate(ctx.state.ids):
        shortfalls = list(fit(ctx.instance_now(i), ctx.needs))
        shortfalls += [s for c in constraint_checks if (s := c.shortfall(ctx, i)) is not None]  # type: ignore[attr-defined]
        code = int(reasons[i])
        reason = Reason(code) if code else None
        keys = () if reason else ranker.keys(i)
        step = reason.step if reason else "strategies"
        verdicts.append(
            InstanceVerdict(instance_id, step, reason, tuple(shortfalls), keys, i == chosen)
        )
    chosen_id = None if chosen is None else ctx.state.ids[chosen]
    return TaskExplanation(index, chosen_id, tuple(verdicts))


class _SeededDraws:
    """``random.Random(seed)``, made on the first draw: many decisions need no draw at all."""

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def randrange(self, stop: int) -> int:
        """``random.Random(seed).randrange(stop)``, the generator made on the first call."""
        # For an int seed, random.Random's C base seeded by its own constructor: the same
        # Mersenne Twister state as random.Random(seed), without two Python-level wrappers.
        seed = self._seed
        seeded = _random.Random(seed) if type(seed) is int else random.Random(seed)
        getrandbits = seeded.getrandbits

        def randrange(stop: int) -> int:
            # Random.randrange(stop) for a positive int is Random._randbelow(stop): draw as
            # many bits as stop has until the value falls below it. Written out, it skips two
            # Python-level calls per draw; a test keeps it equal to Random.randrange.
            bits = stop.bit_length()
            drawn = getrandbits(bits)
            while drawn >= stop:
                drawn = getrandbits(bits)
            return drawn

        # Later draws go straight to it: this instance attribute hides the method.
        self.randrange = randrange  # type: ignore[method-assign]
        return randrange(stop)
