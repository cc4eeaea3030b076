"""PutAttributes, DeleteAttributes, ListAttributes (container-instance targets)."""

from __future__ import annotations

from ecsviz import arns
from ecsviz.api.pagination import paginate
from ecsviz.api.registry import Context, operation
from ecsviz.errors import InvalidParameterException
from ecsviz.models import ContainerInstance
from ecsviz.services import attributes_delete, attributes_put, cluster_get
from ecsviz.services.attributes import TARGET_TYPE


def echo(attributes: list[dict], cluster_name: str, region: str) -> list[dict]:
    """The attributes as ECS answers them: targetId as the instance's ARN."""
    return [
        {
            **attribute,
            "targetType": TARGET_TYPE,
            "targetId": arns.container_instance_arn(
                cluster_name, arns.resource_id(attribute["targetId"]), region
            ),
        }
        for attribute in attributes
    ]


@operation("PutAttributes")
def put_attributes(params: dict, context: Context) -> dict:
    cluster = cluster_get(identifier=params.get("cluster"))
    attributes = attributes_put(cluster=cluster, attributes=params["attributes"])
    return {"attributes": echo(attributes, cluster.name, context.region)}


@operation("DeleteAttributes")
def delete_attributes(params: dict, context: Context) -> dict:
    cluster = cluster_get(identifier=params.get("cluster"))
    attributes = attributes_delete(cluster=cluster, attributes=params["attributes"])
    return {"attributes": echo(attributes, cluster.name, context.region)}


@operation("ListAttributes")
def list_attributes(params: dict, context: Context) -> dict:
    """Every attribute (built-in and custom) of the cluster's instances, optionally by name/value."""
    cluster = cluster_get(identifier=params.get("cluster"))
    if params["targetType"] != TARGET_TYPE:
        raise InvalidParameterException(f"targetType must be {TARGET_TYPE}.")
    name, value = params.get("attributeName"), params.get("attributeValue")
    if value is not None and name is None:
        raise InvalidParameterException("attributeValue requires attributeName.")
    rows = (
        ContainerInstance.objects.filter(cluster=cluster)
        .exclude(status=ContainerInstance.Status.INACTIVE)
        .order_by("pk")
    )
    found = [
        {"name": key, "value": val, "targetId": row.instance_id}
        for row in rows
        for key, val in sorted(row.all_attributes.items())
        if (name is None or key == name) and (value is None or val == value)
    ]
    page, token = paginate(found, params)
    return {"attributes": echo(page, cluster.name, context.region), **token}
