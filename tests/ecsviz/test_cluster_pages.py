"""The cluster list and cluster page: plain pages without JavaScript, regions for htmx."""

from __future__ import annotations

import pytest

from ecsviz.models import Cluster
from ecsviz.services.tasks import task_run
from tests.factories import make_cluster, make_instance, make_task_definition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_cluster_list_links_each_cluster(client, balanced_cluster, empty_cluster):
    """Every cluster is a link to its own page, with its instance count."""
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/clusters/balanced/"' in html
    assert 'href="/clusters/empty/"' in html
    assert "<td>6</td>" in html


def test_cluster_list_rejects_put(client):
    """Reading pages are GET only."""
    assert client.put("/").status_code == 405


def test_a_cluster_created_from_the_list_opens_its_page(client):
    """CreateCluster through the control plane: one event, then the new, empty cluster's page."""
    response = client.post("/clusters/", {"name": "lab-1"})
    assert response.status_code == 302
    assert response.url == "/clusters/lab-1/"
    cluster = Cluster.objects.get(name="lab-1")
    assert list(cluster.events.values_list("kind", flat=True)) == ["cluster.created"]
    assert "No container instances registered" in client.get(response.url).content.decode()


def test_a_bad_cluster_name_is_refused_on_the_list(client, balanced_cluster):
    """ECS's naming rule, inline; nothing created."""
    response = client.post("/clusters/", {"name": "lab 1!"})
    assert response.status_code == 400
    assert "Cluster name can have up to 255 characters" in response.content.decode()
    assert not Cluster.objects.filter(name="lab 1!").exists()


def test_cluster_page_groups_instances_by_zone(client, balanced_cluster):
    """One section per availability zone, one card per instance, empty ones marked."""
    html = client.get("/clusters/balanced/").content.decode()
    for zone in ("us-east-1a", "us-east-1b", "us-east-1c"):
        assert f'aria-label="Availability zone {zone}"' in html
    assert html.count('class="instance s-active is-empty"') == 6
    assert html.count("empty · no tasks") == 6


def test_cluster_page_shows_totals_and_price(client, balanced_cluster):
    """Instances, tasks, % reserved and the catalog's $/hour for six m5.large."""
    html = client.get("/clusters/balanced/").content.decode()
    assert "<b>6</b> instances" in html
    assert "<b>0%</b> reserved" in html
    assert "<b>$0.58</b>/hour" in html


def test_cluster_page_draws_a_chip_per_task_with_a_legend(client, balanced_cluster):
    """A running task is a chip on its instance's card, named in the legend and the timeline."""
    definition = make_task_definition(family="web", cpu=512, memory=1024)
    spread = [{"type": "spread", "field": "instanceId"}]
    result = task_run(
        cluster=balanced_cluster, task_definition=definition, count=2, placement_strategy=spread
    )
    html = client.get("/clusters/balanced/").content.decode()
    assert html.count('class="chip c') == 2
    assert f"tasks/{result.tasks[0].task_id}/" in html
    assert 'WEB</span> web <span class="muted">\u00d7 2</span>' in html
    assert "task.placed" in html
    assert 'title="CPU: 512 of 2048 units reserved"' in html


def test_cluster_page_has_the_live_connection(client, balanced_cluster):
    """The page names its websocket, its snapshot URL and its sequence number."""
    html = client.get("/clusters/balanced/").content.decode()
    assert 'ws-connect="/ws/clusters/balanced/"' in html
    balanced_cluster.refresh_from_db()
    assert f'data-seq="{balanced_cluster.event_seq}"' in html
    assert 'id="conn"' in html
    assert 'id="freeze"' in html


def test_htmx_gets_a_snapshot_of_out_of_band_regions(client, balanced_cluster):
    """A resync fetch returns totals, grid, legend, unplaced and timeline, each swapped by id."""
    response = client.get("/clusters/balanced/", **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    for region in ("totals", "grid", "legend", "unplaced", "timeline-list"):
        assert f'id="{region}"' in html
    assert html.count('hx-swap-oob="true"') == 5


def test_dense_mode_draws_tiles(client, balanced_cluster):
    """?dense=1 draws one small tile per instance, with the figures in its title."""
    html = client.get("/clusters/balanced/?dense=1").content.decode()
    assert html.count('class="tile s-active is-empty"') == 6
    assert "CPU 0% · memory 0% · 0 tasks" in html
    assert 'ws-connect="/ws/clusters/balanced/?dense=1"' in html


def test_dense_mode_is_the_default_above_fifty_instances(client):
    """Nomad's threshold: 51 instances are tiles unless cards are asked for."""
    cluster = make_cluster("big")
    for _ in range(51):
        make_instance(cluster, instance_type="t3.micro")
    assert 'class="tile' in client.get("/clusters/big/").content.decode()
    assert 'class="tile' not in client.get("/clusters/big/?dense=0").content.decode()


def test_unknown_cluster_is_404(client):
    """A cluster that does not exist is a plain 404."""
    assert client.get("/clusters/nope/").status_code == 404


def test_a_hostile_image_renders_as_text(client, balanced_cluster):
    """Task definition JSON is escaped wherever it is shown: the task panel lists containers."""
    definition = make_task_definition(family="evil", image="<img src=x onerror=alert(1)>")
    task = task_run(cluster=balanced_cluster, task_definition=definition).tasks[0]
    html = client.get(f"/clusters/balanced/tasks/{task.task_id}/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html


def test_timeline_filters_by_kind(client, balanced_cluster):
    """?kind=cluster keeps cluster events only; htmx gets the list alone."""
    html = client.get("/clusters/balanced/events/?kind=cluster").content.decode()
    assert "cluster.created" in html
    assert "instance.registered" not in html
    fragment = client.get("/clusters/balanced/events/?kind=instance", **HTMX).content.decode()
    assert fragment.startswith('<ol id="timeline-list"')
    assert fragment.count('<span class="kind">instance.registered</span>') == 6


def test_timeline_is_newest_first_with_sequence_numbers(client, balanced_cluster):
    """Entries carry their sequence number, newest at the top."""
    html = client.get("/clusters/balanced/events/").content.decode()
    assert html.index('id="event-7"') < html.index('id="event-1"')
    assert '<span class="seq">#7</span>' in html


def test_static_files_are_served_with_debug_off(client, settings):
    """WhiteNoise serves the stylesheet and the live script whether DEBUG is on or off."""
    settings.DEBUG = False
    for path, needle in (("ecsviz.css", b".instance"), ("live.js", b"wsBeforeMessage")):
        response = client.get(f"/static/ecsviz/{path}")
        body = b"".join(response.streaming_content)
        response.close()
        assert response.status_code == 200
        assert needle in body


def test_compare_shows_two_clusters_side_by_side(client, balanced_cluster, empty_cluster):
    """Each side embeds the cluster page, which allows same-origin framing."""
    html = client.get("/compare/?a=balanced&b=empty").content.decode()
    assert 'src="/clusters/balanced/?embed=1"' in html
    assert 'src="/clusters/empty/?embed=1"' in html
    framed = client.get("/clusters/balanced/?embed=1")
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_cluster_list_offers_a_comparison(client, balanced_cluster, empty_cluster):
    """With two clusters or more, a plain GET form opens them side by side."""
    html = client.get("/").content.decode()
    assert 'action="/compare/"' in html
    assert '<select name="a">' in html
