"""ecsviz's ASGI application with RunTask answered from a stored answer: `api_bench --floor`.

The first RunTask is placed for real and its answer kept; every later one goes through the same
HTTP server, ASGI front, protocol, input validation and clock check, then returns that answer
without placing or writing anything. What such a call costs through boto3 is the floor under any
RunTask ecsviz could serve: the cost of everything but RunTask's own work.

    daphne stored_answer:application   (with bench/ on PYTHONPATH)
"""

from __future__ import annotations

from ecsviz.api.registry import OPERATIONS
from ecsviz.asgi import application

__all__ = ["application"]

placed_for_real = OPERATIONS["RunTask"]
stored: dict[str, dict] = {}


def stored_run_task(params: dict, context) -> dict:
    if "answer" not in stored:
        stored["answer"] = placed_for_real(params, context)
    return stored["answer"]


OPERATIONS["RunTask"] = stored_run_task
