"""Reading views: the cluster list, the cluster page and its snapshot, the timeline, comparisons."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from ecsviz.errors import EcsError
from ecsviz.forms import ClusterNameForm
from ecsviz.live import grid
from ecsviz.models import Cluster
from ecsviz.views.base import (
    PAGE,
    HtmxHttpRequest,
    cluster_page_context,
    live_cluster,
    render_tool,
)


@require_GET
def cluster_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every cluster with its instance and running-task counts."""
    return render_list(request, ClusterNameForm())


@require_POST
def cluster_new(request: HtmxHttpRequest) -> HttpResponse:
    """CreateCluster from the list, then its page (an existing name opens it: ECS's is idempotent)."""
    from ecsviz.services.clusters import cluster_create

    form = ClusterNameForm(request.POST)
    if form.is_valid():
        try:
            cluster = cluster_create(name=form.cleaned_data["name"])
        except EcsError as exc:
            form.add_error("name", exc.message)
        else:
            return redirect("cluster_detail", name=cluster.name)
    return render_list(request, form, status=400)


def render_list(request: HtmxHttpRequest, form: ClusterNameForm, status: int = 200) -> HttpResponse:
    clusters = Cluster.objects.exclude(status=Cluster.Status.INACTIVE).annotate(
        instance_count=Count(
            "container_instances",
            filter=Q(container_instances__status__in=grid.LIVE_INSTANCE_STATES),
            distinct=True,
        ),
        task_count=Count("tasks", filter=Q(tasks__desired_status="RUNNING"), distinct=True),
    )
    context = {"clusters": clusters, "form": form}
    return render(request, "ecsviz/cluster_list.html", context, status=status)


@require_GET
@xframe_options_sameorigin  # the comparison page embeds two cluster pages
def cluster_detail(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """The cluster page; for htmx, the live regions as out-of-band swaps (a resync snapshot)."""
    cluster = live_cluster(name)
    if request.htmx:
        context = grid.snapshot(
            cluster, dense=request.GET.get("dense"), kind=request.GET.get("kind", "")
        )
        return render(request, f"{PAGE}#snapshot", context)
    return render(request, PAGE, cluster_page_context(request, cluster))


@require_GET
def cluster_events(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """The timeline, newest first, filtered by kind (?kind=task)."""
    cluster = live_cluster(name)
    kind = request.GET.get("kind", "")
    context = {
        "cluster": cluster,
        "events": grid.timeline(cluster, kind),
        "kind": kind,
        "kinds": grid.event_kinds(cluster),
    }
    if request.htmx:
        return render(request, f"{PAGE}#timeline-list", context)
    return render(request, "ecsviz/events.html", context)


@require_GET
def query_check(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """Live memberOf checking: which instances an expression matches, or where its syntax fails."""
    from ecsviz.live.query import match_instances

    cluster = live_cluster(name)
    expression = request.GET.get("member_of", "")
    context = {"cluster": cluster, "expression": expression, **match_instances(cluster, expression)}
    return render(request, "ecsviz/query_check.html", context)


@require_GET
def cluster_compare(request: HtmxHttpRequest) -> HttpResponse:
    """Two clusters side by side, each live: an original and its sandbox, say."""
    names = [request.GET.get("a", ""), request.GET.get("b", "")]
    dense = request.GET.get("dense") == "1"
    panes = [{"cluster": live_cluster(name), "dense": dense} for name in names]
    return render(request, "ecsviz/compare.html", {"panes": panes})


@require_POST
def cluster_fork(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """Copy a cluster into a sandbox, then show the two side by side."""
    from ecsviz.services.fork import cluster_fork as fork

    cluster = live_cluster(name)
    form = ClusterNameForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            sandbox = fork(cluster=cluster, name=form.cleaned_data["name"])
        except EcsError as exc:
            error = exc.message
        else:
            url = f"/compare/?a={cluster.name}&b={sandbox.name}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render_tool(request, cluster, "fork-form", status=400, fork_form=form, fork_error=error)
