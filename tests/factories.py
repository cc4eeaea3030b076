"""Row factories for tests: real rows made through the control plane, never hand-built fakes."""

from __future__ import annotations

from itertools import count

from ecsviz.models import Cluster, ContainerInstance, TaskDefinition
from ecsviz.services import cluster_create, container_instance_register, task_definition_register

_families = count(1)


def make_cluster(name: str = "test-cluster") -> Cluster:
    """An ACTIVE cluster."""
    return cluster_create(name=name)


def make_instance(
    cluster: Cluster, *, instance_type: str = "m5.large", zone: str = "us-east-1a", **kwargs: object
) -> ContainerInstance:
    """A container instance registered as its agent would, sized from the catalog."""
    return container_instance_register(
        cluster=cluster.name, instance_type=instance_type, availability_zone=zone, **kwargs
    )


def make_task_definition(
    *, family: str | None = None, cpu: int = 256, memory: int = 512, **container: object
) -> TaskDefinition:
    """A one-container bridge-mode task definition."""
    definition = {
        "family": family or f"family-{next(_families)}",
        "containerDefinitions": [
            {"name": "app", "image": "nginx:1.27", "cpu": cpu, "memory": memory, **container}
        ],
    }
    return task_definition_register(definition=definition)
