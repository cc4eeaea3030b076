"""RegisterTaskDefinition's validation and normalisation (spec §4).

`normalise_task_definition(request)` checks a RegisterTaskDefinition input and returns the
`taskDefinition` body ECS would store, defaults filled in, without family-level fields
(ARN, revision, status) that the control plane adds. Errors carry ECS's exception names and, where
they are known, ECS's own messages.
"""

from __future__ import annotations

import json

from ecsviz.errors import ClientException, InvalidParameterException
from ecsviz.validation import check_name
from placement.errors import InvalidTaskDefinition
from placement.taskdef import parse_task_cpu, parse_task_memory

MAX_CONTAINERS = 10
MAX_SIZE_BYTES = 64 * 1024
NETWORK_MODES = ("bridge", "host", "awsvpc", "none")
COMPATIBILITIES = ("EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES")
# Fargate task sizes: CPU units -> allowed memory MiB (spec §4.4).
FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}


def task_cpu_units(value: str | int | None) -> int | None:
    """Task-level cpu as CPU units: "1 vCPU" -> 1024, "512" -> 512 (the engine's parser)."""
    try:
        return parse_task_cpu(value)
    except InvalidTaskDefinition as error:
        raise ClientException(error.message) from None


def task_memory_mib(value: str | int | None) -> int | None:
    """Task-level memory in MiB: "2 GB" -> 2048, "2048" -> 2048 (the engine's parser)."""
    try:
        return parse_task_memory(value)
    except InvalidTaskDefinition as error:
        raise ClientException(error.message) from None


def normalise_port_mapping(mapping: dict, network_mode: str, container: str) -> dict:
    """Fill a port mapping's defaults and apply the network mode's rules for hostPort."""
    container_port = mapping.get("containerPort")
    host_port = mapping.get("hostPort")
    protocol = mapping.get("protocol", "tcp")
    if protocol not in ("tcp", "udp"):
        raise ClientException(f"Invalid protocol '{protocol}' in container '{container}'.")
    if network_mode in ("host", "awsvpc"):
        if host_port not in (None, container_port):
            raise ClientException(
                f"Invalid setting for container '{container}': when networkMode={network_mode}, "
                "hostPort must either be unset or match containerPort."
            )
        host_port = container_port
    elif host_port is None:
        host_port = 0  # bridge: omitted means a dynamic host port
    result = {**mapping, "containerPort": container_port, "hostPort": host_port}
    result["protocol"] = protocol
    return result


def check_container_memory(container: dict, task_memory: int | None) -> None:
    """ECS's memory rules for one container (spec §1.4, §4.3)."""
    name = container["name"]
    memory = container.get("memory")
    reservation = container.get("memoryReservation")
    if task_memory is None and not memory and not reservation:
        raise ClientException(
            f"Invalid setting for container '{name}'. At least one of 'memory' or "
            "'memoryReservation' must be specified."
        )
    # AWS's text says memory must exceed memoryReservation; equal is accepted (spec §13.4).
    if memory and reservation and memory < reservation:
        raise ClientException(
            f"Invalid setting for container '{name}'. The 'memory' value must be greater than or "
            "equal to the 'memoryReservation' value."
        )


def normalise_container(container: dict, network_mode: str, task_memory: int | None) -> dict:
    """Check one container definition and fill the defaults ECS shows on describe."""
    for field in ("name", "image"):
        if not container.get(field):
            raise ClientException(f"Container.{field} should not be null or empty.")
    check_name(container["name"], what="Container name", exception=ClientException)
    check_container_memory(container, task_memory)
    if container.get("links") and network_mode != "bridge":
        raise ClientException(
            f"Invalid setting for container '{container['name']}': links are supported only "
            "when networkMode=bridge."
        )
    mappings = container.get("portMappings") or []
    if mappings and network_mode == "none":
        raise ClientException(
            f"Invalid setting for container '{container['name']}': port mappings are not "
            "allowed when networkMode=none."
        )
    normalised = [normalise_port_mapping(m, network_mode, container["name"]) for m in mappings]
    seen: dict[int, str] = {}
    for mapping in normalised:
        other = seen.setdefault(mapping["containerPort"], mapping["protocol"])
        if other != mapping["protocol"]:
            raise ClientException(
                f"Invalid setting for container '{container['name']}': containerPort "
                f"{mapping['containerPort']} is exposed for both tcp and udp."
            )
    defaults = {
        "cpu": 0,
        "essential": True,
        "environment": [],
        "mountPoints": [],
        "volumesFrom": [],
    }
    return {**defaults, **container, "portMappings": normalised}


