"""Tell every process that a cluster changed: a small note to the cluster's channel-layer group."""

from __future__ import annotations

import asyncio
import contextvars
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# The event loop serving the current request, set by the ECS API's ASGI front and inherited by
# the worker thread that runs the call: there a note is handed to the loop instead of waited for.
serving_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "serving_loop", default=None
)
# Notes being sent: the loop keeps only weak references to its tasks.
_sending: set[asyncio.Task] = set()


def running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def group_name(cluster_id: int) -> str:
    """The channel-layer group every process's feed for this cluster listens on."""
    return f"cluster-{cluster_id}"


def announce(cluster_id: int, seq: int) -> None:
    """Send the note; never let a broken channel layer undo or fail a committed write."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = serving_loop.get()
    if loop is not None:
        try:
            # The write is committed: its thread answers the client while the loop sends.
            loop.call_soon_threadsafe(start_sending, layer, cluster_id, seq)
            return
        except RuntimeError:  # the loop has closed (the server is stopping): send it here
            pass
    if running_loop():
        # A thread that runs an event loop cannot block on one (a test driving Playwright's sync
        # API does); the feeds' poll picks the change up within POLL_INTERVAL instead.
        return
    try:
        async_to_sync(layer.group_send)(group_name(cluster_id), note(seq))
    except Exception:
        # Feeds poll the event log as well, so a lost note delays a tick instead of losing it.
        logger.warning("could not announce cluster %s seq %s", cluster_id, seq, exc_info=True)


def note(seq: int) -> dict:
    return {"type": "cluster.changed", "seq": seq}


def start_sending(layer, cluster_id: int, seq: int) -> None:
    """On the serving loop: send the note as a task of its own, kept until it is done."""
    task = asyncio.ensure_future(send(layer, cluster_id, seq))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def send(layer, cluster_id: int, seq: int) -> None:
    try:
        await layer.group_send(group_name(cluster_id), note(seq))
    except Exception:
        logger.warning("could not announce cluster %s seq %s", cluster_id, seq, exc_info=True)
