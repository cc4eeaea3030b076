"""Live memberOf checking: matching instances light up, syntax errors show their caret."""

from __future__ import annotations

import pytest

from tests.factories import make_instance

pytestmark = pytest.mark.django_db


def test_matching_instances_are_highlighted_by_id(client, balanced_cluster):
    """Two of six instances are in us-east-1b; the style names exactly those cards."""
    url = "/clusters/balanced/query/?member_of=attribute:ecs.availability-zone==us-east-1b"
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<b>2</b> of 6 instances match" in html
    ids = balanced_cluster.container_instances.filter(availability_zone="us-east-1b")
    for instance in ids:
        assert f"#instance-{instance.instance_id}" in html
    assert "✓ memberOf" in html


def test_a_syntax_error_shows_the_caret(client, balanced_cluster):
    """The engine's message, with its caret line, escaped."""
    html = client.get("/clusters/balanced/query/?member_of=attribute:x ==").content.decode()
    assert 'class="caret"' in html
    assert "^" in html


def test_no_match_says_nothing_would_be_placed(client, balanced_cluster):
    """An expression matching nothing warns before anyone runs a task."""
    make_instance(balanced_cluster, instance_type="t3.micro")
    html = client.get("/clusters/balanced/query/?member_of=attribute:ecs.instance-type==c5.large")
    assert "this constraint would place nothing" in html.content.decode()


def test_an_empty_expression_says_nothing(client, balanced_cluster):
    """No expression, no highlight."""
    assert client.get("/clusters/balanced/query/?member_of=").content.decode().strip() == ""


def test_an_expression_over_ecs_limit_says_so(client, balanced_cluster):
    """2,001 characters: RunTask's limit, stated before anyone runs a task."""
    expression = "attribute:ecs.availability-zone == us-east-1b or " * 41
    html = client.get("/clusters/balanced/query/", {"member_of": expression[:2001]}).content
    assert "Constraint expression must be at most 2000 characters." in html.decode()