def check_fargate(definition: dict, cpu: int | None, memory: int | None) -> None:
    """Fargate's task-size table and network mode."""
    if cpu is None:
        raise ClientException("Fargate requires that 'cpu' be defined at the task level.")
    if memory is None:
        raise ClientException("Fargate requires that 'memory' be defined at the task level.")
    if definition.get("networkMode") != "awsvpc":
        raise ClientException("Fargate only supports network mode 'awsvpc'.")
    if memory not in FARGATE_SIZES.get(cpu, []):
        raise ClientException(
            "Invalid 'cpu' setting for task. For more information, see the Troubleshooting "
            "section of the Amazon ECS Developer Guide."
        )


def check_placement_constraints(constraints: list[dict]) -> None:
    """Task definitions accept memberOf constraints only, at most ten."""
    if len(constraints) > 10:
        raise ClientException("Too many placement constraints: at most 10 are allowed.")
    for constraint in constraints:
        kind = constraint.get("type")
        if kind != "memberOf":
            raise ClientException(f"constraint.type '{kind}' is not supported.")
        if not constraint.get("expression"):
            raise ClientException("memberOf constraint requires an expression.")
        if len(constraint["expression"]) > 2000:
            raise ClientException("Constraint expression must be at most 2000 characters.")


def required_attributes(definition: dict) -> list[dict]:
    """The instance attributes placement will require (requiresAttributes on describe)."""
    names = set()
    for container in definition["containerDefinitions"]:
        driver = (container.get("logConfiguration") or {}).get("logDriver")
        if driver:
            names.add(f"com.amazonaws.ecs.capability.logging-driver.{driver}")
    if definition["networkMode"] == "awsvpc":
        names.add("ecs.capability.task-eni")
    if definition.get("taskRoleArn"):
        names.add("com.amazonaws.ecs.capability.task-iam-role")
    return [{"name": name} for name in sorted(names)]


def normalise_task_definition(request: dict) -> dict:
    """Validate a RegisterTaskDefinition input; return the stored `taskDefinition` body."""
    if len(json.dumps(request, separators=(",", ":"))) > MAX_SIZE_BYTES:
        raise ClientException("Task definition size exceeds the 64 KiB limit.")
    family = request.get("family")
    check_name(family, what="Family", exception=ClientException)
    containers = request.get("containerDefinitions") or []
    if not containers:
        raise ClientException("Task definition must have at least one container definition.")
    if len(containers) > MAX_CONTAINERS:
        raise ClientException(f"Too many containers: at most {MAX_CONTAINERS} are allowed.")
    network_mode = request.get("networkMode") or "bridge"
    if network_mode not in NETWORK_MODES:
        raise ClientException(f"Invalid network mode '{network_mode}'.")
    compatibilities = request.get("requiresCompatibilities") or []
    for item in compatibilities:
        if item not in COMPATIBILITIES:
            raise InvalidParameterException(f"Invalid requiresCompatibilities value '{item}'.")
    cpu, memory = task_cpu_units(request.get("cpu")), task_memory_mib(request.get("memory"))
    if "FARGATE" in compatibilities:
        check_fargate({**request, "networkMode": network_mode}, cpu, memory)
    check_placement_constraints(request.get("placementConstraints") or [])
    normalised = [normalise_container(c, network_mode, memory) for c in containers]
    names = [c["name"] for c in normalised]
    if len(set(names)) != len(names):
        raise ClientException("Container names must be unique within a task definition.")
    if not any(c["essential"] for c in normalised):
        raise ClientException("A task definition must have at least one essential container.")
    body = {k: v for k, v in request.items() if k not in ("tags",)}
    body.update(
        containerDefinitions=normalised,
        networkMode=network_mode,
        requiresCompatibilities=compatibilities,
        compatibilities=sorted({"EC2", *compatibilities}),
        placementConstraints=request.get("placementConstraints") or [],
        volumes=request.get("volumes") or [],
    )
    if cpu is not None:
        body["cpu"] = str(cpu)
    if memory is not None:
        body["memory"] = str(memory)
    body["requiresAttributes"] = required_attributes(body)
    return body
