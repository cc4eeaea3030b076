"""Tell every process that a cluster changed: a small note to the cluster's channel-layer group."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


class HeldNotes:
    """The notes of one ECS API request, sent by its event loop once the answer is out.

    The call's worker thread neither waits for the loop nor wakes it in the middle of the call
    (waking it costs the thread the GIL while the loop runs). A note that comes after the answer
    went out (a call still committing when its client left) is handed to the loop at once.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.notes: list[tuple[int, int]] = []
        self.released = False
        self.lock = threading.Lock()

    def add(self, cluster_id: int, seq: int) -> None:
        with self.lock:
            if not self.released:
                self.notes.append((cluster_id, seq))
                return
        self.loop.call_soon_threadsafe(send_soon, [(cluster_id, seq)])

    def release(self) -> None:
        """On the loop: send what was held, and from now on every note as it comes."""
        with self.lock:
            self.released = True
            notes, self.notes = self.notes, []
        send_soon(notes)


# Set by the ECS API's ASGI front for each request; its worker thread inherits it.
held_notes: contextvars.ContextVar[HeldNotes | None] = contextvars.ContextVar(
    "held_notes", default=None
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


def note(seq: int) -> dict:
    return {"type": "cluster.changed", "seq": seq}


def announce(cluster_id: int, seq: int) -> None:
    """Send the note; never let a broken channel layer undo or fail a committed write."""
    layer = get_channel_layer()
    if layer is None:
        return
    held = held_notes.get()
    if held is not None:
        try:
            held.add(cluster_id, seq)
            return
        except RuntimeError:  # its loop has closed (the server is stopping): send it here
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


def send_soon(notes: list[tuple[int, int]]) -> None:
    """On the event loop: send the notes in a task of their own, kept until it is done."""
    layer = get_channel_layer()
    if not notes or layer is None:
        return
    task = asyncio.ensure_future(send(layer, notes))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def send(layer, notes: list[tuple[int, int]]) -> None:
    # A feed reads every event after the last sequence number it saw, so for each cluster the
    # highest number is the whole news (a RunTask's clock move and placement are two events).
    latest: dict[int, int] = {}
    for cluster_id, seq in notes:
        latest[cluster_id] = max(seq, latest.get(cluster_id, 0))
    for cluster_id, seq in latest.items():
        try:
            await layer.group_send(group_name(cluster_id), note(seq))
        except Exception:
            logger.warning("could not announce cluster %s seq %s", cluster_id, seq, exc_info=True)
