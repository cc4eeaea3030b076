"""Uploading a task definition: file or pasted JSON, both input shapes, errors inline."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecsviz.models import TaskDefinition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
WEB = {
    "family": "web",
    "containerDefinitions": [{"name": "nginx", "image": "nginx:1.27", "cpu": 256, "memory": 512}],
}


def upload(client, body, **extra):
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post("/clusters/balanced/task-definitions/", {"text": text}, **extra)


def test_pasted_json_registers_revision_one(client, balanced_cluster):
    """RegisterTaskDefinition input becomes family:1, and the run form offers it."""
    response = upload(client, WEB, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Registered <b>web:1</b>" in html
    assert 'id="id_task_definition" required hx-swap-oob="true"' in html
    assert "selected>web:1</option>" in html
    assert TaskDefinition.objects.get(family="web").cpu_reservation == 256


def test_a_file_upload_is_accepted(client, balanced_cluster):
    """The same JSON as a file."""
    file = SimpleUploadedFile("web.json", json.dumps(WEB).encode(), "application/json")
    response = client.post("/clusters/balanced/task-definitions/", {"file": file}, **HTMX)
    assert response.status_code == 200
    assert TaskDefinition.objects.filter(family="web").count() == 1


def test_describe_output_is_unwrapped_and_an_existing_family_gets_a_new_revision(
    client, balanced_cluster
):
    """describe-task-definition's wrapper and read-only fields are accepted: web:2 follows web:1."""
    upload(client, WEB)
    described = {
        "taskDefinition": {
            **WEB,
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
            "revision": 1,
            "status": "ACTIVE",
            "requiresAttributes": [],
            "compatibilities": ["EC2"],
            "registeredAt": 1700000000.0,
        },
        "tags": [{"key": "team", "value": "blue"}],
    }
    html = upload(client, described, **HTMX).content.decode()
    assert "Registered <b>web:2</b>" in html
    assert TaskDefinition.objects.get(family="web", revision=2).tags == [
        {"key": "team", "value": "blue"}
    ]


def test_ecs_errors_show_inline_with_their_json_path_and_nothing_is_saved(client, balanced_cluster):
    """A container without memory: ECS's message under containerDefinitions[1]; no row written."""
    body = {
        "family": "bad",
        "containerDefinitions": [
            {"name": "ok", "image": "x", "memory": 128},
            {"name": "nomem", "image": "y"},
        ],
    }
    response = upload(client, {"taskDefinition": body}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "taskDefinition.containerDefinitions[1]: Invalid setting for container" in html
    assert "At least one of &#x27;memory&#x27; or &#x27;memoryReservation&#x27;" in html
    assert not TaskDefinition.objects.filter(family="bad").exists()


def test_a_hostile_container_name_is_echoed_as_text(client, balanced_cluster):
    """The rejected name is shown, escaped, next to ECS's naming rule."""
    body = {**WEB, "containerDefinitions": [{**WEB["containerDefinitions"][0]}]}
    body["containerDefinitions"][0]["name"] = "<img src=x onerror=alert(1)>"
    html = upload(client, body, **HTMX).content.decode()
    assert "containerDefinitions[0].name = &quot;&lt;img src=x onerror=alert(1)&gt;&quot;" in html
    assert "<img src" not in html


@pytest.mark.parametrize(
    ("member", "value", "expected"),
    [
        ("memory", "lots", "containerDefinitions[0].memory = &quot;lots&quot;: Invalid type for"),
        ("portMappings", {"containerPort": 80}, "containerDefinitions[0].portMappings: Invalid"),
        ("cpuShares", 256, "containerDefinitions[0].cpuShares = 256: Unknown parameter"),
    ],
)
def test_wrong_shapes_are_refused_as_the_api_refuses_them(
    client, balanced_cluster, member, value, expected
):
    """botocore's shape checks run before ECS's rules: the member's path, never a crash."""
    container = {**WEB["containerDefinitions"][0], member: value}
    response = upload(client, {**WEB, "containerDefinitions": [container]}, **HTMX)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not TaskDefinition.objects.exists()


def test_broken_json_reports_line_and_column(client, balanced_cluster):
    """Syntax errors say where."""
    html = upload(client, '{"family": "x",\n  oops}', **HTMX).content.decode()
    assert "line 2, column 3" in html


def test_nothing_to_upload_is_an_error(client, balanced_cluster):
    """Neither file nor text."""
    response = client.post("/clusters/balanced/task-definitions/", {}, **HTMX)
    assert response.status_code == 400
    assert "Choose a file or paste the JSON." in response.content.decode()


def test_without_htmx_errors_render_the_whole_page(client, balanced_cluster):
    """No JavaScript: the cluster page comes back with the form's error in place."""
    response = upload(client, {"family": "x"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html
    # The shape check comes first, as in the API: botocore's words, pointing at the member.
    assert "containerDefinitions: Missing required parameter in input" in html


def test_get_is_not_allowed(client, balanced_cluster):
    """Writes are POST only."""
    assert client.get("/clusters/balanced/task-definitions/").status_code == 405
