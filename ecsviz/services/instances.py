from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from ecsviz import arns
from ecsviz.errors import AttributeLimitExceededException, InvalidParameterException
from ecsviz.models import Cluster, ContainerInstance, InstanceType, Task
from ecsviz.models.instances import DEFAULT_RESERVED_PORTS
from ecsviz.services.clusters import cluster_get
from ecsviz.validation import check_attribute

CUSTOM_ATTRIBUTE_LIMIT = 10

# The ECS-optimised AMIs the simulator hands out when none is given, by CPU architecture.
DEFAULT_AMI = {"x86_64": "ami-0ecs0a1b2c3d4e5f6", "arm64": "ami-0ecsarm64b2c3d4e5"}

# What the ECS-optimised AMI's agent advertises (ecs-init turns these on): the logging drivers of
# ECS_AVAILABLE_LOGGING_DRIVERS, task IAM roles, awsvpc ENIs and the usual Docker API versions.
CAPABILITY_ATTRIBUTES = [
    *(
        f"com.amazonaws.ecs.capability.logging-driver.{driver}"
        for driver in ("json-file", "syslog", "awslogs", "fluentd", "none")
    ),
    *(
        f"com.amazonaws.ecs.capability.docker-remote-api.1.{minor}"
        for minor in (17, 18, 19, 20, 21, 22, 23, 24, 25, 29, 30, 31, 32, 44)
    ),
    "com.amazonaws.ecs.capability.task-iam-role",
    "com.amazonaws.ecs.capability.task-iam-role-network-host",
    "com.amazonaws.ecs.capability.privileged-container",
    "ecs.capability.task-eni",
    "ecs.capability.execution-role-awslogs",
    "ecs.capability.container-health-check",
]


def new_ec2_instance_id() -> str:
    """An EC2-style instance id: `i-` and 17 hex digits."""
    return "i-" + secrets.token_hex(9)[:17]


def builtin_attributes(
    *, instance_type: str, availability_zone: str, ami_id: str, architecture: str
) -> dict[str, str | None]:
    """The attributes ECS sets at registration, plus the agent's capabilities (name only)."""
    attributes: dict[str, str | None] = {
        "ecs.availability-zone": availability_zone,
        "ecs.instance-type": instance_type,
        "ecs.ami-id": ami_id,
        "ecs.os-type": "linux",
        "ecs.os-family": "LINUX",
        "ecs.cpu-architecture": architecture,
    }
    attributes.update(dict.fromkeys(CAPABILITY_ATTRIBUTES))
    return attributes


def check_custom_attributes(attributes: dict[str, str | None]) -> None:
    """At most ten custom attributes, each with a valid name and value."""
    for name, value in attributes.items():
        check_attribute(name, value, exception=InvalidParameterException)
    if len(attributes) > CUSTOM_ATTRIBUTE_LIMIT:
        raise AttributeLimitExceededException(
            f"You can have at most {CUSTOM_ATTRIBUTE_LIMIT} custom attributes per resource."
        )


def catalog_type(name: str) -> InstanceType:
    """The catalog entry of an instance type, or ECS's error for a type it does not know."""
    try:
        return InstanceType.objects.get(name=name)
    except InstanceType.DoesNotExist:
        raise InvalidParameterException(f"Instance type '{name}' is not supported.") from None


@transaction.atomic
def container_instance_register(
    *,
    cluster: str | None,
    instance_type: str,
    availability_zone: str,
    ec2_instance_id: str | None = None,
    ami_id: str | None = None,
    cpu: int | None = None,
    memory: int | None = None,
    reserved_ports: list[int] | None = None,
    reserved_ports_udp: list[int] | None = None,
    reserved_memory: int = 0,
    custom_attributes: dict[str, str | None] | None = None,
    capability_attributes: dict[str, str | None] | None = None,
    agent_connected: bool = True,
    registered_at: datetime | None = None,
) -> ContainerInstance:
    """Register an EC2 instance into a cluster, as its ECS agent would.

    What the caller leaves out comes from the instance-type catalog: CPU = vCPUs x 1,024, MEMORY =
    the type's memory less kernel overhead and `reserved_memory`, PORTS = the agent's defaults.
    `capability_attributes` (ecs.* and com.amazonaws.ecs.* names an agent reports) are added to
    the built-in ones; `custom_attributes` count toward the limit of ten.
    """
    target = cluster_get(identifier=cluster, for_update=True)
    catalog = catalog_type(instance_type)
    custom = dict(custom_attributes or {})
    check_custom_attributes(custom)
    registered_memory = memory if memory is not None else catalog.registered_memory(reserved_memory)
    registered_cpu = cpu if cpu is not None else catalog.registered_cpu
    if registered_memory <= 0 or registered_cpu <= 0:
        raise InvalidParameterException(
            "Registered CPU and memory must be positive: reserved memory is higher than the "
            "available memory on the host."
        )
    ports = sorted(set(DEFAULT_RESERVED_PORTS if reserved_ports is None else reserved_ports))
    ports_udp = sorted(set(reserved_ports_udp or []))
    ami = ami_id or DEFAULT_AMI[catalog.architecture]
    instance = ContainerInstance.objects.create(
        cluster=target,
        instance_id=uuid.uuid4().hex,
        ec2_instance_id=ec2_instance_id or new_ec2_instance_id(),
        instance_type=catalog.name,
        availability_zone=availability_zone,
        ami_id=ami,
        cpu_architecture=catalog.architecture,
        agent_connected=agent_connected,
        registered_at=registered_at or timezone.now(),
        registered_cpu=registered_cpu,
        registered_memory=registered_memory,
        remaining_cpu=registered_cpu,
        remaining_memory=registered_memory,
        registered_ports=ports,
        remaining_ports=ports,
        registered_ports_udp=ports_udp,
        remaining_ports_udp=ports_udp,
        max_enis=catalog.max_enis,
        attributes=builtin_attributes(
            instance_type=catalog.name,
            availability_zone=availability_zone,
            ami_id=ami,
            architecture=catalog.architecture,
        )
        | (capability_attributes or {}),
        custom_attributes=custom,
    )
    target.record_event(
        "instance.registered",
        f"Container instance {instance.ec2_instance_id} ({catalog.name}) registered in "
        f"{availability_zone}.",
        {"instance": instance.instance_id, "instances": [instance.instance_id]},
    )
    return instance


