"""Fork a cluster into a sandbox: the same instances and running tasks, under a new name.

The copy is made through the same control-plane calls a person would use (CreateCluster,
RegisterContainerInstance, StartTask on the matching copy of each instance), so the sandbox obeys
every rule the original does. Events are the copy's own, starting from its creation.
"""

from __future__ import annotations

from django.db import transaction

from ecsviz.errors import EcsError, InvalidParameterException
from ecsviz.live.grid import LIVE_INSTANCE_STATES
from ecsviz.models import Cluster, ContainerInstance, Task
from ecsviz.services.clusters import cluster_create, cluster_get
from ecsviz.services.instances import (
    container_instance_register,
    container_instances_update_state,
)
from ecsviz.services.tasks import task_start


def copy_instance(sandbox: Cluster, instance: ContainerInstance) -> ContainerInstance:
    """The same type, zone, registered figures, reserved ports and custom attributes."""
    return container_instance_register(
        cluster=sandbox.name,
        instance_type=instance.instance_type,
        availability_zone=instance.availability_zone,
        cpu=instance.registered_cpu,
        memory=instance.registered_memory,
        reserved_ports=instance.registered_ports,
        reserved_ports_udp=instance.registered_ports_udp,
        custom_attributes=instance.custom_attributes,
        agent_connected=instance.agent_connected,
    )


def copy_tasks(sandbox: Cluster, source: ContainerInstance, copy: ContainerInstance) -> int:
    """StartTask each running task of `source` on `copy`; returns how many could not be copied."""
    skipped = 0
    tasks = Task.objects.filter(container_instance=source, desired_status="RUNNING")
    for task in tasks.select_related("task_definition").order_by("created_at", "id"):
        try:
            result = task_start(
                cluster=sandbox,
                task_definition=task.task_definition,
                container_instances=[copy],
                group=task.group,
                started_by=task.started_by,
                overrides=task.overrides or None,
            )
        except EcsError:
            # awsvpc tasks need the network configuration RunTask was given, which is not kept.
            skipped += 1
            continue
        skipped += len(result.failures)
    return skipped


@transaction.atomic
def cluster_fork(*, cluster: Cluster, name: str) -> Cluster:
    """A new ACTIVE cluster copying `cluster`'s live instances and running tasks."""
    source = cluster_get(identifier=cluster)
    if Cluster.objects.filter(name=name).exists():
        raise InvalidParameterException(f"A cluster named {name} already exists.")
    sandbox = cluster_create(name=name)
    sandbox.forked_from = source
    sandbox.save(update_fields=["forked_from"])
    skipped = 0
    instances = ContainerInstance.objects.filter(cluster=source, status__in=LIVE_INSTANCE_STATES)
    for instance in instances.order_by("availability_zone", "registered_at", "id"):
        copy = copy_instance(sandbox, instance)
        skipped += copy_tasks(sandbox, instance, copy)
        if instance.status == ContainerInstance.Status.DRAINING:
            container_instances_update_state(
                cluster=sandbox, container_instances=[copy], status="DRAINING"
            )
    sandbox.record_event(
        "cluster.forked",
        f"Sandbox copy of {source.name}"
        + (f"; {skipped} task(s) could not be copied." if skipped else "."),
        {"source": source.name},
    )
    return sandbox
