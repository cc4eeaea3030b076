"""The dashboard's websocket: a read-only stream of ticks for one cluster.

Consumers hold no logic: joining and leaving the cluster's feed (ecsviz.live.feed) and passing its
rendered ticks on. Writes arrive over HTTP, through the same control plane the ECS API uses.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ecsviz.live import feed
from ecsviz.models import Cluster

# Closed with this code when the cluster does not exist, so the browser stops reconnecting.
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def cluster_id_named(name: str) -> int | None:
    return Cluster.objects.filter(name=name).values_list("pk", flat=True).first()


class ClusterConsumer(AsyncWebsocketConsumer):
    mode = "cards"
    cluster_id: int | None = None

    async def connect(self) -> None:
        self.cluster_id = await cluster_id_named(self.scope["url_route"]["kwargs"]["name"])
        if self.cluster_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.mode = "dense" if query.get("dense") == ["1"] else "cards"
        await self.accept()
        seq = await feed.join(self, self.cluster_id)
        # The browser compares this with its page's number and resyncs if it is behind.
        await self.send(text_data=f"<!--hello seq={seq}-->")

    async def disconnect(self, code: int) -> None:
        if self.cluster_id is not None:
            await feed.leave(self, self.cluster_id)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The stream is one-way; anything a browser sends is ignored."""

    async def cluster_tick(self, event: dict) -> None:
        await self.send(text_data=event["html"])
