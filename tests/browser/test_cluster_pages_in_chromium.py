"""The cluster list and page as a person sees them in chromium."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_goes_from_the_list_to_a_cluster(page, live_server, balanced_cluster):
    """Click a cluster on the list and land on its page with one column per zone."""
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="balanced").click()
    page.wait_for_url("**/clusters/balanced/")
    zones = page.locator("section.zone h2").all_inner_texts()
    assert zones == ["us-east-1a · 2", "us-east-1b · 2", "us-east-1c · 2"]
    assert page.locator("article.instance").count() == 6
    # The stylesheet loaded: zones sit side by side, not stacked.
    boxes = [page.locator("section.zone").nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
