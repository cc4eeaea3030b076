"""The cluster websocket: hello, ticks after commit, coalescing, gaps and constant-size updates."""

from __future__ import annotations

import asyncio
import re

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from ecsviz.live import feed, notify
from ecsviz.models import Cluster
from ecsviz.routing import websocket_urlpatterns
from ecsviz.services.tasks import task_run
from tests.factories import make_cluster, make_instance, make_task_definition

pytestmark = pytest.mark.django_db(transaction=True)

TICK = re.compile(r"^<!--tick from=(\d+) seq=(\d+)-->")


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """The in-memory channel layer, whatever REDIS_URL says: one process, one event loop per test.

    (The Redis layer across processes is tested in tests/browser/test_multiworker.py.)
    """
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 5000}}
    }


application = URLRouter(websocket_urlpatterns)


@database_sync_to_async
def cluster_with(instances: int, name: str = "live") -> Cluster:
    cluster = make_cluster(name)
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    for i in range(instances):
        make_instance(cluster, zone=zones[i % 3])
    make_task_definition(family="web", cpu=128, memory=128)
    return Cluster.objects.get(pk=cluster.pk)


@database_sync_to_async
def run_web(cluster: Cluster, count: int = 1):
    from ecsviz.models import TaskDefinition

    definition = TaskDefinition.objects.filter(family="web").latest("revision")
    result = task_run(cluster=cluster, task_definition=definition, count=count)
    # Read the instance here, in sync code, so async tests need not touch the ORM.
    return [(task.task_id, task.container_instance.instance_id) for task in result.tasks]


async def connect(name: str = "live", query: str = "") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/clusters/{name}/{query}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_tick(communicator: WebsocketCommunicator) -> tuple[int, int, str]:
    message = await communicator.receive_from(timeout=5)
    match = TICK.match(message)
    assert match, message[:80]
    return int(match.group(1)), int(match.group(2)), message


async def test_an_unknown_cluster_is_refused():
    """Closed with 4404, so the browser stops retrying."""
    communicator = WebsocketCommunicator(application, "/ws/clusters/nope/")
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4404)


async def test_hello_names_the_current_sequence_number():
    """The first message lets a browser compare its page with the feed."""
    cluster = await cluster_with(3)
    communicator = await connect()
    assert await communicator.receive_from(timeout=5) == f"<!--hello seq={cluster.event_seq}-->"
    await communicator.disconnect()


async def test_a_placement_sends_its_card_totals_and_timeline_entry():
    """One tick: the instance card, totals, legend and the new event, each swapped by id."""
    cluster = await cluster_with(3)
    communicator = await connect()
    await communicator.receive_from(timeout=5)
    [(task_id, instance_id)] = await run_web(cluster)
    start, _, message = await next_tick(communicator)
    assert start == cluster.event_seq
    assert f'<article id="instance-{instance_id}"' in message
    assert f"tasks/{task_id}/" in message
    assert 'id="totals"' in message
    assert 'hx-swap-oob="afterbegin:#timeline-list"' in message
    assert f'id="event-{cluster.event_seq + 1}"' in message
    assert message.count("<article") == 1
    await communicator.disconnect()


async def test_bursts_coalesce_into_contiguous_ticks():
    """Twenty writes arrive in fewer ticks, each starting where the last ended, none skipped."""
    cluster = await cluster_with(3)
    communicator = await connect()
    await communicator.receive_from(timeout=5)
    for _ in range(20):
        await run_web(cluster)
    expected = cluster.event_seq + 20
    last, ticks = cluster.event_seq, 0
    while last < expected:
        start, seq, _ = await next_tick(communicator)
        assert start == last
        last, ticks = seq, ticks + 1
    assert ticks < 20
    await communicator.disconnect()


async def test_a_lost_note_is_caught_up_by_the_poll(monkeypatch):
    """With the channel layer silent, the feed still notices the new sequence number."""
    cluster = await cluster_with(3)
    communicator = await connect()
    await communicator.receive_from(timeout=5)
    monkeypatch.setattr(notify, "announce", lambda cluster_id, seq: None)
    await run_web(cluster)
    start, seq, message = await next_tick(communicator)
    # The clock may have moved the task to RUNNING by the time the poll looks: one tick or two.
    assert start == cluster.event_seq
    assert seq >= cluster.event_seq + 1
    assert f'id="event-{cluster.event_seq + 1}"' in message
    await communicator.disconnect()


