"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecsviz.settings")
# Initialise Django (apps, models) before importing anything that touches the ORM.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from ecsviz.api.asgi import ApiRouter  # noqa: E402
from ecsviz.api.model import service_model  # noqa: E402
from ecsviz.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # ECS API calls skip the dashboard's middleware; every other request is Django's.
        "http": ApiRouter(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything loaded so far lives as long as the server: Django, the apps, botocore's ECS model
# (loaded now rather than by the first API call). Frozen, the collector no longer walks it: a full
# collection over it paused a request for 40-60 ms every minute or so of steady API calls.
service_model()
gc.freeze()
