"""Rows as the ECS API's output shapes (botocore's `Cluster`, `ContainerInstance`, `Task`, ...).

Every ARN is built for the region the client signed for. Timestamps stay datetimes here; the
encoder writes them as epoch seconds.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from ecsviz import arns
from ecsviz.models import Cluster, ContainerInstance, Task, TaskDefinition
from ecsviz.services.clusters import LIVE_INSTANCE_STATES

AGENT_HASH = "ecsviz"
DOCKER_VERSION = "DockerVersion: 25.0.8"


def regional(arn: str, region: str) -> str:
    """An ARN the control plane built, moved into the region the client signed for."""
    parts = arn.split(":", 5)
    parts[3] = region
    return ":".join(parts)


def cluster(row: Cluster, region: str) -> dict:
    """`Cluster`, with the counts ECS keeps (instances, running and pending tasks, services)."""
    live_tasks = row.tasks.filter(desired_status="RUNNING")
    return {
        "clusterArn": arns.cluster_arn(row.name, region),
        "clusterName": row.name,
        "status": row.status,
        "registeredContainerInstancesCount": row.container_instances.filter(
            status__in=LIVE_INSTANCE_STATES
        ).count(),
        "runningTasksCount": live_tasks.filter(last_status="RUNNING").count(),
        "pendingTasksCount": live_tasks.filter(last_status__in=["PROVISIONING", "PENDING"]).count(),
        "activeServicesCount": row.services.filter(status="ACTIVE").count(),
        "statistics": [],
        "tags": [],
        "settings": [{"name": "containerInsights", "value": "disabled"}],
        "capacityProviders": [],
        "defaultCapacityProviderStrategy": [],
    }


def with_task_counts(queryset: QuerySet[ContainerInstance]) -> QuerySet[ContainerInstance]:
    """Annotate runningTasksCount (desired RUNNING) and pendingTasksCount (PENDING) per instance."""
    return queryset.select_related("cluster").annotate(
        running_count=Count("tasks", filter=Q(tasks__desired_status="RUNNING")),
        pending_count=Count("tasks", filter=Q(tasks__last_status__in=["PROVISIONING", "PENDING"])),
    )


def resource(name: str, value: int | Iterable[int]) -> dict:
    """A `Resource`: INTEGER for CPU and MEMORY, STRINGSET of port numbers for PORTS."""
    body = {"name": name, "doubleValue": 0.0, "longValue": 0, "integerValue": 0}
    if isinstance(value, int):
        return {**body, "type": "INTEGER", "integerValue": value}
    return {**body, "type": "STRINGSET", "stringSetValue": [str(p) for p in sorted(value)]}


def attribute_list(values: dict[str, str | None]) -> list[dict]:
    return [{"name": name, "value": value} for name, value in sorted(values.items())]


def container_instance(row: ContainerInstance, region: str) -> dict:
    """`ContainerInstance`; the row should come from `with_task_counts`."""
    return {
        "containerInstanceArn": arns.container_instance_arn(
            row.cluster.name, row.instance_id, region
        ),
        "ec2InstanceId": row.ec2_instance_id,
        "version": row.version,
        "versionInfo": {
            "agentVersion": row.agent_version,
            "agentHash": AGENT_HASH,
            "dockerVersion": DOCKER_VERSION,
        },
        "remainingResources": [
            resource("CPU", row.remaining_cpu),
            resource("MEMORY", row.remaining_memory),
            resource("PORTS", row.remaining_ports),
            resource("PORTS_UDP", row.remaining_ports_udp),
        ],
        "registeredResources": [
            resource("CPU", row.registered_cpu),
            resource("MEMORY", row.registered_memory),
            resource("PORTS", row.registered_ports),
            resource("PORTS_UDP", row.registered_ports_udp),
        ],
        "status": row.status,
        "statusReason": row.status_reason or None,
        "agentConnected": row.agent_connected,
        "runningTasksCount": getattr(row, "running_count", 0),
        "pendingTasksCount": getattr(row, "pending_count", 0),
        "attributes": attribute_list(row.all_attributes),
        "registeredAt": row.registered_at,
        "attachments": [],
        "tags": [],
    }


def task_definition(row: TaskDefinition) -> dict:
    """`TaskDefinition`, as stored at registration (status kept current)."""
    return {**row.definition, "status": row.status}


def container_arn(task: Task, name: str, region: str) -> str:
    # arns.container_arn always uses the simulator's region; clients expect the signed one.
    path = f"{task.cluster.name}/{task.task_id}/{name}"
    return f"arn:aws:ecs:{region}:{settings.ECSVIZ_ACCOUNT_ID}:container/{path}"


def container(task: Task, definition: dict, region: str) -> dict:
    name = definition["name"]
    started = task.started_at is not None
    status = {"STOPPED": "STOPPED"}.get(task.last_status, "RUNNING" if started else "PENDING")
    bindings = [
        {k: v for k, v in binding.items() if k not in ("containerName", "dynamic")}
        for binding in task.network_bindings
        if binding.get("containerName") == name
    ]
    body = {
        "containerArn": container_arn(task, name, region),
        "taskArn": arns.task_arn(task.cluster.name, task.task_id, region),
        "name": name,
        "image": definition.get("image"),
        "lastStatus": status,
        "networkBindings": bindings if started else [],
        "networkInterfaces": [],
        "healthStatus": "UNKNOWN",
        "cpu": str(definition.get("cpu") or 0),
        "memory": str(definition["memory"]) if definition.get("memory") else None,
        "memoryReservation": (
            str(definition["memoryReservation"]) if definition.get("memoryReservation") else None
        ),
    }
    if task.last_status == "STOPPED":
        body["exitCode"] = 0
    return body


def eni_attachment(task: Task) -> list[dict]:
    """awsvpc tasks carry their ENI as an attachment (details kept at placement)."""
    eni = task.placement.get("eni")
    if not eni:
        return []
    status = {"STOPPED": "DELETED"}.get(
        task.last_status, "ATTACHED" if task.started_at else "PRECREATED"
    )
    return [
        {
            "id": eni["attachmentId"],
            "type": "ElasticNetworkInterface",
            "status": status,
            "details": [
                {"name": "subnetId", "value": eni["subnetId"]},
                {"name": "networkInterfaceId", "value": eni["networkInterfaceId"]},
                {"name": "macAddress", "value": eni["macAddress"]},
                {"name": "privateIPv4Address", "value": eni["privateIPv4Address"]},
            ],
        }
    ]


def task(row: Task, region: str) -> dict:
    """`Task`; the row should come with cluster, task_definition and container_instance."""
    definition = row.task_definition.definition
    containers = definition.get("containerDefinitions", [])
    instance = row.container_instance
    return {
        "taskArn": arns.task_arn(row.cluster.name, row.task_id, region),
        "clusterArn": arns.cluster_arn(row.cluster.name, region),
        "taskDefinitionArn": arns.task_definition_arn(
            row.task_definition.family, row.task_definition.revision, region
        ),
        "containerInstanceArn": (
            arns.container_instance_arn(row.cluster.name, instance.instance_id, region)
            if instance
            else None
        ),
        "availabilityZone": row.availability_zone or None,
        "lastStatus": row.last_status,
        "desiredStatus": row.desired_status,
        "launchType": row.launch_type,
        "cpu": str(row.cpu),
        "memory": str(row.memory),
        "group": row.group,
        "startedBy": row.started_by or None,
        "version": row.version,
        "connectivity": "CONNECTED" if row.started_at else None,
        "connectivityAt": row.started_at,
        "createdAt": row.created_at,
        "pullStartedAt": row.started_at,
        "pullStoppedAt": row.started_at,
        "startedAt": row.started_at,
        "stoppingAt": row.stopping_at,
        "stoppedAt": row.stopped_at,
        "stopCode": row.stop_code or None,
        "stoppedReason": row.stopped_reason or None,
        "healthStatus": "UNKNOWN",
        "enableExecuteCommand": False,
        "overrides": {
            "containerOverrides": row.overrides.get("containerOverrides")
            or [{"name": c["name"]} for c in containers],
            "inferenceAcceleratorOverrides": [],
            **{k: v for k, v in row.overrides.items() if k != "containerOverrides"},
        },
        "attachments": eni_attachment(row),
        "attributes": [{"name": "ecs.cpu-architecture", "value": instance.cpu_architecture}]
        if instance
        else [],
        "containers": [container(row, c, region) for c in containers],
        "tags": row.tags or [],
    }


def task_rows(queryset: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks with what `task` reads, in one query."""
    return queryset.select_related("cluster", "task_definition", "container_instance")
