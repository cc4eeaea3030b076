"""Container instances from the dashboard: add, drain, deregister, and what-if capacity edits."""

from __future__ import annotations

import pytest

from ecsviz.models import ContainerInstance, Task
from ecsviz.services.tasks import task_run
from tests.factories import make_cluster, make_instance, make_task_definition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def small(db):
    """One m5.large (2048 CPU, 7.8 GiB) in us-east-1a with three 512-CPU tasks."""
    cluster = make_cluster("small")
    instance = make_instance(cluster, zone="us-east-1a")
    definition = make_task_definition(family="worker", cpu=512, memory=512)
    task_run(cluster=cluster, task_definition=definition, count=3)
    return instance


def test_add_registers_an_instance_with_attributes(client, balanced_cluster):
    """Type from the catalog, a zone, and custom attributes name=value."""
    data = {
        "instance_type": "c5.xlarge",
        "availability_zone": "us-east-1d",
        "attributes": "stack=prod\ngpu",
    }
    response = client.post("/clusters/balanced/instances/", data, **HTMX)
    assert response.status_code == 200
    assert "c5.xlarge) in us-east-1d" in response.content.decode()
    added = ContainerInstance.objects.get(availability_zone="us-east-1d")
    assert added.custom_attributes == {"stack": "prod", "gpu": None}
    assert added.registered_cpu == 4096


def test_add_rejects_a_malformed_zone_inline(client, balanced_cluster):
    """A zone that is not a zone: the form says so and nothing is registered."""
    data = {"instance_type": "m5.large", "availability_zone": "moon"}
    response = client.post("/clusters/balanced/instances/", data, **HTMX)
    assert response.status_code == 400
    assert "looks like us-east-1a" in response.content.decode()
    assert ContainerInstance.objects.count() == 6


def test_add_shows_ecs_attribute_errors(client, balanced_cluster):
    """Attribute rules are the control plane's; their message is shown as is."""
    data = {
        "instance_type": "m5.large",
        "availability_zone": "us-east-1a",
        "attributes": "bad name=x",
    }
    response = client.post("/clusters/balanced/instances/", data, **HTMX)
    assert response.status_code == 400
    assert "Attribute name" in response.content.decode()


def test_add_without_htmx_redirects(client, balanced_cluster):
    """A plain form post goes back to the cluster page."""
    data = {"instance_type": "m5.large", "availability_zone": "us-east-1a"}
    assert client.post("/clusters/balanced/instances/", data).status_code == 302


def test_instance_panel_lists_tasks_and_actions(client, small):
    """The panel: figures, three tasks, drain and deregister, the what-if form."""
    html = client.get(f"/clusters/small/instances/{small.instance_id}/", **HTMX).content.decode()
    assert "<html" not in html
    assert "1536 of 2048 units reserved (75%)" in html
    assert html.count("worker:1</a>") == 3
    assert 'value="DRAINING"' in html
    assert "Preview" in html


def test_drain_and_reactivate(client, small):
    """UpdateContainerInstancesState both ways."""
    url = f"/clusters/small/instances/{small.instance_id}/state/"
    client.post(url, {"status": "DRAINING"}, **HTMX)
    small.refresh_from_db()
    assert small.status == "DRAINING"
    client.post(url, {"status": "ACTIVE"}, **HTMX)
    small.refresh_from_db()
    assert small.status == "ACTIVE"


def test_deregister_refuses_with_tasks_unless_forced(client, small):
    """ECS's message without force; INACTIVE with it."""
    url = f"/clusters/small/instances/{small.instance_id}/deregister/"
    response = client.post(url, **HTMX)
    assert response.status_code == 400
    assert "Use force" in response.content.decode()
    client.post(url, {"force": "1"}, **HTMX)
    small.refresh_from_db()
    assert small.status == "INACTIVE"


def test_whatif_preview_shows_ghosts_and_changes_nothing(client, small):
    """Halving CPU to 1024 keeps two 512-CPU tasks; the third is a ghost; the row is untouched."""
    url = f"/clusters/small/instances/{small.instance_id}/what-if/"
    response = client.post(url, {"cpu": 1024, "action": "preview"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<b>1</b> task would no longer fit" in html
    assert html.count('class="chip ghost"') == 1
    assert "Apply" in html
    small.refresh_from_db()
    assert small.registered_cpu == 2048


def test_whatif_apply_stops_what_no_longer_fits(client, small):
    """Applied: one task stopped with the reason, the instance at 1024 CPU, 1024 reserved."""
    url = f"/clusters/small/instances/{small.instance_id}/what-if/"
    response = client.post(url, {"cpu": 1024, "action": "apply"}, **HTMX)
    assert response.status_code == 200
    assert "1 task stopped" in response.content.decode()
    small.refresh_from_db()
    assert (small.registered_cpu, small.remaining_cpu) == (1024, 0)
    stopped = Task.objects.get(last_status="STOPPED")
    assert "what-if" in stopped.stopped_reason


def test_whatif_apply_replaces_standalone_tasks_elsewhere(client, small):
    """A second instance has room: the evicted standalone task is run again there."""
    other = make_instance(small.cluster, zone="us-east-1b")
    url = f"/clusters/small/instances/{small.instance_id}/what-if/"
    client.post(url, {"cpu": 1024, "action": "apply"}, **HTMX)
    assert Task.objects.filter(container_instance=other).exclude(last_status="STOPPED").count() == 1


def test_whatif_by_instance_type(client, small):
    """Changing the type takes the catalog's figures: t3.micro keeps one task at most."""
    url = f"/clusters/small/instances/{small.instance_id}/what-if/"
    html = client.post(
        url, {"instance_type": "t3.micro", "action": "preview"}, **HTMX
    ).content.decode()
    assert "type <b>t3.micro</b>" in html
    assert "<b>2</b> tasks would no longer fit" in html


def test_whatif_needs_a_change(client, small):
    """An empty edit is an inline error."""
    url = f"/clusters/small/instances/{small.instance_id}/what-if/"
    response = client.post(url, {"action": "preview"}, **HTMX)
    assert response.status_code == 400
    assert "Change the CPU" in response.content.decode()
