"""RegisterTaskDefinition, DeregisterTaskDefinition, DescribeTaskDefinition,
ListTaskDefinitions, ListTaskDefinitionFamilies."""

from __future__ import annotations

from ecsviz.api import serializers
from ecsviz.api.pagination import paginate
from ecsviz.api.registry import Context, operation
from ecsviz.errors import InvalidParameterException
from ecsviz.models import TaskDefinition
from ecsviz.services import (
    task_definition_deregister,
    task_definition_get,
    task_definition_register,
)


def shape(row: TaskDefinition, context: Context) -> dict:
    body = serializers.task_definition(row)
    body["taskDefinitionArn"] = serializers.regional(body["taskDefinitionArn"], context.region)
    return body


@operation("RegisterTaskDefinition")
def register_task_definition(params: dict, context: Context) -> dict:
    row = task_definition_register(definition=params, tags=params.get("tags"))
    return {"taskDefinition": shape(row, context), "tags": row.tags}


@operation("DeregisterTaskDefinition")
def deregister_task_definition(params: dict, context: Context) -> dict:
    row = task_definition_deregister(reference=params["taskDefinition"])
    return {"taskDefinition": shape(row, context)}


@operation("DescribeTaskDefinition")
def describe_task_definition(params: dict, context: Context) -> dict:
    row = task_definition_get(reference=params["taskDefinition"])
    body = {"taskDefinition": shape(row, context)}
    if "TAGS" in (params.get("include") or []):
        body["tags"] = row.tags
    return body


def check_choice(params: dict, member: str, choices: tuple[str, ...], default: str) -> str:
    value = params.get(member) or default
    if value not in choices:
        raise InvalidParameterException(f"{member} must be one of {', '.join(choices)}.")
    return value


@operation("ListTaskDefinitions")
def list_task_definitions(params: dict, context: Context) -> dict:
    """ARNs sorted by family then revision; `familyPrefix` names one family exactly, as in ECS."""
    status = check_choice(params, "status", ("ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"), "ACTIVE")
    order = check_choice(params, "sort", ("ASC", "DESC"), "ASC")
    rows = TaskDefinition.objects.filter(status=status)
    if params.get("familyPrefix"):
        rows = rows.filter(family=params["familyPrefix"])
    fields = ["family", "revision"] if order == "ASC" else ["-family", "-revision"]
    page, token = paginate(rows.order_by(*fields).values_list("family", "revision"), params)
    arn_list = [
        serializers.regional(TaskDefinition(family=f, revision=r).arn, context.region)
        for f, r in page
    ]
    return {"taskDefinitionArns": arn_list, **token}


@operation("ListTaskDefinitionFamilies")
def list_task_definition_families(params: dict, context: Context) -> dict:
    """Families by prefix; ACTIVE ones have an ACTIVE revision, INACTIVE ones have none."""
    status = check_choice(params, "status", ("ACTIVE", "INACTIVE", "ALL"), "ACTIVE")
    rows = TaskDefinition.objects.all()
    if params.get("familyPrefix"):
        rows = rows.filter(family__startswith=params["familyPrefix"])
    active = set(rows.filter(status="ACTIVE").values_list("family", flat=True))
    families = sorted(set(rows.values_list("family", flat=True)))
    if status == "ACTIVE":
        families = [f for f in families if f in active]
    elif status == "INACTIVE":
        families = [f for f in families if f not in active]
    page, token = paginate(families, params)
    return {"families": page, **token}
