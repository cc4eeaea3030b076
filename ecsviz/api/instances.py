"""RegisterContainerInstance, DeregisterContainerInstance, DescribeContainerInstances,
ListContainerInstances, UpdateContainerInstancesState."""

from __future__ import annotations

import json

from ecsviz import arns
from ecsviz.api import serializers
from ecsviz.api.pagination import paginate
from ecsviz.api.registry import Context, operation
from ecsviz.errors import InvalidParameterException
from ecsviz.models import ContainerInstance
from ecsviz.services import (
    cluster_get,
    container_instance_deregister,
    container_instance_register,
    container_instances_find,
    container_instances_update_state,
)
from ecsviz.services.attributes import RESERVED_PREFIXES
from placement.adapters import QueryError, filter_instances

# What the agent reports in totalResources, as container_instance_register's arguments.
RESOURCE_ARGUMENTS = {
    "CPU": ("cpu", "integerValue"),
    "MEMORY": ("memory", "integerValue"),
    "PORTS": ("reserved_ports", "stringSetValue"),
    "PORTS_UDP": ("reserved_ports_udp", "stringSetValue"),
}


def identity_document(params: dict) -> dict:
    """The instance identity document: the agent's account of the EC2 instance."""
    try:
        document = json.loads(params.get("instanceIdentityDocument") or "{}")
    except ValueError:
        raise InvalidParameterException("instanceIdentityDocument is not valid JSON.") from None
    if not isinstance(document, dict) or not document.get("instanceType"):
        raise InvalidParameterException(
            "instanceIdentityDocument must give at least instanceType and availabilityZone."
        )
    return document


def resource_arguments(resources: list[dict]) -> dict:
    arguments = {}
    for item in resources:
        if item["name"] not in RESOURCE_ARGUMENTS:
            continue
        argument, member = RESOURCE_ARGUMENTS[item["name"]]
        value = item.get(member)
        if member == "stringSetValue":
            try:
                value = [int(port) for port in value or []]
            except ValueError:
                raise InvalidParameterException(f"{item['name']} must list port numbers.") from None
        arguments[argument] = value
    return arguments


def split_attributes(attributes: list[dict]) -> dict:
    """Agent capabilities (ecs.*, com.amazonaws.ecs.*) extend the built-ins; others are custom."""
    capability, custom = {}, {}
    for item in attributes:
        target = capability if item["name"].startswith(RESERVED_PREFIXES) else custom
        target[item["name"]] = item.get("value")
    return {"capability_attributes": capability, "custom_attributes": custom}


@operation("RegisterContainerInstance")
def register_container_instance(params: dict, context: Context) -> dict:
    document = identity_document(params)
    row = container_instance_register(
        cluster=params.get("cluster"),
        instance_type=document["instanceType"],
        availability_zone=document.get("availabilityZone") or f"{context.region}a",
        ec2_instance_id=document.get("instanceId"),
        ami_id=document.get("imageId"),
        **resource_arguments(params.get("totalResources") or []),
        **split_attributes(params.get("attributes") or []),
    )
    # A new instance has no tasks yet: its counts are zero, with no need to read it back.
    return {"containerInstance": serializers.container_instance(row, context.region)}


def instance_shape(pk: int, context: Context) -> dict:
    row = serializers.with_task_counts(ContainerInstance.objects.filter(pk=pk)).get()
    return serializers.container_instance(row, context.region)


@operation("DeregisterContainerInstance")
def deregister_container_instance(params: dict, context: Context) -> dict:
    row = container_instance_deregister(
        cluster=params.get("cluster"),
        container_instance=params["containerInstance"],
        force=bool(params.get("force")),
    )
    return {"containerInstance": instance_shape(row.pk, context)}


@operation("DescribeContainerInstances")
def describe_container_instances(params: dict, context: Context) -> dict:
    cluster = cluster_get(identifier=params.get("cluster"))
    if len(params["containerInstances"]) > 100:
        raise InvalidParameterException("containerInstances can have at most 100 items.")
    found, missing = container_instances_find(
        cluster=cluster, identifiers=params["containerInstances"]
    )
    rows = serializers.with_task_counts(
        ContainerInstance.objects.filter(pk__in=[r.pk for r in found])
    )
    by_pk = {row.pk: row for row in rows}
    return {
        "containerInstances": [
            serializers.container_instance(by_pk[r.pk], context.region) for r in found
        ],
        "failures": [
            {
                "arn": arns.container_instance_arn(cluster.name, key, context.region),
                "reason": "MISSING",
            }
            for key in missing
        ],
    }


@operation("ListContainerInstances")
def list_container_instances(params: dict, context: Context) -> dict:
    """Instances by status (all but INACTIVE by default) and a cluster-query `filter`."""
    cluster = cluster_get(identifier=params.get("cluster"))
    rows = ContainerInstance.objects.filter(cluster=cluster).order_by("pk")
    status = params.get("status")
    if status and status not in ContainerInstance.Status.values:
        raise InvalidParameterException(f"Invalid container instance status '{status}'.")
    if status:
        rows = rows.filter(status=status)
    else:
        rows = rows.exclude(status=ContainerInstance.Status.INACTIVE)
    selected = list(rows)
    if params.get("filter"):
        try:
            selected = filter_instances(selected, params["filter"])
        except QueryError as error:
            raise InvalidParameterException(str(error)) from None
    page, token = paginate(selected, params)
    arn_list = [
        arns.container_instance_arn(cluster.name, r.instance_id, context.region) for r in page
    ]
    return {"containerInstanceArns": arn_list, **token}


@operation("UpdateContainerInstancesState")
def update_container_instances_state(params: dict, context: Context) -> dict:
    result = container_instances_update_state(
        cluster=params.get("cluster"),
        container_instances=params["containerInstances"],
        status=params["status"],
    )
    rows = serializers.with_task_counts(
        ContainerInstance.objects.filter(pk__in=[r.pk for r in result.container_instances])
    )
    return {
        "containerInstances": [serializers.container_instance(r, context.region) for r in rows],
        "failures": [
            {**failure, "arn": serializers.regional(failure["arn"], context.region)}
            for failure in result.failures
        ],
    }
