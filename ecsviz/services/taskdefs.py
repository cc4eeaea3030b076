from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ecsviz import arns
from ecsviz.errors import ClientException, EcsError
from ecsviz.models import TaskDefinition, sql
from ecsviz.taskdef_rules import normalise_task_definition
from placement import PlacementError, task_needs_from_definition

REGISTERED_BY = "arn:aws:iam::{account}:root"


@transaction.atomic
def task_definition_register(*, definition: dict, tags: list[dict] | None = None) -> TaskDefinition:
    """Validate and store the next revision of a family (revisions never repeat, even after
    deregistration)."""
    body = normalise_task_definition(definition)
    family = body["family"]
    # Lock the family's rows so two registrations cannot take the same revision number.
    list(TaskDefinition.objects.select_for_update().filter(family=family).values_list("pk"))
    latest = TaskDefinition.objects.filter(family=family).aggregate(Max("revision"))
    revision = (latest["revision__max"] or 0) + 1
    now = timezone.now()
    body.update(
        taskDefinitionArn=arns.task_definition_arn(family, revision),
        revision=revision,
        status="ACTIVE",
        registeredAt=now.timestamp(),
        registeredBy=REGISTERED_BY.format(account=settings.ECSVIZ_ACCOUNT_ID),
    )
    # What one task reserves: the engine's rule, so placement and the dashboard agree.
    try:
        needs = task_needs_from_definition(body)
    except PlacementError as error:
        raise ClientException(error.message) from None
    return TaskDefinition.objects.create(
        family=family,
        revision=revision,
        definition=body,
        tags=tags or definition.get("tags") or [],
        network_mode=body["networkMode"],
        cpu_reservation=needs.cpu,
        memory_reservation=needs.memory,
        requires_compatibilities=body["requiresCompatibilities"],
    )


def split_reference(reference: str) -> tuple[str, int | None]:
    """`family`, `family:revision` or a full ARN -> (family, revision or None)."""
    text = arns.resource_id(reference) if reference.startswith("arn:") else reference
    family, _, revision = text.partition(":")
    if revision and not revision.isdigit():
        return family, -1
    return family, int(revision) if revision else None


def task_definition_get(
    *,
    reference: str | TaskDefinition,
    exception: type[EcsError] = ClientException,
    message: str = "Unable to describe task definition.",
) -> TaskDefinition:
    """The revision a reference names; a bare family means its latest ACTIVE revision."""
    if isinstance(reference, TaskDefinition):
        return reference
    family, revision = split_reference(reference)
    # Every RunTask looks its revision up: plain statements, not the ORM's (ecsviz.models.sql).
    if revision is None:
        row = sql.first(
            TaskDefinition,
            "family = %s AND status = %s",
            [family, TaskDefinition.Status.ACTIVE.value],
            order_by="revision DESC",
        )
    else:
        row = sql.first(TaskDefinition, "family = %s AND revision = %s", [family, revision])
    if row is None:
        raise exception(message)
    return row


@transaction.atomic
def task_definition_deregister(*, reference: str) -> TaskDefinition:
    """Mark one revision INACTIVE: running tasks keep running, new ones may not use it."""
    family, revision = split_reference(reference)
    if revision is None:
        raise ClientException(
            "The task definition must be given with its revision: family:revision or its ARN."
        )
    row = (
        TaskDefinition.objects.select_for_update().filter(family=family, revision=revision).first()
    )
    if row is None:
        raise ClientException("The specified task definition does not exist.")
    if row.status == TaskDefinition.Status.ACTIVE:
        row.status = TaskDefinition.Status.INACTIVE
        row.deregistered_at = timezone.now()
        row.definition = {
            **row.definition,
            "status": "INACTIVE",
            "deregisteredAt": row.deregistered_at.timestamp(),
        }
        row.save(update_fields=["status", "deregistered_at", "definition"])
    return row
