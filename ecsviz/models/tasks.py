from __future__ import annotations

from django.db import models

from ecsviz import arns


class Task(models.Model):
    """A running (or once running) copy of a task definition, standalone or owned by a service."""

    class Status(models.TextChoices):
        # The lifecycle in order (ECS developer guide, "Task lifecycle").
        PROVISIONING = "PROVISIONING"
        PENDING = "PENDING"
        ACTIVATING = "ACTIVATING"
        RUNNING = "RUNNING"
        DEACTIVATING = "DEACTIVATING"
        STOPPING = "STOPPING"
        DEPROVISIONING = "DEPROVISIONING"
        STOPPED = "STOPPED"

    class DesiredStatus(models.TextChoices):
        RUNNING = "RUNNING"
        STOPPED = "STOPPED"

    class LaunchType(models.TextChoices):
        EC2 = "EC2"
        FARGATE = "FARGATE"
        EXTERNAL = "EXTERNAL"

    class StopCode(models.TextChoices):
        TASK_FAILED_TO_START = "TaskFailedToStart"
        ESSENTIAL_CONTAINER_EXITED = "EssentialContainerExited"
        USER_INITIATED = "UserInitiated"
        SERVICE_SCHEDULER_INITIATED = "ServiceSchedulerInitiated"
        SPOT_INTERRUPTION = "SpotInterruption"
        TERMINATION_NOTICE = "TerminationNotice"

    task_id = models.CharField(max_length=32, unique=True)
    # Neither foreign key needs an index of its own: the composite indexes below lead with it,
    # and every task written would otherwise update two more indexes.
    cluster = models.ForeignKey(
        "ecsviz.Cluster", on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    # None for Fargate tasks, and for tasks orphaned by a forced deregistration.
    container_instance = models.ForeignKey(
        "ecsviz.ContainerInstance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        db_index=False,
    )
    task_definition = models.ForeignKey(
        "ecsviz.TaskDefinition", on_delete=models.PROTECT, related_name="tasks"
    )
    service = models.ForeignKey(
        "ecsviz.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    group = models.CharField(max_length=255)
    started_by = models.CharField(max_length=128, blank=True)
    launch_type = models.CharField(max_length=16, choices=LaunchType.choices, default="EC2")
    availability_zone = models.CharField(max_length=32, blank=True)
    last_status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    desired_status = models.CharField(
        max_length=8, choices=DesiredStatus.choices, default=DesiredStatus.RUNNING
    )
    stop_code = models.CharField(max_length=32, choices=StopCode.choices, blank=True)
    stopped_reason = models.CharField(max_length=1024, blank=True)

    # What the task holds on its instance, released when it stops.
    cpu = models.PositiveIntegerField(default=0)
    memory = models.PositiveIntegerField(default=0)
    static_ports = models.JSONField(default=list, blank=True)
    static_ports_udp = models.JSONField(default=list, blank=True)
    uses_eni = models.BooleanField(default=False)
    # [{containerName, containerPort, hostPort, protocol, bindIP}] as ECS reports them.
    network_bindings = models.JSONField(default=list, blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # The engine's explanation of why this instance was chosen (scores, seed).
    placement = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopping_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # When the simulation clock moves the task to its next state (indexed with the cluster).
    next_transition_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["cluster", "created_at", "id"]
        indexes = [
            models.Index(fields=["cluster", "desired_status"], name="task_desired_idx"),
            models.Index(fields=["container_instance", "desired_status"], name="task_instance_idx"),
            # Every API call asks which clusters have tasks due, and RunTask which of its own are:
            # with the cluster first, both databases range over exactly those rows even without
            # statistics (alone, next_transition_at lost to the cluster_id index's row scan).
            models.Index(fields=["cluster", "next_transition_at"], name="task_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_definition} {self.task_id[:8]} {self.last_status}"

    @property
    def arn(self) -> str:
        return arns.task_arn(self.cluster.name, self.task_id)

    @property
    def holds_resources(self) -> bool:
        """A task keeps its reservation until it has stopped."""
        return self.last_status != self.Status.STOPPED and self.container_instance_id is not None
