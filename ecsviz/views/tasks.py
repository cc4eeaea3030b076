"""Running and stopping tasks, and the engine's explanation of where each one went."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from ecsviz.errors import EcsError
from ecsviz.forms import RunTaskForm
from ecsviz.models import Task
from ecsviz.views.base import HtmxHttpRequest, live_cluster, render_region, render_tool


@require_POST
def task_run(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """RunTask through the control plane; placed tasks reach every browser through the feed."""
    from ecsviz.services.tasks import task_run as run

    cluster = live_cluster(name)
    form = RunTaskForm(request.POST)
    if not form.is_valid():
        return render_tool(request, cluster, "run", status=400, run_form=form)
    data = form.cleaned_data
    try:
        result = run(
            cluster=cluster,
            task_definition=data["task_definition"],
            count=data["count"],
            placement_strategy=form.placement_strategy(),
            placement_constraints=form.placement_constraints(),
            group=data["group"] or None,
            started_by="ecsviz-dashboard",
        )
    except EcsError as exc:
        form.add_error(None, exc.message)
        return render_tool(request, cluster, "run", status=400, run_form=form)
    return render_tool(request, cluster, "run", run_form=form, run_result=result)


def cluster_task(cluster, task_id: str) -> Task:
    queryset = Task.objects.select_related("task_definition", "container_instance", "service")
    return get_object_or_404(queryset, cluster=cluster, task_id=task_id)


def task_panel(cluster, task: Task, error: str = "") -> dict:
    """The task's facts and the engine's record of the decision that placed it."""
    from ecsviz.live.explain import stored_verdicts
    from ecsviz.services.task_placement import EXPLAIN_UP_TO

    placement = task.placement or {}
    return {
        "cluster": cluster,
        "task": task,
        "explanation": placement,
        "verdicts": stored_verdicts(cluster, placement),
        "explain_up_to": EXPLAIN_UP_TO,
        "error": error,
    }


@require_GET
def task_detail(request: HtmxHttpRequest, name: str, task_id: str) -> HttpResponse:
    """One task and "why here?": the engine's scores for each instance it considered."""
    cluster = live_cluster(name)
    task = cluster_task(cluster, task_id)
    return render_region(request, "ecsviz/task_detail.html", "panel", task_panel(cluster, task))


@require_POST
def task_stop(request: HtmxHttpRequest, name: str, task_id: str) -> HttpResponse:
    """StopTask; the chip leaves every grid on the next tick."""
    from ecsviz.services.tasks import task_stop as stop

    cluster = live_cluster(name)
    task = cluster_task(cluster, task_id)
    error = ""
    try:
        stop(cluster=cluster, task=task, reason=request.POST.get("reason") or "Stopped from ecsviz")
    except EcsError as exc:
        error = exc.message
    if not request.htmx and not error:
        return redirect("cluster_detail", name=cluster.name)
    task.refresh_from_db()
    context = task_panel(cluster, task, error=error)
    return render_region(
        request, "ecsviz/task_detail.html", "panel", context, status=400 if error else 200
    )


@require_GET
def run_explain(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """ "Why not?": every instance's verdict for the run form's request, on the cluster as it is."""
    from ecsviz.live.explain import explain_run

    cluster = live_cluster(name)
    form = RunTaskForm(request.GET)
    context: dict = {"cluster": cluster, "form": form}
    if form.is_valid():
        context["explanation"] = explain_run(
            cluster=cluster,
            task_definition=form.cleaned_data["task_definition"],
            strategies=form.placement_strategy(),
            constraints=form.placement_constraints(),
            group=form.cleaned_data["group"] or None,
        )
    status = 200 if form.is_valid() else 400
    return render_region(request, "ecsviz/explain.html", "panel", context, status=status)
