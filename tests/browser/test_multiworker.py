"""Two daphne processes on the Redis channel layer: a change made through one reaches the other."""

from __future__ import annotations

import os

import pytest
import requests

from tests.browser.conftest import Daphne, daphne_env
from tests.factories import make_cluster, make_instance, make_task_definition

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis layer)"),
]


def test_a_run_through_one_process_appears_in_a_browser_on_the_other(chromium):
    """Browser on process B; RunTask posted to process A; the chip appears on B's page."""
    cluster = make_cluster("shared")
    for zone in ("us-east-1a", "us-east-1b"):
        make_instance(cluster, zone=zone)
    definition = make_task_definition(family="web", cpu=256, memory=256)
    first, second = Daphne(daphne_env()).start(), Daphne(daphne_env()).start()
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{second.url}/clusters/shared/")
        page.wait_for_selector("#conn[data-state=live]")
        # Closed at once: a socket left for the garbage collector warns in some later test.
        with requests.Session() as session:
            session.get(f"{first.url}/clusters/shared/", timeout=10)
            response = session.post(
                f"{first.url}/clusters/shared/tasks/",
                data={"task_definition": definition.pk, "count": 2, "strategy": "az-spread"},
                headers={"X-CSRFToken": session.cookies["csrftoken"], "HX-Request": "true"},
                timeout=10,
            )
        assert response.status_code == 200, first.output()[-3000:]
        page.wait_for_function("document.querySelectorAll('.chip').length === 2", timeout=5000)
        assert "2 tasks" in page.locator("#totals").inner_text()
    finally:
        context.close()
        first.stop()
        second.stop()
