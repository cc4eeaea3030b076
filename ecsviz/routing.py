"""Websocket URL routes (the live dashboard's consumers)."""

from __future__ import annotations

from django.urls import path

from ecsviz.consumers import ClusterConsumer

websocket_urlpatterns = [
    path("ws/clusters/<str:name>/", ClusterConsumer.as_asgi()),
]
