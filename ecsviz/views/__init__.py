"""The dashboard's views: read input, call the control plane or the engine, render.

Every page is one template whose updatable regions are `partialdef`s: an htmx request gets the
region (`page.html#region`), a plain request the whole page, and the websocket feed pushes the same
regions, so each piece of markup has one source.
"""

from __future__ import annotations

from ecsviz.views.clusters import (
    cluster_compare,
    cluster_detail,
    cluster_events,
    cluster_fork,
    cluster_list,
    cluster_new,
    query_check,
)
from ecsviz.views.instances import (
    instance_add,
    instance_deregister,
    instance_detail,
    instance_state,
    instance_whatif,
)
from ecsviz.views.taskdefs import taskdef_upload
from ecsviz.views.tasks import run_explain, task_detail, task_run, task_stop

__all__ = [
    "cluster_compare",
    "cluster_detail",
    "cluster_events",
    "cluster_fork",
    "cluster_list",
    "cluster_new",
    "instance_add",
    "instance_deregister",
    "instance_detail",
    "instance_state",
    "instance_whatif",
    "query_check",
    "run_explain",
    "task_detail",
    "task_run",
    "task_stop",
    "taskdef_upload",
]
