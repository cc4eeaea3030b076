"""Change notes from an API worker thread: handed to the serving loop, sent without waiting."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest
from channels.layers import get_channel_layer

from ecsviz.live import notify


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 100}}
    }


@pytest.fixture
def serving_loop():
    """An event loop running in a thread of its own, as daphne's runs beside the API workers."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


def on(loop: asyncio.AbstractEventLoop, coroutine, timeout: float = 5):
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)


def announce_from_worker(loop: asyncio.AbstractEventLoop, cluster_id: int, seq: int) -> None:
    """`announce` as an API worker thread calls it: with the request's serving loop set."""

    def worker() -> None:
        notify.serving_loop.set(loop)
        notify.announce(cluster_id, seq)

    contextvars.copy_context().run(worker)


def test_a_worker_hands_its_note_to_the_serving_loop_without_waiting(serving_loop):
    """announce returns while the loop is still busy; the note arrives once the loop is free."""
    layer = get_channel_layer()
    channel = on(serving_loop, layer.new_channel())
    on(serving_loop, layer.group_add(notify.group_name(7), channel))
    busy, release = threading.Event(), threading.Event()

    def block_the_loop() -> None:
        busy.set()
        release.wait(5)

    serving_loop.call_soon_threadsafe(block_the_loop)
    assert busy.wait(5)
    announce_from_worker(serving_loop, 7, 42)  # would hang here if it waited for the loop
    release.set()
    message = on(serving_loop, asyncio.wait_for(layer.receive(channel), 5))
    assert message == {"type": "cluster.changed", "seq": 42}


def test_a_closed_serving_loop_falls_back_to_sending_in_the_thread():
    """A stopping server's closed loop cannot take the note: it is sent from the thread."""
    closed = asyncio.new_event_loop()
    closed.close()
    layer = get_channel_layer()
    channel = asyncio.run(layer.new_channel())
    asyncio.run(layer.group_add(notify.group_name(8), channel))
    announce_from_worker(closed, 8, 3)
    message = asyncio.run(asyncio.wait_for(layer.receive(channel), 5))
    assert message["seq"] == 3
