"""The control plane: every write to the simulated cluster goes through one function here.

The ECS API, the dashboard's forms, scenario files and management commands all call these, so each
rule lives in one place. Each function runs in one database transaction, appends to the cluster's
event log in that transaction, and raises `ecsviz.errors.EcsError` subclasses for bad input.
"""

from __future__ import annotations

from ecsviz.services.clusters import cluster_create, cluster_get
from ecsviz.services.instances import container_instance_register
from ecsviz.services.taskdefs import task_definition_register

__all__ = [
    "cluster_create",
    "cluster_get",
    "container_instance_register",
    "task_definition_register",
]
