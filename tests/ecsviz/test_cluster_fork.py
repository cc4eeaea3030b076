"""Forking a cluster into a sandbox copy, then comparing the two."""

from __future__ import annotations

import pytest

from ecsviz.models import Cluster, Task
from ecsviz.services.fork import cluster_fork
from ecsviz.services.tasks import task_run
from tests.factories import make_task_definition

pytestmark = pytest.mark.django_db


def test_fork_copies_instances_and_running_tasks(balanced_cluster):
    """Six instances with the same zones and types; each task on its instance's copy."""
    definition = make_task_definition(family="web", cpu=512, memory=512)
    task_run(cluster=balanced_cluster, task_definition=definition, count=4)
    sandbox = cluster_fork(cluster=balanced_cluster, name="sandbox")
    assert sandbox.forked_from == balanced_cluster
    original = sorted(
        balanced_cluster.container_instances.values_list("availability_zone", "instance_type")
    )
    copied = sorted(sandbox.container_instances.values_list("availability_zone", "instance_type"))
    assert copied == original
    assert Task.objects.filter(cluster=sandbox).count() == 4
    assert Task.objects.filter(cluster=balanced_cluster).count() == 4


def test_fork_refuses_an_existing_name(client, balanced_cluster, empty_cluster):
    """The form shows the error; nothing is created."""
    response = client.post("/clusters/balanced/fork/", {"name": "empty"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "A cluster named empty already exists." in response.content.decode()


def test_fork_from_the_page_opens_the_comparison(client, balanced_cluster):
    """htmx is told to go to the side-by-side page; without htmx it is a redirect."""
    response = client.post("/clusters/balanced/fork/", {"name": "try"}, HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == "/compare/?a=balanced&b=try"
    response = client.post("/clusters/balanced/fork/", {"name": "try2"})
    assert response.status_code == 302
    assert Cluster.objects.filter(name__in=["try", "try2"]).count() == 2
