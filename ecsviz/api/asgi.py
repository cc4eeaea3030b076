"""A short path for ECS API calls at the ASGI level, in front of Django's request handling.

AWS clients POST every call to `/` with an `X-Amz-Target` header. The dashboard's middleware
(sessions, authentication, messages, CSRF, htmx, static files) does nothing for them, and Django's
ASGI handler starts a new thread, and so a new database connection, for every request. Here such
calls go straight to the API handler on a fixed pool of worker threads, each keeping its database
connection between calls as a WSGI worker would. Host validation and the
security headers still apply (the same Django middleware classes, called directly); every other
request goes to Django unchanged.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connections
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from ecsviz.api import views  # noqa: F401  (registers every operation's handler)
from ecsviz.api.protocol import error_response, handle
from ecsviz.errors import ClientException, ServerException
from ecsviz.live import notify

logger = logging.getLogger(__name__)

# Enough for concurrent clients to overlap their network and database waits; writes to one
# cluster serialise on its row lock anyway.
WORKERS = 16
# Seconds a worker keeps its database connection between calls, at least. The workers live as
# long as the server, so unlike Django's per-request threads they can reuse one.
KEEP_CONNECTION = 60


def keep_connections() -> None:
    """Worker initialiser: this thread's connections last KEEP_CONNECTION seconds or longer."""
    for connection in connections.all():
        age = connection.settings_dict["CONN_MAX_AGE"]
        if age is not None and age < KEEP_CONNECTION:
            connection.settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": KEEP_CONNECTION}


def is_api_call(scope: dict) -> bool:
    """A POST to the root carrying X-Amz-Target: the only shape AWS clients send."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/":
        return False
    return any(name == b"x-amz-target" for name, _ in scope["headers"])


def checked_host(request: ASGIRequest) -> HttpResponse:
    """The API's answer, after the host check Django's CommonMiddleware would make."""
    try:
        request.get_host()
    except DisallowedHost:
        error = ClientException(
            "This server does not answer the Host of the request: add it to ALLOWED_HOSTS."
        )
        return error_response(error, str(uuid.uuid4()))
    return handle(request)


# The same headers (and SSL redirect) Django's own stack would give the answer.
answer_with_headers = XFrameOptionsMiddleware(SecurityMiddleware(checked_host))


def answer(scope: dict, body: bytes) -> HttpResponse:
    """One API call on a worker thread, with Django's connection housekeeping around it."""
    close_old_connections()
    try:
        return answer_with_headers(ASGIRequest(scope, io.BytesIO(body)))
    except Exception:
        # `handle` answers every failure of the call itself; this is for the request's framing.
        request_id = str(uuid.uuid4())
        logger.exception("ECS API request %s failed", request_id)
        return error_response(ServerException("An internal error occurred."), request_id)
    finally:
        close_old_connections()


async def read_body(receive) -> bytes | None:
    """The whole request body, or None if the client went away first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class ApiRouter:
    """Send ECS API calls to the short path and everything else to Django."""

    def __init__(self, django_app) -> None:
        self.django_app = django_app
        # Calls run in parallel, as Django's own per-request threads do.
        self.executor = ThreadPoolExecutor(
            max_workers=WORKERS, thread_name_prefix="ecs-api", initializer=keep_connections
        )

    async def answer(self, scope: dict, body: bytes) -> HttpResponse:
        """`answer` on a worker thread, in a copy of this request's context.

        Plain run_in_executor: asgiref's sync_to_async adds bookkeeping for async_to_sync calls
        back into this loop, which an API call never makes (its change notes are held instead),
        at a cost comparable to the call's own statements.
        """
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, context.run, answer, scope, body)

    async def __call__(self, scope, receive, send) -> None:
        if not is_api_call(scope):
            await self.django_app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return
        # The call's change notes go out once its answer has (ecsviz.live.notify.HeldNotes).
        held = notify.HeldNotes(asyncio.get_running_loop())
        notify.held_notes.set(held)
        try:
            response = await self.answer(scope, body)
            await send_response(send, response)
        finally:
            held.release()


async def send_response(send, response: HttpResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.items()]
    if not response.has_header("Content-Length"):
        headers.append((b"content-length", str(len(response.content)).encode()))
    start = {"type": "http.response.start", "status": response.status_code}
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
