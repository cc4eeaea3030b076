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


def advance(
    *, now: datetime | None = None, cluster: Cluster | None = None, except_named: str | None = None
) -> int:
    """Move every due task to its next state; returns how many moved.

    A read first, so the common case (nothing due) costs one indexed query and no write lock.
    Each cluster moves in its own transaction, which also appends the events. `except_named`
    leaves out the cluster of that name: a write that moves its own cluster's tasks inside its
    own transaction (RunTask, StartTask) names it, so they are not moved in a second one first.
    """
    from ecsviz.services.lifecycle import tasks_advance

    now = now or timezone.now()
    due = due_clusters(now, None if cluster is None else cluster.pk)
    ids = sorted(pk for pk, name in due.items() if name != except_named)
    return sum(tasks_advance(cluster_id=cluster_id, now=now) for cluster_id in ids)


def due_clusters(now: datetime, cluster_id: int | None) -> dict[int, str]:
    """The clusters (id: name) with a task due by `now`.

    Every API call asks this, so it is one statement without the ORM's compiling.
    """
    quote = connection.ops.quote_name
    field = Task._meta.get_field("next_transition_at")
    # Per cluster, one probe of the (cluster, next_transition_at) index: clusters are few, tasks
    # many. (A scalar subquery with LIMIT, since PostgreSQL without statistics turns EXISTS
    # into a hash of every due task.)
    sql = (
        f"SELECT c.id, c.name FROM {quote(Cluster._meta.db_table)} c WHERE (SELECT t.id "
        f"FROM {quote(Task._meta.db_table)} t WHERE t.cluster_id = c.id "
        "AND t.next_transition_at <= %s LIMIT 1) IS NOT NULL"
    )
    params = [field.get_db_prep_value(now, connection)]
    if cluster_id is not None:
        sql += " AND c.id = %s"
        params.append(cluster_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
