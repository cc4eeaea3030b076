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
    due = Task.objects.filter(next_transition_at__lte=now)
    if cluster is not None:
        due = due.filter(cluster=cluster)
    cluster_ids = set(due.values_list("cluster_id", flat=True))
    return sum(tasks_advance(cluster_id=cluster_id, now=now) for cluster_id in sorted(cluster_ids))
