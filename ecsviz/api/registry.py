"""Operation name -> handler. Each operation module registers its handlers on import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    """What a handler knows about the request besides its body."""

    region: str
    request_id: str
    operation: str


Handler = Callable[[dict, Context], dict]

OPERATIONS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for the ECS operation `name`."""

    def register(handler: Handler) -> Handler:
        OPERATIONS[name] = handler
        return handler

    return register
