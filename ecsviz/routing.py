"""Websocket URL routes (the live dashboard's consumers)."""

from __future__ import annotations

websocket_urlpatterns: list = []