async def test_bytes_per_update_do_not_grow_with_the_cluster():
    """One placement costs about the same on 6 instances as on 90."""
    sizes = []
    for name, count in (("small", 6), ("large", 90)):
        cluster = await cluster_with(count, name)
        communicator = await connect(name)
        await communicator.receive_from(timeout=5)
        await run_web(cluster)
        sizes.append(len((await next_tick(communicator))[2]))
        await communicator.disconnect()
    assert sizes[1] < sizes[0] * 1.3


async def test_dense_viewers_get_tiles_and_card_viewers_cards():
    """One render per display mode, each to its own viewers."""
    cluster = await cluster_with(3)
    cards, tiles = await connect(), await connect(query="?dense=1")
    await cards.receive_from(timeout=5)
    await tiles.receive_from(timeout=5)
    await run_web(cluster)
    assert "<article" in (await next_tick(cards))[2]
    message = (await next_tick(tiles))[2]
    assert 'class="tile' in message
    assert "<article" not in message
    await cards.disconnect()
    await tiles.disconnect()


async def test_the_clock_runs_tasks_without_any_request(settings):
    """PENDING becomes RUNNING from the feed's own timer."""
    settings.ECSVIZ_TASK_START_DELAY = 0.05
    cluster = await cluster_with(3)
    communicator = await connect()
    await communicator.receive_from(timeout=5)
    await run_web(cluster)
    messages = [(await next_tick(communicator))[2]]
    while "task.running" not in messages[-1]:
        messages.append((await next_tick(communicator))[2])
    assert "reached RUNNING" in messages[-1]
    await communicator.disconnect()


async def test_the_last_viewer_out_stops_the_feed():
    """No viewers, no feed task left running."""
    cluster = await cluster_with(1)
    key = (asyncio.get_running_loop(), cluster.pk)
    communicator = await connect()
    await communicator.receive_from(timeout=5)
    assert key in feed.FEEDS
    await communicator.disconnect()
    assert key not in feed.FEEDS


def test_instances_coming_or_going_redraw_the_grid():
    """Registration changes a zone column: the tick swaps the grid, not a card."""
    from ecsviz.live.ticks import read_tick

    cluster = make_cluster("grow")
    seq = cluster.event_seq
    make_instance(cluster, zone="us-east-1b")
    message = read_tick(cluster.pk, seq, {"cards"}).messages["cards"]
    assert '<div id="grid" class="zones" hx-swap-oob="true">' in message
    assert 'id="zone-us-east-1b"' in message


def test_more_than_forty_changed_cards_become_one_grid_swap():
    """htmx swaps many out-of-band elements slowly (#1803): past 40 cards, one grid swap."""
    from ecsviz.live.ticks import MAX_CARD_SWAPS, read_tick
    from ecsviz.models import TaskDefinition

    cluster = make_cluster("wide")
    for _ in range(MAX_CARD_SWAPS + 5):
        make_instance(cluster, instance_type="t3.micro")
    make_task_definition(family="web", cpu=128, memory=128)
    definition = TaskDefinition.objects.get(family="web")
    seq = Cluster.objects.get(pk=cluster.pk).event_seq
    for _ in range(5):
        # distinctInstance within one group: every task lands on an instance of its own.
        task_run(
            cluster=cluster,
            task_definition=definition,
            count=9,
            placement_constraints=[{"type": "distinctInstance"}],
            group="wide",
        )
    message = read_tick(cluster.pk, seq, {"cards"}).messages["cards"]
    assert '<div id="grid" class="zones" hx-swap-oob="true">' in message
    assert message.count("<article id=") == MAX_CARD_SWAPS + 5
    assert not re.search(r"<article[^>]*hx-swap-oob", message)


def test_unknown_event_kinds_redraw_everything():
    """An event whose payload names nothing it touched cannot be narrowed: full grid."""
    from ecsviz.live.ticks import read_tick

    cluster = make_cluster("odd")
    make_instance(cluster)
    seq = Cluster.objects.get(pk=cluster.pk).event_seq
    Cluster.objects.get(pk=cluster.pk).record_event("service.something", "?", {})
    message = read_tick(cluster.pk, seq, {"dense"}).messages["dense"]
    assert '<div id="grid" class="zones dense"' in message
