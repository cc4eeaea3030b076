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
# Operations whose control-plane call moves its own cluster's simulation clock inside its write.
OWN_CLOCK: set[str] = set()


def operation(name: str, *, own_clock: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler for the ECS operation `name`.

    `own_clock`: the handler's write moves the due tasks of the cluster it names (`cluster`
    parameter) itself, so the call's clock check leaves that cluster out.
    """

    def register(handler: Handler) -> Handler:
        OPERATIONS[name] = handler
        if own_clock:
            OWN_CLOCK.add(name)
        return handler

    return register
