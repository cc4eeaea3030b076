"""Step 2 of ECS placement: the binding rules, distinctInstance and memberOf.

Constraints come from the task definition (memberOf only) and from the request (RunTask,
CreateService, UpdateService); all must hold, and together they may number at most ten.
``build_constraint_checks`` validates them with ECS's errors and turns each into a ``Check``
looked up by type in ``CONSTRAINTS`` (a name -> factory registry, like the strategies').
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from placement.errors import InvalidConstraintExpression, InvalidPlacementRequest
from placement.inputs import PlacementConstraint, PlacementRequest, TaskNeeds
from placement.query import Query, QueryError, compile_query
from placement.resources import Check
from placement.results import Reason, Shortfall

if TYPE_CHECKING:
    from placement.context import PlacementContext

__all__ = [
    "CONSTRAINTS",
    "MAX_CONSTRAINTS",
    "MAX_EXPRESSION_LENGTH",
    "DistinctInstanceCheck",
    "MemberOfCheck",
    "build_constraint_checks",
]

MAX_CONSTRAINTS = 10
MAX_EXPRESSION_LENGTH = 2000


class MemberOfCheck(Check):
    """Keeps instances the expression selects; re-evaluated per proposal only if it can change."""

    reason = Reason.MEMBER_OF

    def __init__(self, query: Query) -> None:
        self.query = query
        # runningTasksCount and task:group move as this request proposes tasks.
        self.dynamic = query.is_dynamic

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        return ctx.state.query_mask(self.query)

    def fails_at(self, ctx: PlacementContext, i: int) -> bool:
        return not self.query(ctx.subject(i))

    def shortfall(self, ctx: PlacementContext, i: int) -> Shortfall | None:
        """Why instance ``i`` fails this constraint now, or None."""
        if self.query(ctx.subject(i)):
            return None
        return Shortfall(self.reason, "memberOf", self.query.expression, "false")


class DistinctInstanceCheck(Check):
    """Keeps instances running no task of the same group, this request's proposals included."""

    reason, dynamic = Reason.DISTINCT_INSTANCE, True

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        return ctx.group_counts <= 0

    def fails_at(self, ctx: PlacementContext, i: int) -> bool:
        return True  # a task of the group was just proposed on i

    def shortfall(self, ctx: PlacementContext, i: int) -> Shortfall | None:
        """Why instance ``i`` fails this constraint now, or None."""
        count = ctx.left(ctx.group_counts, i, -1)
        if not count:
            return None
        return Shortfall(self.reason, "distinctInstance", ctx.needs.group, f"{count} running")


def _member_of(constraint: PlacementConstraint) -> Check:
    expression = constraint.expression
    if not expression:
        raise InvalidPlacementRequest("memberOf constraint requires an expression.")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise InvalidPlacementRequest(
            f"Constraint expression must be at most {MAX_EXPRESSION_LENGTH} characters."
        )
    try:
        return MemberOfCheck(compile_query(expression))
    except QueryError as exc:
        raise InvalidConstraintExpression(str(exc)) from exc


def _distinct_instance(constraint: PlacementConstraint) -> Check:
    # ECS refuses even an empty string here.
    if constraint.expression is not None:
        raise InvalidPlacementRequest("distinctInstance expression should not be specified.")
    return DistinctInstanceCheck()


CONSTRAINTS: dict[str, Callable[[PlacementConstraint], Check]] = {
    "memberOf": _member_of,
    "distinctInstance": _distinct_instance,
}


def build_constraint_checks(needs: TaskNeeds, request: PlacementRequest) -> list[Check]:
    """Validate every constraint of the task definition and request; return step 2's checks.

    memberOf checks come first (precedence), and repeated distinctInstance collapse into one.
    """
    constraints = (*needs.constraints, *request.constraints)
    if len(constraints) > MAX_CONSTRAINTS:
        raise InvalidPlacementRequest(
            f"Too many placement constraints: at most {MAX_CONSTRAINTS} are allowed."
        )
    if not constraints:
        return []
    try:
        return list(_checks_for(constraints))
    except TypeError:  # an unhashable expression: nothing to cache, validate it all the same
        return list(_checks_for.__wrapped__(constraints))


# Checks hold no state (a compiled query is immutable), so requests with the same constraints
# share them.
@functools.lru_cache(maxsize=256)
def _checks_for(constraints: tuple[PlacementConstraint, ...]) -> tuple[Check, ...]:
    checks: list[Check] = []
    for constraint in constraints:
        factory = CONSTRAINTS.get(constraint.type)
        if factory is None:
            raise InvalidPlacementRequest(f"constraint.type '{constraint.type}' is not supported.")
        checks.append(factory(constraint))
    member_of = [check for check in checks if isinstance(check, MemberOfCheck)]
    distinct = [check for check in checks if isinstance(check, DistinctInstanceCheck)][:1]
    return (*member_of, *distinct)
