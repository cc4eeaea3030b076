"""JSON as the ECS API writes it: epoch-second timestamps, no nulls."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def epoch(value: datetime | None) -> float | None:
    """A datetime as AWS's JSON protocol sends it: seconds since the epoch, fractional."""
    return None if value is None else round(value.timestamp(), 3)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return epoch(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_CONTAINERS = (dict, list)


def prune(value: Any) -> Any:
    """Drop members whose value is None: AWS leaves absent members out instead of sending null."""
    # Only dicts and lists are walked into: an answer holds far more scalars than containers,
    # and a call per scalar was most of the walk.
    if isinstance(value, dict):
        return {
            k: prune(v) if isinstance(v, _CONTAINERS) else v
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [prune(item) if isinstance(item, _CONTAINERS) else item for item in value]
    return value


def dumps(body: dict) -> str:
    return json.dumps(prune(body), default=_default, separators=(",", ":"))
