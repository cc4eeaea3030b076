from __future__ import annotations

from django.db import models
from django.db.models import Q

from ecsviz import arns


def default_deployment_configuration() -> dict:
    """ECS's defaults for a REPLICA service."""
    return {"maximumPercent": 200, "minimumHealthyPercent": 100}


class Service(models.Model):
    """A service keeps a desired number of copies of a task definition running."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        DRAINING = "DRAINING"
        INACTIVE = "INACTIVE"

    class SchedulingStrategy(models.TextChoices):
        REPLICA = "REPLICA"
        DAEMON = "DAEMON"

    cluster = models.ForeignKey("ecsviz.Cluster", on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=255)
    task_definition = models.ForeignKey(
        "ecsviz.TaskDefinition", on_delete=models.PROTECT, related_name="services"
    )
    desired_count = models.PositiveIntegerField(default=0)
    launch_type = models.CharField(max_length=16, default="EC2")
    scheduling_strategy = models.CharField(
        max_length=8, choices=SchedulingStrategy.choices, default=SchedulingStrategy.REPLICA
    )
    placement_strategy = models.JSONField(default=list, blank=True)
    placement_constraints = models.JSONField(default=list, blank=True)
    deployment_configuration = models.JSONField(default=default_deployment_configuration)
    load_balancers = models.JSONField(default=list, blank=True)
    network_configuration = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["cluster", "name"]
        constraints = [
            # A name is free again only once the old service is INACTIVE.
            models.UniqueConstraint(
                fields=["cluster", "name"],
                condition=Q(status__in=["ACTIVE", "DRAINING"]),
                name="service_name_unique_while_live",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cluster.name}/{self.name}"

    @property
    def arn(self) -> str:
        return arns.service_arn(self.cluster.name, self.name)

    @property
    def group(self) -> str:
        """The task group of every task of this service; it cannot be changed."""
        return f"service:{self.name}"

    def task_counts(self) -> tuple[int, int]:
        """(runningCount, pendingCount) as ECS reports them, from the service's live tasks."""
        live = self.tasks.filter(desired_status="RUNNING")
        return (
            live.filter(last_status="RUNNING").count(),
            live.filter(last_status="PENDING").count(),
        )