class UpdateStateResult(NamedTuple):
    """UpdateContainerInstancesState's answer: the instances changed and the ones not found."""

    container_instances: list[ContainerInstance]
    failures: list[dict]


def container_instances_find(
    *, cluster: Cluster, identifiers: Iterable[str | ContainerInstance], for_update: bool = False
) -> tuple[list[ContainerInstance], list[str]]:
    """The cluster's instances named by id, ARN or row, in request order, and the names not found."""
    wanted = [
        item.instance_id if isinstance(item, ContainerInstance) else arns.resource_id(item)
        for item in identifiers
    ]
    queryset = (
        ContainerInstance.objects.select_for_update() if for_update else ContainerInstance.objects
    )
    rows = queryset.filter(cluster=cluster, instance_id__in=wanted).order_by("id")
    by_id = {row.instance_id: row for row in rows}
    found = [by_id[key] for key in dict.fromkeys(wanted) if key in by_id]
    missing = [key for key in dict.fromkeys(wanted) if key not in by_id]
    return found, missing


def missing_failure(cluster: Cluster, instance_id: str, reason: str = "MISSING") -> dict:
    """A `failures` entry for an instance the request named but ECS could not use."""
    return {"arn": arns.container_instance_arn(cluster.name, instance_id), "reason": reason}


@transaction.atomic
def container_instances_update_state(
    *, cluster: str | Cluster, container_instances: list[str | ContainerInstance], status: str
) -> UpdateStateResult:
    """Set instances DRAINING (no new tasks; standalone tasks are left alone) or back to ACTIVE."""
    target = cluster_get(identifier=cluster, for_update=True)
    if status not in ("ACTIVE", "DRAINING"):
        raise InvalidParameterException("Container instance status must be ACTIVE or DRAINING.")
    if len(container_instances) > 10:
        raise InvalidParameterException("containerInstances can have at most 10 items.")
    found, missing = container_instances_find(
        cluster=target, identifiers=container_instances, for_update=True
    )
    failures = [missing_failure(target, key) for key in missing]
    changed = []
    for instance in found:
        if instance.status not in ("ACTIVE", "DRAINING"):
            failures.append(missing_failure(target, instance.instance_id, instance.status))
            continue
        if instance.status != status:
            instance.status = status
            instance.version += 1
            instance.save(update_fields=["status", "version"])
            changed.append(instance)
    if changed:
        ids = [instance.instance_id for instance in changed]
        names = ", ".join(instance.ec2_instance_id for instance in changed)
        target.record_event(
            f"instance.{status.lower()}", f"{names} set to {status}.", {"instances": ids}
        )
    return UpdateStateResult([i for i in found if i.status == status], failures)


@transaction.atomic
def container_instance_deregister(
    *, cluster: str | Cluster, container_instance: str | ContainerInstance, force: bool = False
) -> ContainerInstance:
    """Take an instance out of the cluster: INACTIVE at once.

    With tasks still on it ECS refuses unless `force`; forced, its tasks are orphaned (they keep
    running on the EC2 instance, outside the cluster's accounting).
    """
    target = cluster_get(identifier=cluster, for_update=True)
    found, _ = container_instances_find(
        cluster=target, identifiers=[container_instance], for_update=True
    )
    if not found or found[0].status == ContainerInstance.Status.INACTIVE:
        raise InvalidParameterException("The referenced container instance was not found.")
    instance = found[0]
    live = Task.objects.filter(container_instance=instance).exclude(last_status="STOPPED")
    task_ids = list(live.values_list("task_id", flat=True))
    if task_ids and not force:
        raise InvalidParameterException(
            "Found running tasks on the instance. Use force to deregister it anyway."
        )
    live.update(container_instance=None)
    instance.status = ContainerInstance.Status.INACTIVE
    instance.agent_connected = False
    instance.version += 1
    instance.save(update_fields=["status", "agent_connected", "version"])
    target.record_event(
        "instance.deregistered",
        f"Container instance {instance.ec2_instance_id} deregistered"
        + (f", orphaning {len(task_ids)} tasks." if task_ids else "."),
        {"instances": [instance.instance_id], "tasks": task_ids},
    )
    return instance
