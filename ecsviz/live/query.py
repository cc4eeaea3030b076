"""Live memberOf checking: the engine's query language over a cluster's instances."""

from __future__ import annotations

from ecsviz.models import Cluster
from placement.adapters import QueryError, candidate_rows, filter_instances
from placement.constraints import MAX_EXPRESSION_LENGTH


def match_instances(cluster: Cluster, expression: str) -> dict:
    """{matches: [instance ids], total, error, empty}; the error is the engine's caret message."""
    rows = [row for row in candidate_rows(cluster) if row.status in ("ACTIVE", "DRAINING")]
    if not expression.strip():
        return {"matches": [], "total": len(rows), "error": "", "empty": True}
    if len(expression) > MAX_EXPRESSION_LENGTH:
        # RunTask would refuse it before parsing: say so while it is typed, as RunTask will.
        error = f"Constraint expression must be at most {MAX_EXPRESSION_LENGTH} characters."
        return {"matches": [], "total": len(rows), "error": error, "empty": False}
    try:
        matched = filter_instances(rows, expression)
    except QueryError as exc:
        return {"matches": [], "total": len(rows), "error": str(exc), "empty": False}
    ids = [row.instance_id for row in matched]
    return {"matches": ids, "total": len(rows), "error": "", "empty": False}
