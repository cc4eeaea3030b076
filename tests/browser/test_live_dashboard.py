"""The live dashboard in chromium, served by daphne: uploads, runs, live chips, resyncs, freeze."""

from __future__ import annotations

import json

import pytest

from ecsviz.services.tasks import task_run
from tests.browser.conftest import Daphne, daphne_env
from tests.factories import make_cluster, make_instance, make_task_definition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEB = {
    "family": "web",
    "containerDefinitions": [{"name": "nginx", "image": "nginx:1.27", "cpu": 256, "memory": 512}],
}


@pytest.fixture
def classroom(db):
    """Three zones, one m5.large each."""
    cluster = make_cluster("classroom")
    for zone in ("us-east-1a", "us-east-1b", "us-east-1c"):
        make_instance(cluster, zone=zone)
    return cluster


def open_live(browser, url: str):
    """A new browser context on the page, once its websocket is open."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#conn[data-state=live]")
    return context, page


def test_upload_run_and_a_second_browser_sees_the_chip(chromium, daphne, classroom):
    """One browser uploads and runs; the other, which did nothing, sees the chip appear."""
    url = f"{daphne.url}/clusters/classroom/"
    teacher_context, teacher = open_live(chromium, url)
    student_context, student = open_live(chromium, url)
    try:
        teacher.get_by_text("Upload a task definition").click()
        teacher.fill("#upload-form textarea", json.dumps(WEB))
        teacher.get_by_role("button", name="Register").click()
        teacher.wait_for_selector("text=Registered web:1")
        assert teacher.locator("#id_task_definition option:checked").inner_text() == "web:1"
        teacher.get_by_role("button", name="Run task").click()
        teacher.wait_for_selector("#run-form .result")
        student.wait_for_selector(".chip", timeout=5000)
        assert student.locator(".chip").count() == 1
        assert "web" in student.locator("#legend").inner_text()
        # The clock turns it RUNNING in both browsers without anyone asking.
        student.wait_for_selector(".chip:not(.pending)", timeout=5000)
    finally:
        teacher_context.close()
        student_context.close()


def test_whatif_preview_then_apply(page, daphne):
    """Preview shows a ghost and changes nothing; apply stops the task and the card follows."""
    cluster = make_cluster("small")
    instance = make_instance(cluster, zone="us-east-1a")
    definition = make_task_definition(family="worker", cpu=512, memory=512)
    task_run(cluster=cluster, task_definition=definition, count=3)
    page.goto(f"{daphne.url}/clusters/small/")
    page.wait_for_selector("#conn[data-state=live]")
    card = page.locator(f"#instance-{instance.instance_id}")
    assert card.locator(".chip").count() == 3
    card.locator("h3 a").click()
    page.fill("#panel input[name=cpu]", "1024")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector(".chip.ghost")
    assert "1 task would no longer fit" in page.locator("#panel .preview").inner_text()
    assert card.locator(".chip").count() == 3
    # On the grid too: the card under preview is outlined and exactly one chip is a ghost.
    assert card.evaluate("e => getComputedStyle(e).outlineStyle") == "dashed"
    ghosts = (
        f"[...document.querySelectorAll('#instance-{instance.instance_id} .chip')]"
        ".filter(c => getComputedStyle(c).outlineStyle === 'dashed').length"
    )
    assert page.evaluate(ghosts) == 1
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("text=1 task stopped")
    page.wait_for_function(
        f"document.querySelectorAll('#instance-{instance.instance_id} .chip').length === 2"
    )
    assert "100%" in card.locator(".meter").first.inner_text()
    assert page.url == f"{daphne.url}/clusters/small/"


def test_a_dropped_websocket_resyncs(chromium, db, classroom):
    """The server goes away; a task is placed meanwhile; on reconnect the page catches up."""
    server = Daphne(daphne_env()).start()
    context, page = open_live(chromium, f"{server.url}/clusters/classroom/")
    try:
        server.stop(abruptly=True)
        page.wait_for_selector("#conn[data-state=offline]")
        definition = make_task_definition(family="late", cpu=128, memory=128)
        task_run(cluster=classroom, task_definition=definition)
        classroom.refresh_from_db()
        server.start()
        page.wait_for_selector(".chip", timeout=15000)
        page.wait_for_selector("#conn[data-state=live]")
        assert page.evaluate("window.ecsvizLive.resyncs") >= 1
        # At least the placement's number (the clock may already have moved the task on).
        assert int(page.locator("#totals").get_attribute("data-seq")) >= classroom.event_seq
    finally:
        context.close()
        server.stop()


def test_freeze_holds_updates_and_release_catches_up(page, daphne, classroom):
    """Frozen, the grid stays still and says how much is waiting; released, it catches up."""
    definition = make_task_definition(family="web", cpu=128, memory=128)
    page.goto(f"{daphne.url}/clusters/classroom/")
    page.wait_for_selector("#conn[data-state=live]")
    page.get_by_role("button", name="Freeze").click()
    task_run(cluster=classroom, task_definition=definition, count=2)
    page.wait_for_selector("#conn[data-state=frozen]:has-text('waiting')")
    assert page.locator(".chip").count() == 0
    page.get_by_role("button", name="Release").click()
    page.wait_for_function("document.querySelectorAll('.chip').length === 2")


def test_a_hostile_container_name_renders_as_text(page, daphne, classroom):
    """`<img src=x onerror=alert(1)>` as a container name is shown as text, never run."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile = "<img src=x onerror=alert(1)>"
    body = {**WEB, "containerDefinitions": [{**WEB["containerDefinitions"][0], "name": hostile}]}
    page.goto(f"{daphne.url}/clusters/classroom/")
    page.get_by_text("Upload a task definition").click()
    page.fill("#upload-form textarea", json.dumps(body))
    page.get_by_role("button", name="Register").click()
    error = page.locator("#upload-form .error")
    error.wait_for()
    assert hostile in error.inner_text()
    assert page.locator("#upload-form img").count() == 0
    # And as an image, which ECS accepts: the task panel lists it as text.
    definition = make_task_definition(family="evil", image=hostile)
    task = task_run(cluster=classroom, task_definition=definition).tasks[0]
    # A locator, not an element handle: the card may be redrawn by a tick in between.
    page.locator(f"a[href$='tasks/{task.task_id}/']").click()
    page.wait_for_selector("#task-panel")
    assert hostile in page.locator("#task-panel").inner_text()
    assert page.locator("main img").count() == 0
    assert dialogs == []


