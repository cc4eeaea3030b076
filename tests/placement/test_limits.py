"""ECS's request limits, each raised with ECS's exception name and message."""

from __future__ import annotations

import pytest

from placement import (
    InvalidConstraintExpression,
    InvalidPlacementRequest,
    PlacementConstraint,
    PlacementRequest,
    PlacementStrategy,
    TaskNeeds,
    place,
)
from tests.placement.conftest import make

CLUSTER = [make("a")]
MEMBER_OF = PlacementConstraint("memberOf", "attribute:stack == prod")


def refusal(request: PlacementRequest, needs: TaskNeeds | None = None) -> InvalidPlacementRequest:
    """The error ``place`` raises for ``request``."""
    with pytest.raises(InvalidPlacementRequest) as caught:
        place(CLUSTER, needs or TaskNeeds(), request)
    assert caught.value.aws_code == "InvalidParameterException"
    return caught.value


@pytest.mark.parametrize("count", [0, 11, -1])
def test_run_task_count_is_one_to_ten(count: int) -> None:
    """RunTask places between 1 and 10 tasks per call."""
    assert (
        refusal(PlacementRequest(count=count)).message
        == f"count must be between 1 and 10, got {count}."
    )


def test_a_service_may_place_more_than_ten() -> None:
    """The ten-task limit is RunTask's; a service places as many as it is missing."""
    result = place(
        [make(f"i{k}") for k in range(3)], TaskNeeds(), PlacementRequest(count=25, kind="service")
    )
    assert len(result.placements) == 25


def test_at_most_five_strategies() -> None:
    """Six strategy rules are one too many."""
    request = PlacementRequest(strategies=(PlacementStrategy("binpack", "cpu"),) * 6)
    assert refusal(request).message == "Too many placement strategies: at most 5 are allowed."


def test_at_most_ten_constraints_counting_the_task_definition() -> None:
    """Task-definition constraints count toward the ten."""
    needs = TaskNeeds(constraints=(MEMBER_OF,) * 4)
    request = PlacementRequest(constraints=(MEMBER_OF,) * 7)
    assert (
        refusal(request, needs).message == "Too many placement constraints: at most 10 are allowed."
    )
    assert place(CLUSTER, needs, PlacementRequest(constraints=(MEMBER_OF,) * 6)).failures


def test_expressions_are_at_most_2000_characters() -> None:
    """A memberOf expression longer than 2,000 characters is refused before it is parsed."""
    long = PlacementConstraint("memberOf", "attribute:stack == " + "x" * 1982)
    assert len(long.expression) == 2001
    assert refusal(PlacementRequest(constraints=(long,))).message == (
        "Constraint expression must be at most 2000 characters."
    )


@pytest.mark.parametrize("expression", ["", "attribute:stack == prod"])
def test_distinct_instance_takes_no_expression(expression: str) -> None:
    """distinctInstance with any expression, even empty, is ECS's observed error."""
    request = PlacementRequest(constraints=(PlacementConstraint("distinctInstance", expression),))
    assert refusal(request).message == "distinctInstance expression should not be specified."


@pytest.mark.parametrize("expression", [None, ""])
def test_member_of_needs_an_expression(expression: str | None) -> None:
    """memberOf without an expression is refused."""
    request = PlacementRequest(constraints=(PlacementConstraint("memberOf", expression),))
    assert refusal(request).message == "memberOf constraint requires an expression."


def test_unknown_constraint_types_are_refused() -> None:
    """Only distinctInstance and memberOf exist."""
    request = PlacementRequest(constraints=(PlacementConstraint("sameZone"),))
    assert refusal(request).message == "constraint.type 'sameZone' is not supported."


def test_a_bad_expression_carries_the_caret_message() -> None:
    """A query syntax error becomes InvalidParameterException with the query's caret diagram."""
    request = PlacementRequest(constraints=(PlacementConstraint("memberOf", "attribute:stack =="),))
    with pytest.raises(InvalidConstraintExpression) as caught:
        place(CLUSTER, TaskNeeds(), request)
    error = caught.value
    assert error.aws_code == "InvalidParameterException"
    assert error.message.splitlines()[1:] == ["attribute:stack ==", "                  ^"]
    assert error.__cause__ is not None


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (
            PlacementStrategy("pack"),
            "Invalid placement strategy type: 'pack'. Valid values: binpack, spread, random.",
        ),
        (
            PlacementStrategy("binpack"),
            "Invalid field for binpack placement strategy: 'None'. Valid values: cpu, memory.",
        ),
        (
            PlacementStrategy("binpack", "disk"),
            "Invalid field for binpack placement strategy: 'disk'. Valid values: cpu, memory.",
        ),
        (
            PlacementStrategy("spread"),
            "Invalid field for spread placement strategy: 'None'. Valid values: instanceId, host, attribute:NAME.",
        ),
        (
            PlacementStrategy("spread", "zone"),
            "Invalid field for spread placement strategy: 'zone'. Valid values: instanceId, host, attribute:NAME.",
        ),
        (
            PlacementStrategy("spread", "attribute:"),
            "Invalid field for spread placement strategy: 'attribute:'. Valid values: instanceId, host, attribute:NAME.",
        ),
        (
            PlacementStrategy("random", "cpu"),
            "The random placement strategy does not take a field.",
        ),
    ],
)
def test_strategy_types_and_fields_are_checked(strategy: PlacementStrategy, message: str) -> None:
    """Unknown types and fields that do not fit the type are refused."""
    assert refusal(PlacementRequest(strategies=(strategy,))).message == message


@pytest.mark.parametrize("field", ["CPU", "Memory", "host", "InstanceId"])
def test_field_names_ignore_case(field: str) -> None:
    """binpack's cpu/memory and spread's instanceId/host are read case-insensitively."""
    kind = "binpack" if field.lower() in ("cpu", "memory") else "spread"
    assert place(
        CLUSTER, TaskNeeds(), PlacementRequest(strategies=(PlacementStrategy(kind, field),))
    ).placements


def test_requests_accept_the_api_dicts() -> None:
    """Strategies and constraints may be given as the API's JSON objects."""
    request = PlacementRequest(
        strategies=[{"type": "binpack", "field": "memory"}],
        constraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"}
        ],
    )
    assert request.strategies == (PlacementStrategy("binpack", "memory"),)
    assert place(CLUSTER, TaskNeeds(), request).placements[0].instance_id == "a"
