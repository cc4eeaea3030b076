"""Tell every process that a cluster changed: a small note to the cluster's channel-layer group."""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


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
    if layer is None or running_loop():
        # A thread that runs an event loop cannot block on one (a test driving Playwright's sync
        # API does); the feeds' poll picks the change up within POLL_INTERVAL instead.
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(cluster_id), {"type": "cluster.changed", "seq": seq}
        )
    except Exception:
        # Feeds poll the event log as well, so a lost note delays a tick instead of losing it.
        logger.warning("could not announce cluster %s seq %s", cluster_id, seq, exc_info=True)
