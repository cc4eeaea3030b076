"""What the engine reads: container instances, one task's needs, and the placement request.

All inputs are frozen, so one snapshot of a cluster can be placed against many times and a
result can always be replayed. Collections are normalised on construction (frozensets,
read-only mappings), which lets callers pass plain lists and dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Literal

__all__ = [
    "AZ_ATTRIBUTE",
    "DEFAULT_DYNAMIC_PORT_RANGE",
    "DEFAULT_RESERVED_PORTS",
    "MAX_RESERVED_PORTS",
    "Instance",
    "PlacementConstraint",
    "PlacementRequest",
    "PlacementStrategy",
    "PortMapping",
    "TaskNeeds",
]

AZ_ATTRIBUTE = "ecs.availability-zone"
# ECS_RESERVED_PORTS on Linux: SSH, Docker, Docker TLS, agent introspection, task metadata.
DEFAULT_RESERVED_PORTS = frozenset({22, 2375, 2376, 51678, 51679})
# The kernel's ip_local_port_range on the ECS-optimised AMI, where the agent picks host ports.
DEFAULT_DYNAMIC_PORT_RANGE = (32768, 60999)
# "Maximum of 100 reserved ports per container instance", the agent's own ones included.
MAX_RESERVED_PORTS = 100
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def _readonly(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True, kw_only=True)
class Instance:
    """A container instance as placement sees it (the query language reads the same fields).

    ``reserved_ports`` is ECS's remaining ``PORTS`` set: the agent's reserved ports plus every
    static host port a running task holds. ``task_groups`` counts this instance's tasks whose
    desired status is RUNNING, per task group; ``running_tasks_count`` defaults to their sum.
    """

    id: str
    registered_cpu: int
    registered_memory: int
    ec2_instance_id: str = ""
    availability_zone: str = ""
    status: str = "ACTIVE"
    agent_connected: bool = True
    agent_version: str = "1.89.0"
    registered_at: datetime = _EPOCH
    remaining_cpu: int | None = None
    remaining_memory: int | None = None
    reserved_ports: frozenset[int] = DEFAULT_RESERVED_PORTS
    reserved_ports_udp: frozenset[int] = frozenset()
    max_enis: int = 3
    # The primary ENI counts toward the instance type's limit.
    enis_in_use: int = 1
    dynamic_port_range: tuple[int, int] = DEFAULT_DYNAMIC_PORT_RANGE
    dynamic_ports_in_use: frozenset[int] = frozenset()
    last_dynamic_port: int | None = None
    attributes: Mapping[str, str | None] = field(default_factory=dict)
    task_groups: Mapping[str, int] = field(default_factory=dict)
    running_tasks_count: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        zone = self.availability_zone or (self.attributes.get(AZ_ATTRIBUTE) or "")
        attributes = dict(self.attributes)
        if zone:
            attributes[AZ_ATTRIBUTE] = zone
        groups = {name: count for name, count in dict(self.task_groups).items() if count > 0}
        set_(self, "availability_zone", zone)
        set_(self, "ec2_instance_id", self.ec2_instance_id or self.id)
        set_(self, "attributes", MappingProxyType(attributes))
        set_(self, "task_groups", MappingProxyType(groups))
        set_(self, "reserved_ports", frozenset(self.reserved_ports))
        set_(self, "reserved_ports_udp", frozenset(self.reserved_ports_udp))
        set_(self, "dynamic_ports_in_use", frozenset(self.dynamic_ports_in_use))
        set_(self, "dynamic_port_range", tuple(self.dynamic_port_range))
        if self.remaining_cpu is None:
            set_(self, "remaining_cpu", self.registered_cpu)
        if self.remaining_memory is None:
            set_(self, "remaining_memory", self.registered_memory)
        if self.running_tasks_count is None:
            set_(self, "running_tasks_count", sum(groups.values()))

    @property
    def free_enis(self) -> int:
        """ENI attachment slots left for awsvpc tasks."""
        return self.max_enis - self.enis_in_use


@dataclass(frozen=True, slots=True)
class PortMapping:
    """One container port and the host port it needs; ``host_port == 0`` means dynamic."""

    container_name: str
    container_port: int
    host_port: int
    protocol: str = "tcp"

    @property
    def is_dynamic(self) -> bool:
        """True when the agent picks the host port from the instance's dynamic range."""
        return self.host_port == 0


