"""The simulation clock: tasks move along ECS's lifecycle when their next transition is due.

Nothing sleeps. Each state change stores `Task.next_transition_at`; `advance()` moves every task
whose moment has come. The API calls it at the start of every request (so `aws ecs wait
tasks-running` sees progress with no background worker) and the dashboard on a timer.

    PROVISIONING / PENDING --delay--> RUNNING        StopTask: STOPPING --delay--> STOPPED
                                                                  (resources released here)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ecsviz.models import Cluster, Task


def transition_delay() -> timedelta:
    """How long a task waits before its next state (ECSVIZ_TASK_START_DELAY seconds)."""
    return timedelta(seconds=settings.ECSVIZ_TASK_START_DELAY)


def advance(*, now: datetime | None = None, cluster: Cluster | None = None) -> int:
    """Move every due task to its next state; returns how many moved.

    A read first, so the common case (nothing due) costs one indexed query and no write lock.
    Each cluster moves in its own transaction, which also appends the events.
    """
    from ecsviz.services.lifecycle import tasks_advance

    now = now or timezone.now()
    cluster_ids = due_cluster_ids(now, None if cluster is None else cluster.pk)
    return sum(tasks_advance(cluster_id=cluster_id, now=now) for cluster_id in sorted(cluster_ids))


def due_cluster_ids(now: datetime, cluster_id: int | None) -> set[int]:
    """The clusters with a task due by `now` (the indexed next_transition_at).

    Every API call asks this, so it is one statement without the ORM's compiling.
    """
    field = Task._meta.get_field("next_transition_at")
    sql = f"SELECT DISTINCT cluster_id FROM {connection.ops.quote_name(Task._meta.db_table)}"
    sql += " WHERE next_transition_at <= %s"
    params = [field.get_db_prep_value(now, connection)]
    if cluster_id is not None:
        sql += " AND cluster_id = %s"
        params.append(cluster_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
