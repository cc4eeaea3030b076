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


def announce_from_worker(held: notify.HeldNotes, cluster_id: int, seq: int) -> None:
    """`announce` as an API worker thread calls it: with its request's held notes set."""

    def worker() -> None:
        notify.held_notes.set(held)
        notify.announce(cluster_id, seq)

    contextvars.copy_context().run(worker)


def listen(loop: asyncio.AbstractEventLoop, cluster_id: int) -> str:
    layer = get_channel_layer()
    channel = on(loop, layer.new_channel())
    on(loop, layer.group_add(notify.group_name(cluster_id), channel))
    return channel


def receive(loop: asyncio.AbstractEventLoop, channel: str, timeout: float = 5) -> dict:
    return on(loop, asyncio.wait_for(get_channel_layer().receive(channel), timeout))


async def release(held: notify.HeldNotes) -> None:
    """As the ASGI front does, on the loop, once the answer is out."""
    held.release()


def test_notes_wait_for_the_answer_then_go_once_per_cluster(serving_loop):
    """Nothing is sent while the call runs; on release, each cluster hears its latest number."""
    channel = listen(serving_loop, 7)
    held = notify.HeldNotes(serving_loop)
    announce_from_worker(held, 7, 41)
    announce_from_worker(held, 7, 42)
    with pytest.raises(TimeoutError):
        receive(serving_loop, channel, timeout=0.2)
    on(serving_loop, release(held))
    assert receive(serving_loop, channel) == {"type": "cluster.changed", "seq": 42}
    with pytest.raises(TimeoutError):
        receive(serving_loop, channel, timeout=0.2)


def test_a_note_after_the_answer_goes_at_once_without_waiting(serving_loop):
    """A call still committing after its answer went out hands its note to the busy loop."""
    channel = listen(serving_loop, 8)
    held = notify.HeldNotes(serving_loop)
    on(serving_loop, release(held))
    busy, free = threading.Event(), threading.Event()

    def block_the_loop() -> None:
        busy.set()
        free.wait(5)

    serving_loop.call_soon_threadsafe(block_the_loop)
    assert busy.wait(5)
    announce_from_worker(held, 8, 5)  # would hang here if it waited for the loop
    free.set()
    assert receive(serving_loop, channel)["seq"] == 5


def test_a_closed_loop_falls_back_to_sending_in_the_thread():
    """A stopping server's closed loop cannot take a late note: it is sent from the thread."""
    closed = asyncio.new_event_loop()
    held = notify.HeldNotes(closed)
    held.release()  # nothing held: nothing for the loop to send
    closed.close()
    layer = get_channel_layer()
    channel = asyncio.run(layer.new_channel())
    asyncio.run(layer.group_add(notify.group_name(9), channel))
    announce_from_worker(held, 9, 3)
    message = asyncio.run(asyncio.wait_for(layer.receive(channel), 5))
    assert message["seq"] == 3