@dataclass(frozen=True, slots=True)
class PlacementConstraint:
    """A placement constraint as the API spells it: ``distinctInstance`` or ``memberOf``."""

    type: str
    expression: str | None = None

    @classmethod
    def from_api(cls, body: Mapping) -> PlacementConstraint:
        """Build from an API dict such as ``{"type": "memberOf", "expression": "..."}``."""
        return cls(type=body.get("type", ""), expression=body.get("expression"))


@dataclass(frozen=True, slots=True)
class PlacementStrategy:
    """A placement strategy as the API spells it: ``binpack``, ``spread`` or ``random``."""

    type: str
    field: str | None = None

    @classmethod
    def from_api(cls, body: Mapping) -> PlacementStrategy:
        """Build from an API dict such as ``{"type": "binpack", "field": "memory"}``."""
        return cls(type=body.get("type", ""), field=body.get("field"))

    def __str__(self) -> str:
        return f"{self.type}({self.field})" if self.field else self.type


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskNeeds:
    """What one task of a request needs from an instance (identical for every task in it).

    Build it from a task definition with ``task_needs_from_definition``. ``group`` is what
    spread and distinctInstance count (``service:NAME`` or ``family:NAME`` by default).
    """

    cpu: int = 0
    memory: int = 0
    port_mappings: tuple[PortMapping, ...] = ()
    uses_eni: bool = False
    required_attributes: Mapping[str, str | None] = field(default_factory=dict)
    constraints: tuple[PlacementConstraint, ...] = ()
    group: str = ""
    network_mode: str = "bridge"
    static_ports: frozenset[int] = field(init=False, default=frozenset())
    static_ports_udp: frozenset[int] = field(init=False, default=frozenset())
    dynamic_mappings: tuple[PortMapping, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        mappings = tuple(self.port_mappings)
        static = [m for m in mappings if not m.is_dynamic]
        set_(self, "port_mappings", mappings)
        set_(self, "constraints", tuple(self.constraints))
        set_(self, "required_attributes", _readonly(self.required_attributes))
        set_(self, "static_ports", frozenset(m.host_port for m in static if m.protocol == "tcp"))
        set_(
            self, "static_ports_udp", frozenset(m.host_port for m in static if m.protocol == "udp")
        )
        set_(self, "dynamic_mappings", tuple(m for m in mappings if m.is_dynamic))

    @property
    def static_port_count(self) -> int:
        """How many host ports one task adds to an instance's reserved-port count."""
        return len(self.static_ports) + len(self.static_ports_udp)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlacementRequest:
    """How many tasks to place and how: RunTask's or a service's strategies and constraints.

    Empty ``strategies`` means ECS's default for ``kind``: random for RunTask; spread over
    ``attribute:ecs.availability-zone`` then over instances for a service. ``seed`` drives every
    random choice, so the same cluster, needs and request always give the same result.
    """

    count: int = 1
    strategies: tuple[PlacementStrategy, ...] = ()
    constraints: tuple[PlacementConstraint, ...] = ()
    seed: int = 0
    kind: Literal["run_task", "service"] = "run_task"

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategies", _as_tuple(self.strategies, PlacementStrategy))
        object.__setattr__(self, "constraints", _as_tuple(self.constraints, PlacementConstraint))


def _as_tuple(items: Iterable, kind: type) -> tuple:
    # Accept the API's dicts too, so callers can pass a request body's lists unchanged.
    return tuple(item if isinstance(item, kind) else kind.from_api(item) for item in items)