def test_member_of_lights_up_matching_instances(page, daphne, classroom):
    """Typing an expression highlights its instances; a broken one shows the caret."""
    page.goto(f"{daphne.url}/clusters/classroom/")
    page.fill("#id_member_of", "attribute:ecs.availability-zone == us-east-1b")
    page.wait_for_selector("#query-check:has-text('1 of 3')")
    highlighted = page.evaluate(
        "[...document.querySelectorAll('article.instance')]"
        ".filter(e => getComputedStyle(e).outlineStyle === 'solid').map(e => e.closest('section').id)"
    )
    assert highlighted == ["zone-us-east-1b"]
    page.fill("#id_member_of", "attribute:ecs.availability-zone ==")
    page.wait_for_selector("#query-check pre.caret")
    assert "^" in page.locator("#query-check pre.caret").inner_text()


def test_why_not_explains_every_instance_for_the_run_form(page, daphne, classroom):
    """A request that cannot fit: "Why not?" sends the form's fields and lists each verdict."""
    make_task_definition(family="huge", cpu=4096, memory=512)
    page.goto(f"{daphne.url}/clusters/classroom/")
    page.select_option("#id_task_definition", label="huge:1")
    page.get_by_role("button", name="Run task").click()
    page.wait_for_selector("#run-form .result:has-text('failed')")
    page.get_by_role("button", name="Why not?").click()
    panel = page.locator("#explain-panel")
    panel.wait_for()
    text = panel.inner_text()
    assert "Where would huge:1 go?" in text
    assert "No instance can take it." in text
    assert panel.locator("tbody tr").count() == 3
    assert text.count("RESOURCE:CPU") == 3


def test_where_would_it_go_names_the_chosen_instance(page, daphne, classroom):
    """Asked before running, the engine names one instance and places nothing."""
    make_task_definition(family="web", cpu=256, memory=256)
    page.goto(f"{daphne.url}/clusters/classroom/")
    page.fill("#id_member_of", "attribute:ecs.availability-zone == us-east-1c")
    page.get_by_role("button", name="Where would it go?").click()
    panel = page.locator("#explain-panel")
    panel.wait_for()
    assert "The engine would choose" in panel.inner_text()
    assert panel.locator("tr.chosen").inner_text().count("us-east-1c") == 1
    assert panel.inner_text().count("MemberOf placement constraint unsatisfied.") == 2
    assert page.locator(".chip").count() == 0
