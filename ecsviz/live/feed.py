"""One feed per cluster per process: hears change notes, ticks, and fans the bytes out locally.

Rendering once per process and tick, then handing the same string to every local consumer, keeps
the cost of a change independent of how many browsers watch it. The feed lives while at least one
consumer in this process watches its cluster, and it also drives the simulation clock for that
cluster, so tasks turn RUNNING in every browser without anyone making a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Protocol

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import close_old_connections, connection, connections

from ecsviz import clock
from ecsviz.live.notify import group_name
from ecsviz.live.ticks import read_tick
from ecsviz.models import Cluster

logger = logging.getLogger(__name__)

# At most 20 ticks a second: a burst of placements becomes a few frames, not hundreds, and a change
# waits at most this long plus one render. An 80 ms pause (nearer the "about 10 a second")
# measured p99 160 ms at 100 clients under 20 placements/s; 50 ms on the leading edge measured
# 77 ms, within the 100 ms target, for about 2 ms of browser work per tick (docs/performance.md).
TICK_INTERVAL = 0.05
# Notes can be lost (a Redis hiccup); the feed looks at the sequence number this often anyway.
POLL_INTERVAL = 0.5
CLOCK_INTERVAL = 0.5


class Subscriber(Protocol):
    mode: str

    async def cluster_tick(self, event: dict) -> None: ...


def off_the_request_thread(function):
    """Run ORM work in the general pool, not the one thread Django's sync views share.

    Under ASGI every sync view and `database_sync_to_async` call queues for a single thread;
    a feed waiting behind a burst of RunTask requests would add their time to every tick.
    """

    def run(*args: object) -> object:
        close_old_connections()
        try:
            return function(*args)
        finally:
            connections.close_all()

    # An in-memory SQLite database (the test suite's) answers "table is locked" at once to a
    # second thread instead of waiting: there, share the one thread like everything else.
    shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
    return sync_to_async(run, thread_sensitive=shared)


def current_seq(cluster_id: int) -> int:
    return Cluster.objects.values_list("event_seq", flat=True).get(pk=cluster_id)


def advance_clock(cluster_id: int) -> None:
    """Move this cluster's due tasks along their lifecycle (PENDING -> RUNNING, STOPPING -> ...)."""
    clock.advance(cluster=Cluster.objects.get(pk=cluster_id))


class ClusterFeed:
    def __init__(self, cluster_id: int, seq: int) -> None:
        self.cluster_id = cluster_id
        self.seq = seq
        self.subscribers: dict[Subscriber, str] = {}
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group_name(self.cluster_id), channel)
        listener = asyncio.create_task(self.listen(layer, channel))
        clock = asyncio.create_task(self.run_clock())
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), POLL_INTERVAL)
                self.wake.clear()
                started = time.monotonic()
                await self.step()
                # Leading edge: a change after a quiet spell goes out at once; changes arriving
                # during a tick, or just after one, wait for the next, TICK_INTERVAL after its start.
                await asyncio.sleep(max(0.0, started + TICK_INTERVAL - time.monotonic()))
        finally:
            listener.cancel()
            clock.cancel()
            await layer.group_discard(group_name(self.cluster_id), channel)

    async def listen(self, layer, channel: str) -> None:
        while True:
            message = await layer.receive(channel)
            if message.get("seq", 0) > self.seq:
                self.wake.set()

    async def run_clock(self) -> None:
        """Move due tasks along on a timer of its own: a tick never waits for the clock's write."""
        while True:
            await asyncio.sleep(CLOCK_INTERVAL)
            try:
                await off_the_request_thread(advance_clock)(self.cluster_id)
            except Exception:
                logger.exception("clock for cluster %s failed", self.cluster_id)

    async def step(self) -> None:
        """Send whatever happened since the last tick."""
        try:
            modes = set(self.subscribers.values())
            tick = await off_the_request_thread(read_tick)(self.cluster_id, self.seq, modes)
        except Exception:
            logger.exception("feed for cluster %s failed to tick", self.cluster_id)
            return
        if tick is None:
            return
        self.seq = tick.seq
        for subscriber, mode in list(self.subscribers.items()):
            message = tick.messages.get(mode)
            if message is not None:
                await subscriber.cluster_tick({"type": "cluster.tick", "html": message})


FEEDS: dict[tuple[asyncio.AbstractEventLoop, int], ClusterFeed] = {}


async def join(subscriber: Subscriber, cluster_id: int) -> int:
    """Watch a cluster; returns the sequence number the first tick will start from."""
    key = (asyncio.get_running_loop(), cluster_id)
    feed = FEEDS.get(key)
    if feed is None:
        seq = await off_the_request_thread(current_seq)(cluster_id)
        feed = FEEDS.setdefault(key, ClusterFeed(cluster_id, seq))
    feed.subscribers[subscriber] = subscriber.mode
    if feed.task is None:
        feed.task = asyncio.create_task(feed.run())
    return feed.seq


async def leave(subscriber: Subscriber, cluster_id: int) -> None:
    """Stop watching; the last one out stops the feed."""
    key = (asyncio.get_running_loop(), cluster_id)
    feed = FEEDS.get(key)
    if feed is None:
        return
    feed.subscribers.pop(subscriber, None)
    if not feed.subscribers:
        del FEEDS[key]
        if feed.task is not None:
            feed.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed.task
