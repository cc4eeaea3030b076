"""Container instances: add, drain or activate, deregister, and what-if capacity edits."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from ecsviz.errors import EcsError
from ecsviz.forms import AddInstanceForm, WhatIfForm
from ecsviz.live import grid
from ecsviz.models import ContainerInstance
from ecsviz.services.instances import container_instance_register
from ecsviz.views.base import HtmxHttpRequest, live_cluster, render_region, render_tool

PANEL = "ecsviz/instance_detail.html"


@require_POST
def instance_add(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """RegisterContainerInstance as an agent would, from the catalog's figures."""
    cluster = live_cluster(name)
    form = AddInstanceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            added = container_instance_register(
                cluster=cluster.name,
                instance_type=data["instance_type"],
                availability_zone=data["availability_zone"],
                custom_attributes=data["attributes"],
            )
        except EcsError as exc:
            form.add_error(None, exc.message)
        else:
            if not request.htmx:
                return redirect("cluster_detail", name=cluster.name)
            fresh = AddInstanceForm(initial={"availability_zone": added.availability_zone})
            return render_tool(request, cluster, "add-instance", instance_form=fresh, added=added)
    return render_tool(request, cluster, "add-instance", status=400, instance_form=form)


def panel_context(cluster, instance: ContainerInstance, **extra: object) -> dict:
    card = grid.build_cards(cluster, [instance])[0]
    return {
        "cluster": cluster,
        "card": card,
        "instance": instance,
        "whatif_form": WhatIfForm(),
        **extra,
    }


def cluster_instance(cluster, instance_id: str) -> ContainerInstance:
    return get_object_or_404(ContainerInstance, cluster=cluster, instance_id=instance_id)


def panel(request, cluster, instance, status: int = 200, **extra: object) -> HttpResponse:
    instance.refresh_from_db()
    context = panel_context(cluster, instance, **extra)
    return render_region(request, PANEL, "panel", context, status=status)


@require_GET
def instance_detail(request: HtmxHttpRequest, name: str, instance_id: str) -> HttpResponse:
    """One instance: attributes, resources, tasks, and its actions."""
    cluster = live_cluster(name)
    return panel(request, cluster, cluster_instance(cluster, instance_id))


@require_POST
def instance_state(request: HtmxHttpRequest, name: str, instance_id: str) -> HttpResponse:
    """UpdateContainerInstancesState: DRAINING or back to ACTIVE."""
    from ecsviz.services.instances import container_instances_update_state

    cluster = live_cluster(name)
    instance = cluster_instance(cluster, instance_id)
    status = request.POST.get("status", "")
    try:
        container_instances_update_state(
            cluster=cluster, container_instances=[instance], status=status
        )
    except EcsError as exc:
        return panel(request, cluster, instance, status=400, error=exc.message)
    return panel(request, cluster, instance)


@require_POST
def instance_deregister(request: HtmxHttpRequest, name: str, instance_id: str) -> HttpResponse:
    """DeregisterContainerInstance; `force` orphans its tasks as ECS does."""
    from ecsviz.services.instances import container_instance_deregister

    cluster = live_cluster(name)
    instance = cluster_instance(cluster, instance_id)
    try:
        container_instance_deregister(
            cluster=cluster, container_instance=instance, force=bool(request.POST.get("force"))
        )
    except EcsError as exc:
        return panel(request, cluster, instance, status=400, error=exc.message)
    if request.htmx:
        return HttpResponse(f'<p class="notice">{instance.ec2_instance_id} deregistered.</p>')
    return redirect("cluster_detail", name=cluster.name)


@require_POST
def instance_whatif(request: HtmxHttpRequest, name: str, instance_id: str) -> HttpResponse:
    """Preview a capacity edit (ghosts for the tasks that would no longer fit), or apply it."""
    from ecsviz.services.whatif import capacity_apply, capacity_preview

    cluster = live_cluster(name)
    instance = cluster_instance(cluster, instance_id)
    form = WhatIfForm(request.POST)
    if not form.is_valid():
        return panel(request, cluster, instance, status=400, whatif_form=form)
    edit = {k: form.cleaned_data.get(k) or None for k in ("cpu", "memory", "instance_type")}
    try:
        if request.POST.get("action") == "apply":
            applied = capacity_apply(cluster=cluster, container_instance=instance, **edit)
            return panel(request, cluster, instance, applied=applied)
        preview = capacity_preview(cluster=cluster, container_instance=instance, **edit)
    except EcsError as exc:
        return panel(request, cluster, instance, status=400, whatif_form=form, error=exc.message)
    context = panel_context(cluster, instance, whatif_form=form, preview=preview)
    return render_region(request, PANEL, "panel", context)
