"""Amazon Resource Names in AWS's long format, built and parsed in this one place.

`arn:aws:ecs:<region>:<account>:<kind>/<path>`; tasks, container instances and services carry the
cluster name in their path (the long ARN format every new account uses).
"""

from __future__ import annotations

from django.conf import settings


def _arn(kind: str, path: str, region: str | None = None) -> str:
    region = region or settings.ECSVIZ_REGION
    return f"arn:aws:ecs:{region}:{settings.ECSVIZ_ACCOUNT_ID}:{kind}/{path}"


def cluster_arn(cluster_name: str, region: str | None = None) -> str:
    """ARN of a cluster: `...:cluster/<name>`."""
    return _arn("cluster", cluster_name, region)


def container_instance_arn(cluster_name: str, instance_id: str, region: str | None = None) -> str:
    """ARN of a container instance: `...:container-instance/<cluster>/<id>`."""
    return _arn("container-instance", f"{cluster_name}/{instance_id}", region)


def task_arn(cluster_name: str, task_id: str, region: str | None = None) -> str:
    """ARN of a task: `...:task/<cluster>/<id>`."""
    return _arn("task", f"{cluster_name}/{task_id}", region)


def task_definition_arn(family: str, revision: int, region: str | None = None) -> str:
    """ARN of a task definition revision: `...:task-definition/<family>:<revision>`."""
    return _arn("task-definition", f"{family}:{revision}", region)


def service_arn(cluster_name: str, service_name: str, region: str | None = None) -> str:
    """ARN of a service: `...:service/<cluster>/<name>`."""
    return _arn("service", f"{cluster_name}/{service_name}", region)


def container_arn(cluster_name: str, task_id: str, container_name: str) -> str:
    """ARN of one container of a task: `...:container/<cluster>/<task id>/<name>`."""
    return _arn("container", f"{cluster_name}/{task_id}/{container_name}")


def resource_id(identifier: str) -> str:
    """The last path element of an ARN, or the identifier itself when it is not an ARN.

    ECS accepts either form wherever it takes a cluster, task or container instance.
    """
    if identifier.startswith("arn:") and "/" in identifier:
        return identifier.rsplit("/", 1)[1]
    return identifier
