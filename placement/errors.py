"""Errors the placement engine raises before it places anything.

Each carries the name of the exception ECS itself answers with (``aws_code``) and an
AWS-style message, so the API layer can turn it into a JSON error without translating::

    PlacementError                        aws_code varies; .message is the client's text
    ├── InvalidPlacementRequest           "InvalidParameterException": RunTask/service limits
    │   ├── InvalidConstraintExpression   a memberOf expression that does not parse
    │   └── NoContainerInstances          RunTask on a cluster with no instances
    └── InvalidTaskDefinition             "ClientException": a task definition the engine cannot read

An instance that cannot take a task is never an error: it is a failure reason in the result.
"""

from __future__ import annotations

__all__ = [
    "InvalidConstraintExpression",
    "InvalidPlacementRequest",
    "InvalidTaskDefinition",
    "NoContainerInstances",
    "PlacementError",
]


class PlacementError(Exception):
    """Base of every error the engine raises; ``aws_code`` names ECS's exception."""

    aws_code = "ClientException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidPlacementRequest(PlacementError):
    """A request ECS rejects outright: too many tasks, strategies or constraints, bad fields."""

    aws_code = "InvalidParameterException"


class InvalidConstraintExpression(InvalidPlacementRequest):
    """A memberOf expression that is not valid cluster query language (message has a caret)."""


class NoContainerInstances(InvalidPlacementRequest):
    """RunTask on a cluster without registered instances: an error in ECS, not a failure entry."""

    def __init__(self, message: str = "No Container Instances were found in your cluster.") -> None:
        super().__init__(message)


class InvalidTaskDefinition(PlacementError):
    """A task definition whose resources or constraints cannot be read."""

    aws_code = "ClientException"
