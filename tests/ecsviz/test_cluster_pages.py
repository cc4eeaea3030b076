"""The cluster list and cluster page, read without JavaScript."""

from __future__ import annotations

import pytest

from tests.factories import make_cluster

pytestmark = pytest.mark.django_db


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


def test_cluster_page_groups_instances_by_zone(client, balanced_cluster):
    """One section per availability zone, one card per instance."""
    html = client.get("/clusters/balanced/").content.decode()
    for zone in ("us-east-1a", "us-east-1b", "us-east-1c"):
        assert f'aria-label="Availability zone {zone}"' in html
    assert html.count('class="instance empty"') == 6


def test_unknown_cluster_is_404(client):
    """A cluster that does not exist is a plain 404."""
    assert client.get("/clusters/nope/").status_code == 404


def test_cluster_names_are_escaped(client):
    """Names render as text."""
    make_cluster("a-b_c")
    assert "a-b_c" in client.get("/").content.decode()


def test_static_files_are_served_with_debug_off(client, settings):
    """WhiteNoise serves the stylesheet whether DEBUG is on or off."""
    settings.DEBUG = False
    response = client.get("/static/ecsviz/ecsviz.css")
    body = b"".join(response.streaming_content)
    response.close()
    assert response.status_code == 200
    assert b".instance" in body
