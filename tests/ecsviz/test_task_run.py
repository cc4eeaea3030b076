"""Running, explaining and stopping tasks from the dashboard, through the control plane."""

from __future__ import annotations

import pytest

from ecsviz.models import Task
from ecsviz.services.tasks import task_run
from tests.factories import make_task_definition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def web(db):
    return make_task_definition(family="web", cpu=1024, memory=1024)


def run(client, data, **extra):
    return client.post("/clusters/balanced/tasks/", data, **extra)


def test_running_places_tasks_and_reports_the_count(client, balanced_cluster, web):
    """AZ balanced spread of three tasks: one per zone."""
    response = run(client, {"task_definition": web.pk, "count": 3, "strategy": "az-spread"}, **HTMX)
    assert response.status_code == 200
    assert "<b>3</b> placed" in response.content.decode()
    zones = set(Task.objects.values_list("availability_zone", flat=True))
    assert zones == {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert set(Task.objects.values_list("started_by", flat=True)) == {"ecsviz-dashboard"}


def test_one_task_per_host_stops_at_the_instance_count(client, balanced_cluster, web):
    """distinctInstance: ten asked, six placed, the failures listed with ECS's reason."""
    response = run(client, {"task_definition": web.pk, "count": 10, "strategy": "one-per-host"})
    html = response.content.decode()
    assert Task.objects.count() == 6
    assert "DistinctInstance placement constraint unsatisfied." in html
    assert "Why not?" in html


def test_member_of_restricts_placement(client, balanced_cluster, web):
    """memberOf on the zone keeps every task in us-east-1b."""
    data = {
        "task_definition": web.pk,
        "count": 2,
        "strategy": "binpack",
        "member_of": "attribute:ecs.availability-zone == us-east-1b",
    }
    run(client, data, **HTMX)
    assert set(Task.objects.values_list("availability_zone", flat=True)) == {"us-east-1b"}


def test_custom_strategy_must_be_a_json_list(client, balanced_cluster, web):
    """Bad custom JSON is an inline error and nothing runs."""
    data = {"task_definition": web.pk, "count": 1, "strategy": "custom", "custom_strategy": "{"}
    response = run(client, data, **HTMX)
    assert response.status_code == 400
    assert "Not valid JSON" in response.content.decode()
    assert not Task.objects.exists()


def test_ecs_rejections_are_shown_inline(client, balanced_cluster, web):
    """An unknown strategy type is ECS's InvalidParameterException, shown in the form."""
    data = {
        "task_definition": web.pk,
        "count": 1,
        "strategy": "custom",
        "custom_strategy": '[{"type": "tightest"}]',
    }
    response = run(client, data, **HTMX)
    assert response.status_code == 400
    assert 'class="errorlist nonfield"' in response.content.decode()
    assert not Task.objects.exists()


def test_why_not_explains_every_instance(client, balanced_cluster):
    """A task too big for m5.large: each instance is dropped at the resource step with RESOURCE:CPU."""
    huge = make_task_definition(family="huge", cpu=4096, memory=512)
    url = f"/clusters/balanced/explain/?task_definition={huge.pk}&count=1&strategy=binpack"
    html = client.get(url, **HTMX).content.decode()
    assert "No instance can take it." in html
    assert html.count("dropped at resources") == 6
    assert "RESOURCE:CPU" in html


def test_where_would_it_go_names_the_chosen_instance(client, balanced_cluster, web):
    """With room, the engine's choice is named and highlighted."""
    url = f"/clusters/balanced/explain/?task_definition={web.pk}&count=1&strategy=az-spread"
    html = client.get(url).content.decode()
    assert "The engine would choose" in html
    assert html.count('class="chosen"') == 1


def test_why_here_shows_the_stored_scores(client, balanced_cluster, web):
    """A placed task's panel shows the strategies, candidates and seed the engine recorded."""
    task = task_run(
        cluster=balanced_cluster,
        task_definition=web,
        placement_strategy=[{"type": "binpack", "field": "memory"}],
        seed=7,
    ).tasks[0]
    html = client.get(f"/clusters/balanced/tasks/{task.task_id}/", **HTMX).content.decode()
    assert "<html" not in html
    assert "Why here?" in html
    assert "6 instances passed" in html
    assert "<b>6</b> instances tied on every strategy" in html  # an empty cluster: all equal
    assert "seed 7" in html


def test_why_here_lists_every_instance_as_the_decision_saw_it(client, balanced_cluster, web):
    """The second task of a one-per-host request saw the first's instance refused, and says so."""
    one_per_host = [{"type": "distinctInstance"}]
    tasks = task_run(
        cluster=balanced_cluster, task_definition=web, count=2, placement_constraints=one_per_host
    ).tasks
    html = client.get(f"/clusters/balanced/tasks/{tasks[1].task_id}/", **HTMX).content.decode()
    table = html[html.index('class="listing small verdicts"') :]
    assert table.count("<tr") == 7  # the header and six instances
    assert table.count("chosen ✓") == 1
    assert table.count("DistinctInstance placement constraint unsatisfied.") == 1
    assert tasks[0].container_instance.ec2_instance_id in table
    chosen_row = table[table.index('<tr class="chosen">') : table.index("chosen ✓")]
    assert tasks[1].container_instance.ec2_instance_id in chosen_row


def test_why_here_on_a_large_cluster_keeps_the_summary_only(
    client, balanced_cluster, web, monkeypatch
):
    """Above the limit no verdicts are stored; the panel says where to ask instead."""
    monkeypatch.setattr("ecsviz.services.task_placement.EXPLAIN_UP_TO", 5)
    task = task_run(cluster=balanced_cluster, task_definition=web).tasks[0]
    assert "verdicts" not in task.placement
    html = client.get(f"/clusters/balanced/tasks/{task.task_id}/", **HTMX).content.decode()
    assert "6 instances passed" in html
    assert "Each instance's verdict is kept for clusters of up to 5 instances" in html


def test_stop_moves_a_task_to_stopping(client, balanced_cluster, web):
    """StopTask with the reason typed in the panel."""
    task = task_run(cluster=balanced_cluster, task_definition=web).tasks[0]
    response = client.post(
        f"/clusters/balanced/tasks/{task.task_id}/stop/", {"reason": "class over"}, **HTMX
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.desired_status, task.stopped_reason) == ("STOPPED", "class over")


def test_stop_without_htmx_redirects_to_the_cluster(client, balanced_cluster, web):
    """Plain form posts land back on the cluster page."""
    task = task_run(cluster=balanced_cluster, task_definition=web).tasks[0]
    response = client.post(f"/clusters/balanced/tasks/{task.task_id}/stop/")
    assert response.status_code == 302
    assert response.url == "/clusters/balanced/"


def test_unknown_task_is_404(client, balanced_cluster):
    """Tasks are looked up within the cluster."""
    assert client.get("/clusters/balanced/tasks/nope/").status_code == 404


def test_unplaced_tasks_are_listed_with_their_reasons_counted(client, balanced_cluster, web):
    """The cluster page groups one failed run's refusals: one reason, six instances."""
    run(client, {"task_definition": web.pk, "count": 10, "strategy": "one-per-host"})
    html = client.get("/clusters/balanced/").content.decode()
    unplaced = html[html.index('id="unplaced"') :]
    assert "<b>DistinctInstance placement constraint unsatisfied.</b> \u00d7 6" in unplaced
