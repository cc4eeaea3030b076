"""The JSON 1.1 protocol: read the operation, region and body; answer in AWS's shapes.

Success is HTTP 200 with the output shape; every error is `{"__type", "message"}` with HTTP 400
(500 only for `ServerException`), so botocore raises the modeled exception class.
"""

from __future__ import annotations

import json
import logging
import re
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ecsviz import arns, clock
from ecsviz.api import encoding
from ecsviz.api.model import (
    SerializationException,
    UnknownOperationException,
    operation_model,
    target_prefix,
    validate_input,
)
from ecsviz.api.registry import OPERATIONS, OWN_CLOCK, Context
from ecsviz.errors import EcsError, ServerException, UnsupportedFeatureException

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/x-amz-json-1.1"
# SigV4: `Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request`.
CREDENTIAL_SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")


def operation_name(target: str) -> str:
    """`AmazonEC2ContainerServiceV20141113.RunTask` -> `RunTask`."""
    prefix, _, name = target.partition(".")
    if prefix != target_prefix() or not name:
        raise UnknownOperationException(f"Operation {target or '(none)'} is not recognised.")
    return name


def request_region(request: HttpRequest) -> str:
    """The region the client signed for, else the simulator's own."""
    match = CREDENTIAL_SCOPE_RE.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else settings.ECSVIZ_REGION


def parse_body(body: bytes) -> object:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SerializationException("The request body is not valid JSON.") from None


def respond(body: dict, status: int, request_id: str) -> HttpResponse:
    response = HttpResponse(encoding.dumps(body), status=status, content_type=CONTENT_TYPE)
    response["x-amzn-RequestId"] = request_id
    return response


def error_response(error: EcsError, request_id: str) -> HttpResponse:
    return respond({"__type": error.code, "message": error.message}, error.status, request_id)


def unsupported(params: dict, context: Context) -> dict:
    raise UnsupportedFeatureException(
        f"{context.operation} is not supported by ecsviz yet (see docs/api.md)."
    )


def own_clock_cluster(name: str, params: dict) -> str | None:
    """The cluster whose clock the operation moves in its own transaction, if it does."""
    if name not in OWN_CLOCK:
        return None
    return arns.resource_id(params.get("cluster") or "default")


def call(request: HttpRequest, request_id: str) -> dict:
    """Run one API call: identify, parse, validate, advance the clock, dispatch."""
    name = operation_name(request.headers.get("X-Amz-Target", ""))
    operation = operation_model(name)
    params = parse_body(request.body)
    validate_input(operation, params)
    # The simulation clock moves lazily, so waiters work without a background worker.
    clock.advance(except_named=own_clock_cluster(name, params))
    context = Context(region=request_region(request), request_id=request_id, operation=name)
    return OPERATIONS.get(name, unsupported)(params, context)


def handle(request: HttpRequest) -> HttpResponse:
    """Answer one ECS API request; an unexpected failure is a ServerException, never HTML."""
    request_id = str(uuid.uuid4())
    try:
        return respond(call(request, request_id), 200, request_id)
    except EcsError as error:
        return error_response(error, request_id)
    except Exception:
        logger.exception("ECS API request %s failed", request_id)
        return error_response(ServerException("An internal error occurred."), request_id)
