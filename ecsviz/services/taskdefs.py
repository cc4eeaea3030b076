from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ecsviz import arns
from ecsviz.models import TaskDefinition
from ecsviz.taskdef_rules import normalise_task_definition, task_reservation

REGISTERED_BY = "arn:aws:iam::{account}:root"


@transaction.atomic
def task_definition_register(*, definition: dict, tags: list[dict] | None = None) -> TaskDefinition:
    """Validate and store the next revision of a family (revisions never repeat, even after
    deregistration)."""
    from django.conf import settings

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
    cpu, memory = task_reservation(body)
    return TaskDefinition.objects.create(
        family=family,
        revision=revision,
        definition=body,
        tags=tags or definition.get("tags") or [],
        network_mode=body["networkMode"],
        cpu_reservation=cpu,
        memory_reservation=memory,
        requires_compatibilities=body["requiresCompatibilities"],
    )
