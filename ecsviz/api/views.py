"""The HTTP edge of the ECS API: the server root answers AWS clients and browsers alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from ecsviz.api import attributes, clusters, instances, taskdefs, tasks  # noqa: F401  (registers)
from ecsviz.api.protocol import error_response, handle
from ecsviz.errors import ClientException


@csrf_exempt
def ecs_api(request: HttpRequest) -> HttpResponse:
    """One ECS API call (AWS clients sign requests; they carry no CSRF token)."""
    return handle(request)


def api_or_page(page: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `POST /` as the ECS API and every other method with the page view.

    AWS clients always POST to the endpoint's root, where browsers GET the cluster list.
    """

    @csrf_exempt
    def root(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST":
            return handle(request)
        return page(request, *args, **kwargs)

    root.__name__ = getattr(page, "__name__", "root")
    root.__doc__ = page.__doc__
    return root


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (e.g. a Host not in ALLOWED_HOSTS), as JSON when an AWS client asked."""
    if request.method == "POST" and "HTTP_X_AMZ_TARGET" in request.META:
        error = ClientException(
            "This server does not answer the Host of the request: add it to ALLOWED_HOSTS."
        )
        return error_response(error, str(uuid.uuid4()))
    return defaults.bad_request(request, exception)
