"""What-if capacity edits: preview a change to an instance's CPU, memory or type, then apply it.

ECS cannot resize a registered instance; a classroom wants to ask "what if this were smaller?".
The preview is a pure read. Applying it is one transaction: the tasks that no longer fit stop
(through StopTask, then released at once, because the capacity they held is gone), the instance
takes its new figures, and standalone tasks are run again through RunTask, which places them
wherever they now fit. Service tasks are left to their service's scheduler.

Which tasks stay: the oldest first, each kept while it still fits. It is the simulator's rule
(ECS has no such operation), chosen because it is easy to predict in front of a class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ecsviz.errors import InvalidParameterException
from ecsviz.models import Cluster, ContainerInstance, Task
from ecsviz.services.clusters import cluster_get
from ecsviz.services.instances import catalog_type, container_instances_find
from ecsviz.services.lifecycle import tasks_mark_stopped
from ecsviz.services.tasks import task_run, task_stop

EVICTION_REASON = "Instance capacity changed (what-if): the task no longer fits."


@dataclass
class CapacityPreview:
    """The instance's figures after the edit, and its tasks split into kept and evicted."""

    instance: ContainerInstance
    cpu: int
    memory: int
    instance_type: str
    max_enis: int
    kept: list[Task] = field(default_factory=list)
    evicted: list[Task] = field(default_factory=list)


@dataclass
class CapacityApplied:
    """What applying did: the stopped tasks, their replacements, and RunTask's failures."""

    instance: ContainerInstance
    stopped: list[Task]
    replaced: list[Task]
    failures: list[dict]


def holding_tasks(instance: ContainerInstance) -> list[Task]:
    """Tasks that hold resources on the instance, oldest first."""
    return list(
        Task.objects.filter(container_instance=instance)
        .exclude(last_status=Task.Status.STOPPED)
        .select_related("task_definition")
        .order_by("created_at", "id")
    )


def capacity_preview(
    *,
    cluster: Cluster,
    container_instance: ContainerInstance,
    cpu: int | None = None,
    memory: int | None = None,
    instance_type: str | None = None,
) -> CapacityPreview:
    """The edit's outcome without writing anything."""
    instance = container_instance
    if instance.cluster_id != cluster.pk or instance.status not in ("ACTIVE", "DRAINING"):
        raise InvalidParameterException("The referenced container instance was not found.")
    new_type, max_enis = instance.instance_type, instance.max_enis
    new_cpu, new_memory = instance.registered_cpu, instance.registered_memory
    if instance_type:
        catalog = catalog_type(instance_type)
        new_type, max_enis = catalog.name, catalog.max_enis
        new_cpu, new_memory = catalog.registered_cpu, catalog.registered_memory()
    new_cpu, new_memory = cpu or new_cpu, memory or new_memory
    if new_cpu <= 0 or new_memory <= 0:
        raise InvalidParameterException("Registered CPU and memory must be positive.")
    preview = CapacityPreview(instance, new_cpu, new_memory, new_type, max_enis)
    used_cpu = used_memory = 0
    used_enis = 1  # the primary ENI
    for task in holding_tasks(instance):
        fits = (
            used_cpu + task.cpu <= new_cpu
            and used_memory + task.memory <= new_memory
            and used_enis + task.uses_eni <= max_enis
        )
        if fits:
            used_cpu, used_memory = used_cpu + task.cpu, used_memory + task.memory
            used_enis += task.uses_eni
            preview.kept.append(task)
        else:
            preview.evicted.append(task)
    return preview


@transaction.atomic
def capacity_apply(
    *,
    cluster: Cluster,
    container_instance: ContainerInstance,
    cpu: int | None = None,
    memory: int | None = None,
    instance_type: str | None = None,
) -> CapacityApplied:
    """Apply the edit: evict what no longer fits, resize, re-run standalone evictees."""
    target = cluster_get(identifier=cluster, for_update=True)
    found, _ = container_instances_find(
        cluster=target, identifiers=[container_instance], for_update=True
    )
    if not found:
        raise InvalidParameterException("The referenced container instance was not found.")
    preview = capacity_preview(
        cluster=target,
        container_instance=found[0],
        cpu=cpu,
        memory=memory,
        instance_type=instance_type,
    )
    for task in preview.evicted:
        task_stop(cluster=target, task=task, reason=EVICTION_REASON)
    stopped = list(Task.objects.filter(pk__in=[t.pk for t in preview.evicted]).order_by("pk"))
    tasks_mark_stopped(stopped, timezone.now())
    instance = resize(target, preview)
    replaced, failures = rerun_standalone(target, stopped)
    return CapacityApplied(instance, stopped, replaced, failures)


def resize(cluster: Cluster, preview: CapacityPreview) -> ContainerInstance:
    """Write the new figures; what the kept tasks hold stays reserved."""
    instance = ContainerInstance.objects.get(pk=preview.instance.pk)
    held_cpu = instance.registered_cpu - instance.remaining_cpu
    held_memory = instance.registered_memory - instance.remaining_memory
    before = (
        f"{instance.instance_type} {instance.registered_cpu} CPU / {instance.registered_memory} MiB"
    )
    instance.registered_cpu, instance.registered_memory = preview.cpu, preview.memory
    instance.remaining_cpu = preview.cpu - held_cpu
    instance.remaining_memory = preview.memory - held_memory
    instance.instance_type, instance.max_enis = preview.instance_type, preview.max_enis
    instance.attributes = {**instance.attributes, "ecs.instance-type": preview.instance_type}
    instance.version += 1
    instance.save()
    cluster.record_event(
        "instance.capacity_changed",
        f"{instance.ec2_instance_id} resized from {before} to {preview.instance_type} "
        f"{preview.cpu} CPU / {preview.memory} MiB (what-if); {len(preview.evicted)} task(s) "
        "no longer fit.",
        {"instances": [instance.instance_id], "tasks": [t.task_id for t in preview.evicted]},
    )
    return instance


def rerun_standalone(cluster: Cluster, stopped: list[Task]) -> tuple[list[Task], list[dict]]:
    """RunTask again for each evicted standalone task, as its own group, by the default strategy."""
    replaced: list[Task] = []
    failures: list[dict] = []
    for task in stopped:
        if task.service_id is not None:
            continue
        result = task_run(
            cluster=cluster,
            task_definition=task.task_definition,
            group=task.group,
            started_by=task.started_by,
            overrides=task.overrides or None,
        )
        replaced += result.tasks
        failures += result.failures
    return replaced, failures
