"""The control plane: every write to the simulated cluster goes through one function here.

The ECS API, the dashboard's forms, scenario files and management commands all call these, so each
rule lives in one place. Each function runs in one database transaction, appends to the cluster's
event log in that transaction, and raises `ecsviz.errors.EcsError` subclasses for bad input.
"""

from __future__ import annotations

from ecsviz.services.attributes import attributes_delete, attributes_put
from ecsviz.services.clusters import cluster_create, cluster_delete, cluster_get
from ecsviz.services.instances import (
    UpdateStateResult,
    container_instance_deregister,
    container_instance_register,
    container_instances_find,
    container_instances_update_state,
)
from ecsviz.services.taskdefs import (
    task_definition_deregister,
    task_definition_get,
    task_definition_register,
)
from ecsviz.services.tasks import RunTaskResult, task_find, task_run, task_start, task_stop

__all__ = [
    "RunTaskResult",
    "UpdateStateResult",
    "attributes_delete",
    "attributes_put",
    "cluster_create",
    "cluster_delete",
    "cluster_get",
    "container_instance_deregister",
    "container_instance_register",
    "container_instances_find",
    "container_instances_update_state",
    "task_definition_deregister",
    "task_definition_get",
    "task_definition_register",
    "task_find",
    "task_run",
    "task_start",
    "task_stop",
]
