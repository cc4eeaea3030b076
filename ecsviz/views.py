from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from ecsviz.models import Cluster, ContainerInstance, Task

LIVE_INSTANCE_STATES = ["ACTIVE", "DRAINING", "REGISTERING"]


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def cluster_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every cluster with its instance and running-task counts."""
    clusters = Cluster.objects.exclude(status=Cluster.Status.INACTIVE).annotate(
        instance_count=Count(
            "container_instances",
            filter=Q(container_instances__status__in=LIVE_INSTANCE_STATES),
            distinct=True,
        ),
        task_count=Count("tasks", filter=Q(tasks__desired_status="RUNNING"), distinct=True),
    )
    return render(request, "ecsviz/cluster_list.html", {"clusters": clusters})


@require_GET
def cluster_detail(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """One cluster: its instances grouped by availability zone, with their tasks."""
    cluster = get_object_or_404(Cluster, name=name)
    instances = ContainerInstance.objects.filter(
        cluster=cluster, status__in=LIVE_INSTANCE_STATES
    ).order_by("availability_zone", "registered_at", "id")
    tasks = (
        Task.objects.filter(cluster=cluster, desired_status="RUNNING")
        .select_related("task_definition")
        .order_by("created_at", "id")
    )
    tasks_by_instance: dict[int | None, list[Task]] = {}
    for task in tasks:
        tasks_by_instance.setdefault(task.container_instance_id, []).append(task)
    zones: dict[str, list[ContainerInstance]] = {}
    for instance in instances:
        instance.live_tasks = tasks_by_instance.get(instance.pk, [])
        zones.setdefault(instance.availability_zone, []).append(instance)
    totals = instances.aggregate(
        cpu=Sum("registered_cpu"),
        cpu_left=Sum("remaining_cpu"),
        memory=Sum("registered_memory"),
        memory_left=Sum("remaining_memory"),
    )
    context = {"cluster": cluster, "zones": zones, "totals": totals, "task_count": len(tasks)}
    return render(request, "ecsviz/cluster_detail.html", context)
