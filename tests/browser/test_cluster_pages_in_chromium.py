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


def test_reading_works_without_javascript(chromium, live_server, balanced_cluster):
    """Scripts off: the grid, a task's page with "why here?" and the run form still work."""
    from ecsviz.services.tasks import task_run
    from tests.factories import make_task_definition

    definition = make_task_definition(family="web", cpu=256, memory=256)
    task = task_run(cluster=balanced_cluster, task_definition=definition).tasks[0]
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/clusters/balanced/")
        assert page.locator("article.instance").count() == 6
        assert page.locator(".chip").count() == 1
        page.locator(f"a[href$='tasks/{task.task_id}/']").click()
        page.wait_for_url(f"**/tasks/{task.task_id}/")
        assert "Why here?" in page.locator("#task-panel").inner_text()
        page.goto(live_server.url + "/clusters/balanced/")
        page.get_by_role("button", name="Run task").click()
        page.wait_for_selector("#run-form .result")
        assert page.locator(".chip").count() == 2
    finally:
        context.close()
