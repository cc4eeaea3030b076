"""What a task of a registered task definition needs from an instance (the one place for it).

The input is ECS's ``taskDefinition`` JSON (RegisterTaskDefinition's request or
DescribeTaskDefinition's answer) and, optionally, RunTask's ``overrides``. The rules:

- CPU: task-level ``cpu`` when set ("1 vCPU", "1024", 1024), else the sum of container ``cpu``.
- Memory: task-level ``memory`` when set ("2 GB", "2GB", "2048"), else the sum over containers
  of ``memoryReservation`` when set, else ``memory`` (the soft limit is what ECS charges).
- Ports: ``bridge`` maps ``hostPort`` as given, 0 or omitted meaning a dynamic port; ``host``
  takes ``containerPort`` on the host; ``awsvpc`` uses no instance port but one ENI; ``none``
  has no ports.
- Required attributes: ``requiresAttributes``, plus the logging-driver capability of every
  ``logDriver`` and ``ecs.capability.task-eni`` for awsvpc (ECS derives both at registration).
- Constraints: the definition's memberOf constraints. distinctInstance is refused there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from placement.errors import InvalidTaskDefinition
from placement.inputs import PlacementConstraint, PortMapping, TaskNeeds

__all__ = ["parse_task_cpu", "parse_task_memory", "task_needs_from_definition"]

_VCPU = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$", re.IGNORECASE)
_GB = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*gb\s*$", re.IGNORECASE)
_UNITS = re.compile(r"^\s*(\d+)\s*$")
LOGGING_DRIVER_CAPABILITY = "com.amazonaws.ecs.capability.logging-driver."
TASK_ENI_CAPABILITY = "ecs.capability.task-eni"


def _parse(value: str | int | None, unit: re.Pattern, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if match := unit.match(text):
        return round(float(match.group(1)) * 1024)
    if match := _UNITS.match(text):
        return int(match.group(1))
    raise InvalidTaskDefinition(f"Invalid '{what}' setting for task: '{value}'.")


def parse_task_cpu(value: str | int | None) -> int | None:
    """Task-level cpu in CPU units: "1 vCPU" -> 1024, "0.5 vcpu" -> 512, "256" -> 256."""
    return _parse(value, _VCPU, "cpu")


def parse_task_memory(value: str | int | None) -> int | None:
    """Task-level memory in MiB: "2 GB" -> 2048, "2GB" -> 2048, "2048" -> 2048."""
    return _parse(value, _GB, "memory")


def task_needs_from_definition(
    task_definition: Mapping, *, group: str | None = None, overrides: Mapping | None = None
) -> TaskNeeds:
    """Normalise a task definition (and RunTask overrides) into the engine's ``TaskNeeds``.

    ``group`` defaults to ``family:<family>``, as RunTask's does.
    """
    overrides = overrides or {}
    containers = _containers(task_definition, overrides)
    network_mode = task_definition.get("networkMode") or "bridge"
    task_cpu = parse_task_cpu(overrides.get("cpu") or task_definition.get("cpu"))
    task_memory = parse_task_memory(overrides.get("memory") or task_definition.get("memory"))
    return TaskNeeds(
        cpu=task_cpu if task_cpu is not None else sum(c.get("cpu") or 0 for c in containers),
        memory=task_memory if task_memory is not None else _container_memory(containers),
        port_mappings=_port_mappings(containers, network_mode),
        uses_eni=network_mode == "awsvpc",
        required_attributes=_required_attributes(task_definition, containers, network_mode),
        constraints=_constraints(task_definition),
        group=group or f"family:{task_definition.get('family', '')}",
        network_mode=network_mode,
    )


def _containers(task_definition: Mapping, overrides: Mapping) -> list[dict]:
    by_name = {o.get("name"): o for o in overrides.get("containerOverrides") or []}
    containers = []
    for container in task_definition.get("containerDefinitions") or []:
        override = by_name.get(container.get("name"), {})
        resources = {
            key: override[key]
            for key in ("cpu", "memory", "memoryReservation")
            if override.get(key) is not None
        }
        containers.append({**container, **resources})
    return containers


def _container_memory(containers: list[dict]) -> int:
    total = 0
    for container in containers:
        charged = container.get("memoryReservation") or container.get("memory")
        if not charged:
            raise InvalidTaskDefinition(
                f"Invalid setting for container '{container.get('name')}'. At least one of "
                "'memory' or 'memoryReservation' must be specified."
            )
        total += charged
    return total


def _port_mappings(containers: list[dict], network_mode: str) -> tuple[PortMapping, ...]:
    # awsvpc ports live on the task's own ENI and none has no ports: no instance port either way.
    if network_mode not in ("bridge", "host"):
        return ()
    mappings = []
    for container in containers:
        name = container.get("name", "")
        for mapping in container.get("portMappings") or []:
            container_port = mapping.get("containerPort")
            if container_port is None:
                continue  # containerPortRange mappings are not modelled
            host_port = mapping.get("hostPort") or 0
            if network_mode == "host":
                if host_port not in (0, container_port):
                    raise InvalidTaskDefinition(
                        f"Invalid setting for container '{name}': when networkMode=host, "
                        "hostPort must either be unset or match containerPort."
                    )
                host_port = container_port
            protocol = (mapping.get("protocol") or "tcp").lower()
            mappings.append(PortMapping(name, container_port, host_port, protocol))
    return tuple(mappings)


def _required_attributes(
    task_definition: Mapping, containers: list[dict], network_mode: str
) -> dict[str, str | None]:
    required: dict[str, str | None] = {}
    for entry in task_definition.get("requiresAttributes") or []:
        required[entry["name"]] = entry.get("value")
    for container in containers:
        driver = (container.get("logConfiguration") or {}).get("logDriver")
        if driver:
            required.setdefault(LOGGING_DRIVER_CAPABILITY + driver, None)
    if network_mode == "awsvpc":
        required.setdefault(TASK_ENI_CAPABILITY, None)
    return required


def _constraints(task_definition: Mapping) -> tuple[PlacementConstraint, ...]:
    constraints = []
    for body in task_definition.get("placementConstraints") or []:
        constraint = PlacementConstraint.from_api(body)
        if constraint.type != "memberOf":
            raise InvalidTaskDefinition(f"constraint.type '{constraint.type}' is not supported.")
        constraints.append(constraint)
    return tuple(constraints)
