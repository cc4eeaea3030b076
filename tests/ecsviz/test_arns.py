"""ARNs in AWS's long format, built in one place."""

from __future__ import annotations

import pytest

from ecsviz import arns
from tests.factories import make_task_definition

ACCOUNT_REGION = "arn:aws:ecs:us-east-1:000000000000"


def test_cluster_arn():
    """Clusters: `cluster/<name>`."""
    assert arns.cluster_arn("classroom") == f"{ACCOUNT_REGION}:cluster/classroom"


def test_container_instance_arn_carries_the_cluster():
    """Container instances use the long format with the cluster name."""
    assert (
        arns.container_instance_arn("classroom", "abc123")
        == f"{ACCOUNT_REGION}:container-instance/classroom/abc123"
    )


def test_task_and_service_arns_carry_the_cluster():
    """Tasks and services use the long format with the cluster name."""
    assert arns.task_arn("c1", "0f1e") == f"{ACCOUNT_REGION}:task/c1/0f1e"
    assert arns.service_arn("c1", "web") == f"{ACCOUNT_REGION}:service/c1/web"


def test_task_definition_arn_has_family_and_revision():
    """Task definitions: `task-definition/<family>:<revision>`."""
    assert arns.task_definition_arn("web", 3) == f"{ACCOUNT_REGION}:task-definition/web:3"


def test_region_and_account_come_from_settings(settings):
    """Another simulated region and account change every ARN."""
    settings.ECSVIZ_REGION = "eu-west-1"
    settings.ECSVIZ_ACCOUNT_ID = "123456789012"
    assert arns.cluster_arn("x") == "arn:aws:ecs:eu-west-1:123456789012:cluster/x"


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("classroom", "classroom"),
        (f"{ACCOUNT_REGION}:cluster/classroom", "classroom"),
        (f"{ACCOUNT_REGION}:task/classroom/0f1e", "0f1e"),
    ],
)
def test_resource_id_accepts_names_and_arns(identifier, expected):
    """ECS takes a name, an id or a full ARN wherever it takes a resource."""
    assert arns.resource_id(identifier) == expected


def test_models_expose_their_arns(balanced_cluster):
    """Model rows answer with the same ARNs the helpers build."""
    instance = balanced_cluster.container_instances.first()
    assert balanced_cluster.arn == f"{ACCOUNT_REGION}:cluster/balanced"
    assert instance.arn == f"{ACCOUNT_REGION}:container-instance/balanced/{instance.instance_id}"
    taskdef = make_task_definition(family="web")
    assert taskdef.arn == f"{ACCOUNT_REGION}:task-definition/web:1"
