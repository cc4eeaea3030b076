"""Custom attributes on container instances: PutAttributes and DeleteAttributes.

ECS's built-in attributes (`ecs.*`) and agent capabilities (`com.amazonaws.ecs.*`) are set at
registration; clients may only add, replace and remove their own, at most ten per instance.
"""

from __future__ import annotations

from django.db import transaction

from ecsviz import arns
from ecsviz.errors import InvalidParameterException, TargetNotFoundException
from ecsviz.models import Cluster, ContainerInstance
from ecsviz.services.clusters import cluster_get
from ecsviz.services.instances import check_custom_attributes, container_instances_find
from ecsviz.validation import check_attribute

TARGET_TYPE = "container-instance"
RESERVED_PREFIXES = ("ecs.", "com.amazonaws.ecs.")


def attribute_targets(cluster: Cluster, attributes: list[dict]) -> dict[str, ContainerInstance]:
    """The locked instances the attributes name, by the identifier each attribute used."""
    identifiers = []
    for attribute in attributes:
        if attribute.get("targetType", TARGET_TYPE) != TARGET_TYPE:
            raise InvalidParameterException(
                f"Invalid targetType '{attribute['targetType']}': only {TARGET_TYPE} is supported."
            )
        if not attribute.get("targetId"):
            raise InvalidParameterException("Attributes must specify a targetId.")
        identifiers.append(attribute["targetId"])
    found, missing = container_instances_find(
        cluster=cluster, identifiers=identifiers, for_update=True
    )
    live = [i for i in found if i.status != ContainerInstance.Status.INACTIVE]
    if missing or len(live) != len(found):
        gone = missing or [i.instance_id for i in found if i not in live]
        raise TargetNotFoundException(f"Could not find {gone[0]}.")
    by_id = {instance.instance_id: instance for instance in live}
    return {key: by_id[arns.resource_id(key)] for key in identifiers}


def check_not_reserved(name: str) -> None:
    if name.startswith(RESERVED_PREFIXES):
        raise InvalidParameterException(
            f"Attribute name '{name}' is reserved: names starting with ecs. or "
            "com.amazonaws.ecs. are set by ECS."
        )


def save_custom_attributes(cluster: Cluster, instances: list[ContainerInstance], kind: str) -> None:
    for instance in instances:
        instance.version += 1
        instance.save(update_fields=["custom_attributes", "version"])
    ids = [instance.instance_id for instance in instances]
    cluster.record_event(
        f"attributes.{kind}",
        f"Attributes {kind} on {len(ids)} container instance(s).",
        {"instances": ids},
    )


@transaction.atomic
def attributes_put(*, cluster: str | Cluster, attributes: list[dict]) -> list[dict]:
    """Create or replace custom attributes; ten per instance at most."""
    target = cluster_get(identifier=cluster, for_update=True)
    instances = attribute_targets(target, attributes)
    for attribute in attributes:
        check_attribute(
            attribute["name"], attribute.get("value"), exception=InvalidParameterException
        )
        check_not_reserved(attribute["name"])
        instance = instances[attribute["targetId"]]
        instance.custom_attributes[attribute["name"]] = attribute.get("value")
    changed = list({i.pk: i for i in instances.values()}.values())
    for instance in changed:
        check_custom_attributes(instance.custom_attributes)
    save_custom_attributes(target, changed, "put")
    return attributes


@transaction.atomic
def attributes_delete(*, cluster: str | Cluster, attributes: list[dict]) -> list[dict]:
    """Remove custom attributes (removing one that is not there is not an error)."""
    target = cluster_get(identifier=cluster, for_update=True)
    instances = attribute_targets(target, attributes)
    for attribute in attributes:
        check_not_reserved(attribute["name"])
        instances[attribute["targetId"]].custom_attributes.pop(attribute["name"], None)
    changed = list({i.pk: i for i in instances.values()}.values())
    save_custom_attributes(target, changed, "deleted")
    return attributes
