"""What every dashboard view shares: the typed request and the page-or-region render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from ecsviz.forms import AddInstanceForm, ClusterNameForm, RunTaskForm, TaskDefinitionUploadForm
from ecsviz.live import grid
from ecsviz.models import Cluster

PAGE = "ecsviz/cluster_detail.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def live_cluster(name: str) -> Cluster:
    return get_object_or_404(Cluster.objects.exclude(status="INACTIVE"), name=name)


def render_region(
    request: HtmxHttpRequest, template: str, region: str, context: dict, status: int = 200
) -> HttpResponse:
    """The region alone for htmx, the whole page otherwise."""
    name = f"{template}#{region}" if request.htmx else template
    response = render(request, name, context, status=status)
    if request.htmx.boosted:
        # A boosted grid link opens a side panel: the address bar stays on the cluster page.
        push_url(response, False)
    return response


def cluster_page_context(request: HtmxHttpRequest, cluster: Cluster, **forms: object) -> dict:
    """The cluster page: the live snapshot plus its tool forms (fresh unless given)."""
    context = grid.snapshot(
        cluster, dense=request.GET.get("dense"), kind=request.GET.get("kind", "")
    )
    context["run_form"] = forms.get("run_form") or RunTaskForm()
    context["upload_form"] = forms.get("upload_form") or TaskDefinitionUploadForm()
    context["instance_form"] = forms.get("instance_form") or AddInstanceForm()
    context["fork_form"] = forms.get("fork_form") or ClusterNameForm()
    context.update({k: v for k, v in forms.items() if not k.endswith("_form")})
    context["embed"] = request.GET.get("embed") == "1"
    return context


def render_tool(
    request: HtmxHttpRequest, cluster: Cluster, region: str, status: int = 200, **forms: object
) -> HttpResponse:
    """A tool form after a POST: its region for htmx, the whole cluster page otherwise."""
    if request.htmx:
        context = {"cluster": cluster, **forms}
        return render(request, f"{PAGE}#{region}", context, status=status)
    return render(request, PAGE, cluster_page_context(request, cluster, **forms), status=status)
