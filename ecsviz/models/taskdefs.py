from __future__ import annotations

from django.db import models

from ecsviz import arns


class TaskDefinition(models.Model):
    """One revision of a task-definition family, with the JSON it was registered with.

    Task definitions belong to the account and region, not to a cluster. The fields next to the JSON
    are the normalised values placement and the dashboard need, so neither re-parses the JSON.
    """

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        INACTIVE = "INACTIVE"
        DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"

    family = models.CharField(max_length=255)
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.ACTIVE)
    registered_at = models.DateTimeField(auto_now_add=True)
    deregistered_at = models.DateTimeField(null=True, blank=True)
    # The taskDefinition object as DescribeTaskDefinition returns it (defaults filled in).
    definition = models.JSONField()
    tags = models.JSONField(default=list, blank=True)

    network_mode = models.CharField(max_length=8, default="bridge")
    # What one task reserves on an instance: CPU units and MiB by ECS's memoryReservation rule.
    cpu_reservation = models.PositiveIntegerField(default=0)
    memory_reservation = models.PositiveIntegerField(default=0)
    requires_compatibilities = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["family", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["family", "revision"], name="taskdef_family_revision")
        ]

    def __str__(self) -> str:
        return f"{self.family}:{self.revision}"

    @property
    def arn(self) -> str:
        return arns.task_definition_arn(self.family, self.revision)

    @property
    def container_definitions(self) -> list[dict]:
        return self.definition.get("containerDefinitions", [])
