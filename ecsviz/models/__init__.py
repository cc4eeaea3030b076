"""The ECS data model: what ECS keeps for clusters, instances, task definitions, tasks, services."""

from __future__ import annotations

from ecsviz.models.cluster import Cluster, Event
from ecsviz.models.instances import ContainerInstance, InstanceType
from ecsviz.models.service import Service
from ecsviz.models.taskdefs import TaskDefinition
from ecsviz.models.tasks import Task

__all__ = [
    "Cluster",
    "ContainerInstance",
    "Event",
    "InstanceType",
    "Service",
    "Task",
    "TaskDefinition",
]
