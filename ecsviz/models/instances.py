from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from ecsviz import arns

# Ports the ECS agent reserves on every Linux instance (ECS_RESERVED_PORTS default): SSH, Docker,
# Docker TLS, agent introspection, task metadata / credentials endpoint.
DEFAULT_RESERVED_PORTS = [22, 2375, 2376, 51678, 51679]

# Registered memory is below the EC2 size: the kernel and agent keep some. 1.85% fits AWS's own
# examples (c4.large 3840 -> 3768 MiB, c4.4xlarge 30720 -> 30158 MiB, m4.large 8192 -> 7985 MiB
# within 1%).
MEMORY_OVERHEAD_FRACTION = 0.0185

# The kernel's ephemeral range on the ECS-optimised AMI, where the agent picks dynamic host ports.
DEFAULT_DYNAMIC_PORT_RANGE = (32768, 60999)


class InstanceType(models.Model):
    """An EC2 instance type from the catalog in data/instance_types.json."""

    class Architecture(models.TextChoices):
        X86_64 = "x86_64"
        ARM64 = "arm64"

    name = models.CharField(max_length=32, unique=True)
    family = models.CharField(max_length=16)
    vcpus = models.PositiveIntegerField()
    memory_mib = models.PositiveIntegerField()
    max_enis = models.PositiveIntegerField()
    architecture = models.CharField(max_length=8, choices=Architecture.choices)
    price_per_hour = models.DecimalField(max_digits=8, decimal_places=4)

    class Meta:
        ordering = ["family", "vcpus", "memory_mib"]

    def __str__(self) -> str:
        return self.name

    @property
    def registered_cpu(self) -> int:
        """CPU units the agent registers: 1,024 per vCPU."""
        return self.vcpus * 1024

    def registered_memory(self, reserved_memory: int = 0) -> int:
        """MiB the agent registers: the type's memory less kernel overhead and ECS_RESERVED_MEMORY."""
        return int(self.memory_mib * (1 - MEMORY_OVERHEAD_FRACTION)) - reserved_memory


class ContainerInstance(models.Model):
    """An EC2 instance registered into a cluster by its ECS agent."""

    class Status(models.TextChoices):
        REGISTERING = "REGISTERING"
        REGISTRATION_FAILED = "REGISTRATION_FAILED"
        ACTIVE = "ACTIVE"
        DRAINING = "DRAINING"
        DEREGISTERING = "DEREGISTERING"
        INACTIVE = "INACTIVE"

    cluster = models.ForeignKey(
        "ecsviz.Cluster", on_delete=models.CASCADE, related_name="container_instances"
    )
    instance_id = models.CharField(max_length=36, unique=True)
    ec2_instance_id = models.CharField(max_length=32)
    instance_type = models.CharField(max_length=32)
    availability_zone = models.CharField(max_length=32)
    ami_id = models.CharField(max_length=32)
    os_type = models.CharField(max_length=16, default="linux")
    cpu_architecture = models.CharField(max_length=8, default="x86_64")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=255, blank=True)
    agent_connected = models.BooleanField(default=True)
    agent_version = models.CharField(max_length=32, default="1.89.0")
    registered_at = models.DateTimeField()

    registered_cpu = models.IntegerField()
    registered_memory = models.IntegerField()
    remaining_cpu = models.IntegerField()
    remaining_memory = models.IntegerField()
    # PORTS / PORTS_UDP: registered = the agent's reserved ports; remaining = those plus every static
    # host port a task holds (ECS reports "remaining" ports as the set already taken).
    registered_ports = models.JSONField(default=list)
    registered_ports_udp = models.JSONField(default=list)
    remaining_ports = models.JSONField(default=list)
    remaining_ports_udp = models.JSONField(default=list)
    max_enis = models.PositiveIntegerField(default=3)
    # The primary ENI counts toward the type's limit, so an instance starts with one in use.
    enis_in_use = models.PositiveIntegerField(default=1)
    dynamic_port_first = models.PositiveIntegerField(default=DEFAULT_DYNAMIC_PORT_RANGE[0])
    dynamic_port_last = models.PositiveIntegerField(default=DEFAULT_DYNAMIC_PORT_RANGE[1])
    # The agent scans upward from the last dynamic port it handed out.
    last_dynamic_port = models.PositiveIntegerField(null=True, blank=True)

    # Built-in and capability attributes (ecs.*, com.amazonaws.ecs.capability.*): name -> value or
    # None for name-only capabilities. Custom attributes (PutAttributes, at most 10) separately.
    attributes = models.JSONField(default=dict)
    custom_attributes = models.JSONField(default=dict, blank=True)
    # Bumped on every write, so a writer that read an older row can detect the conflict.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["cluster", "availability_zone", "registered_at", "id"]
        indexes = [models.Index(fields=["cluster", "status"], name="instance_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(remaining_cpu__gte=0), name="remaining_cpu_gte_0"),
            models.CheckConstraint(
                condition=Q(remaining_memory__gte=0), name="remaining_memory_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(remaining_cpu__lte=F("registered_cpu")),
                name="remaining_cpu_lte_registered",
            ),
            models.CheckConstraint(
                condition=Q(remaining_memory__lte=F("registered_memory")),
                name="remaining_memory_lte_registered",
            ),
            models.CheckConstraint(
                condition=Q(enis_in_use__lte=F("max_enis")), name="enis_in_use_lte_max"
            ),
            models.CheckConstraint(
                condition=Q(dynamic_port_first__lte=F("dynamic_port_last")),
                name="dynamic_port_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ec2_instance_id} ({self.instance_type}, {self.availability_zone})"

    @property
    def arn(self) -> str:
        return arns.container_instance_arn(self.cluster.name, self.instance_id)

    @property
    def reserved_cpu(self) -> int:
        return self.registered_cpu - self.remaining_cpu

    @property
    def reserved_memory(self) -> int:
        return self.registered_memory - self.remaining_memory

    @property
    def all_attributes(self) -> dict[str, str | None]:
        """Built-in and custom attributes together, as placement and the query language see them."""
        return {**self.attributes, **self.custom_attributes}

    @property
    def accepts_placements(self) -> bool:
        """Only ACTIVE instances with a connected agent take new tasks."""
        return self.status == self.Status.ACTIVE and self.agent_connected
