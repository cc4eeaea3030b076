"""Step 1 of ECS placement: can this instance hold one more task of these needs?

Two forms of the same rules live here. ``fit(instance, needs)`` checks one instance and returns
every shortfall (resource, requested, remaining), as Kubernetes' ``fit.go`` does; the
explanation view and the tests use it. The ``*Check`` classes apply the same rules to every
instance at once over a ``ClusterState``'s columns, and re-check a single instance after a task
of the same request was proposed on it; the fast path uses those. A property test keeps the two
forms in agreement.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from placement.inputs import MAX_RESERVED_PORTS, Instance, TaskNeeds
from placement.results import Reason, Shortfall

if TYPE_CHECKING:
    from placement.context import PlacementContext
    from placement.state import ClusterState

__all__ = [
    "any_taken",
    "as_operand",
    "count_free_ports",
    "dynamic_ports_free",
    "first_dynamic_port",
    "fit",
    "missing_attributes",
    "next_dynamic_ports",
    "resource_checks",
]

# What a proposal uses up of one capacity: a state column's row view (None: one task is all
# an instance takes), what one task takes of it, and the reason code once it runs out.
Capacity = tuple[memoryview | None, int, int]


def as_operand(value: int) -> np.ndarray | int:
    """``value`` as a read-only 0-d int64 array, made once per value.

    A column compared with a 0-d array skips the conversion NumPy makes of a Python int on
    every call, about a third of the comparison's cost at a thousand rows. A value beyond
    int64 stays a Python int, which NumPy compares exactly (a 0-d array could not hold it).
    """
    operand = _OPERANDS.get(value)
    if operand is None:
        if not _INT64_MIN <= value <= _INT64_MAX:
            return value
        if len(_OPERANDS) >= _MAX_OPERANDS:
            _OPERANDS.clear()
        operand = _OPERANDS[value] = np.array(value, np.int64)
        operand.flags.writeable = False
    return operand


# The operands of recent requests' comparisons (a workload repeats a handful of needs).
_OPERANDS: dict[int, np.ndarray] = {}
_MAX_OPERANDS = 1024
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def missing_attributes(
    attributes: Mapping[str, str | None], required: Mapping[str, str | None]
) -> list[str]:
    """Required attributes the instance lacks (a required value must match exactly)."""
    missing = []
    for name, value in required.items():
        if name not in attributes or (value is not None and attributes[name] != value):
            missing.append(name if value is None else f"{name}={value}")
    return missing


def dynamic_ports_free(instance: Instance) -> int:
    """Host ports the agent could still hand out from the instance's dynamic range."""
    return count_free_ports(
        instance.dynamic_port_range,
        instance.dynamic_ports_in_use,
        instance.reserved_ports,
        instance.reserved_ports_udp,
    )


def count_free_ports(port_range: tuple[int, int], *taken: Collection[int]) -> int:
    """Ports of ``port_range`` (inclusive) in none of the ``taken`` collections."""
    first, last = port_range
    used = set().union(*taken)
    return (last - first + 1) - sum(1 for port in used if first <= port <= last)


def next_dynamic_ports(
    count: int, port_range: tuple[int, int], last: int | None, taken: Iterable[Collection[int]]
) -> list[int]:
    """The agent's pick: scan upward from the last port handed out, skip taken ones, wrap."""
    first, end = port_range
    size = end - first + 1
    # Asked of each collection rather than merged into one set: the first port tried is
    # usually free, and merging would cost more than the whole scan.
    taken = (*taken,)
    start = first_dynamic_port(port_range, last)
    if count == 1 and not any_taken(start, taken):
        return [start]  # the usual case: the port after the last one is free
    chosen: list[int] = []
    for step in range(size):
        port = first + (start - first + step) % size
        for ports in taken:
            if port in ports:
                break
        else:
            if port not in chosen:
                chosen.append(port)
                if len(chosen) == count:
                    return chosen
    raise ValueError(f"only {len(chosen)} free ports in dynamic range {first}-{end}")


def first_dynamic_port(port_range: tuple[int, int], last: int | None) -> int:
    """Where the agent's scan starts: after the last port handed out, else the range's start."""
    first, end = port_range
    return first if last is None or not first <= last < end else last + 1


def any_taken(port: int, taken: Iterable[Collection[int]]) -> bool:
    """Whether ``port`` is in any of the ``taken`` collections."""
    for ports in taken:  # noqa: SIM110  (a loop: any() would build a generator per port)
        if port in ports:
            return True
    return False


def fit(instance: Instance, needs: TaskNeeds) -> tuple[Shortfall, ...]:
    """Every step-1 check ``instance`` fails for one more task of ``needs``, in precedence order.

    Empty when the task fits. The first entry's reason is the one ECS reports for the instance.
    """
    found = [_status(instance), _agent(instance), _attributes(instance, needs)]
    found += [_cpu(instance, needs), _memory(instance, needs)]
    found += _ports(instance, needs)
    found.append(_eni(instance, needs))
    return tuple(shortfall for shortfall in found if shortfall is not None)


def _status(instance: Instance) -> Shortfall | None:
    if instance.status == "ACTIVE":
        return None
    return Shortfall(Reason.NOT_ACTIVE, "status", "ACTIVE", instance.status)


def _agent(instance: Instance) -> Shortfall | None:
    if instance.agent_connected:
        return None
    return Shortfall(Reason.AGENT, "agentConnected", True, False)


def _attributes(instance: Instance, needs: TaskNeeds) -> Shortfall | None:
    missing = missing_attributes(instance.attributes, needs.required_attributes)
    if not missing:
        return None
    return Shortfall(Reason.ATTRIBUTE, "attributes", ", ".join(missing), "missing")


def _cpu(instance: Instance, needs: TaskNeeds) -> Shortfall | None:
    if needs.cpu <= instance.remaining_cpu:
        return None
    return Shortfall(Reason.CPU, "CPU", needs.cpu, instance.remaining_cpu)


def _memory(instance: Instance, needs: TaskNeeds) -> Shortfall | None:
    if needs.memory <= instance.remaining_memory:
        return None
    return Shortfall(Reason.MEMORY, "MEMORY", needs.memory, instance.remaining_memory)


def _ports(instance: Instance, needs: TaskNeeds) -> list[Shortfall]:
    found = []
    for resource, wanted, taken in (
        ("PORTS", needs.static_ports, instance.reserved_ports),
        ("PORTS_UDP", needs.static_ports_udp, instance.reserved_ports_udp),
    ):
        # A port the agent already bound dynamically is taken on the host all the same.
        clash = sorted(wanted & (taken | instance.dynamic_ports_in_use))
        if clash:
            found.append(Shortfall(Reason.PORTS, resource, sorted(wanted), f"taken: {clash}"))
    reserved = len(instance.reserved_ports) + len(instance.reserved_ports_udp)
    if needs.static_port_count and reserved + needs.static_port_count > MAX_RESERVED_PORTS:
        left = max(MAX_RESERVED_PORTS - reserved, 0)
        found.append(Shortfall(Reason.PORTS, "reserved ports", needs.static_port_count, left))
    free = dynamic_ports_free(instance)
    if len(needs.dynamic_mappings) > free:
        found.append(
            Shortfall(Reason.PORTS, "dynamic host ports", len(needs.dynamic_mappings), free)
        )
    return found


def _eni(instance: Instance, needs: TaskNeeds) -> Shortfall | None:
    if not needs.uses_eni or instance.free_enis >= 1:
        return None
    return Shortfall(Reason.ENI, "ENI", 1, instance.free_enis)


# --- The vectorised checks --------------------------------------------------------------------
# Each check answers "which instances pass?" for the whole cluster at the start of a request
# (``passing``) and, when proposals in the request can change its answer (``dynamic``), how
# many of the request's tasks an instance takes before it fails (``capacity``: resources
# that every task uses up the same way) or "does instance i fail now?" after a proposal
# there (``fails_at``: queries that read the tasks running).


class Check:
    """One rule of steps 1-2 over all instances at once; subclasses set ``reason``."""

    reason: Reason
    dynamic = False

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        """A boolean array: True where the instance passes this rule (only read)."""
        raise NotImplementedError

    def passes_everywhere(self, ctx: PlacementContext) -> bool:
        """Whether the state's bounds show every instance passing, without ``passing``."""
        return False

    def capacity(self, ctx: PlacementContext) -> list[Capacity]:
        """For a dynamic resource check: (rows, what one task takes, reason) entries.

        ``rows`` is a state column's row view (``ClusterState.cpu_rows``, say): a candidate
        fails once its proposals reach ``rows[i] // per_task``. Rows of None mean after the
        first proposal.
        """
        raise NotImplementedError

    def fails_at(self, ctx: PlacementContext, i: int) -> bool:
        """Whether instance ``i`` fails now, proposals of this request included.

        Only asked of dynamic checks without a capacity, and only for a candidate.
        """
        raise NotImplementedError


class AttributeCheck(Check):
    reason = Reason.ATTRIBUTE

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        return ctx.state.has_attributes(ctx.needs.required_attributes)


class CpuCheck(Check):
    reason, dynamic = Reason.CPU, True

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        return ctx.state.remaining_cpu >= as_operand(ctx.needs.cpu)

    def passes_everywhere(self, ctx: PlacementContext) -> bool:
        return ctx.needs.cpu <= ctx.state.cpu_floor

    def capacity(self, ctx: PlacementContext) -> list[Capacity]:
        # A task that takes no CPU never runs out of it (a candidate has none below zero).
        cpu = ctx.needs.cpu
        return [(ctx.state.cpu_rows, cpu, self.reason)] if cpu > 0 else []


class MemoryCheck(Check):
    reason, dynamic = Reason.MEMORY, True

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        return ctx.state.remaining_memory >= as_operand(ctx.needs.memory)

    def passes_everywhere(self, ctx: PlacementContext) -> bool:
        return ctx.needs.memory <= ctx.state.memory_floor

    def capacity(self, ctx: PlacementContext) -> list[Capacity]:
        memory = ctx.needs.memory
        return [(ctx.state.memory_rows, memory, self.reason)] if memory > 0 else []


class PortsCheck(Check):
    """Static host ports (TCP and UDP), the 100 reserved-port limit, and dynamic-range room."""

    reason, dynamic = Reason.PORTS, True

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        # The parts whose bound already holds everywhere are left out.
        state, needs = ctx.state, ctx.needs
        taken = [state.port_taken("tcp", port) for port in needs.static_ports]
        taken += [state.port_taken("udp", port) for port in needs.static_ports_udp]
        passing = []
        if not self._reserved_room(state, needs):
            most = as_operand(MAX_RESERVED_PORTS - needs.static_port_count)
            passing.append(state.reserved_count <= most)
        if not self._dynamic_room(state, needs):
            passing.append(state.dynamic_free >= as_operand(len(needs.dynamic_mappings)))
        if taken:
            passing.append(~functools.reduce(np.logical_or, taken))
        if not passing:  # asked although every part holds
            return np.ones(len(state), bool)
        return functools.reduce(np.logical_and, passing)

    def passes_everywhere(self, ctx: PlacementContext) -> bool:
        state, needs = ctx.state, ctx.needs
        if needs.static_ports or needs.static_ports_udp:
            return False  # which instances hold a port is not a bound
        return self._dynamic_room(state, needs)

    @staticmethod
    def _reserved_room(state: ClusterState, needs: TaskNeeds) -> bool:
        # Whether no instance reaches the reserved-ports limit with the task's static ports.
        count = needs.static_port_count
        return not count or state.reserved_ceiling <= MAX_RESERVED_PORTS - count

    @staticmethod
    def _dynamic_room(state: ClusterState, needs: TaskNeeds) -> bool:
        # Whether every instance's dynamic range still has the task's dynamic ports.
        return len(needs.dynamic_mappings) <= state.dynamic_floor

    def capacity(self, ctx: PlacementContext) -> list[Capacity]:
        # Every task of a request asks for the same static ports, so one proposal takes them
        # all; otherwise proposals only use up the dynamic range.
        needs = ctx.needs
        if needs.static_port_count:
            return [(None, 1, self.reason)]
        return [(ctx.state.dynamic_free_rows, len(needs.dynamic_mappings), self.reason)]


class EniCheck(Check):
    reason, dynamic = Reason.ENI, True

    def passing(self, ctx: PlacementContext) -> np.ndarray:
        return ctx.state.free_enis >= as_operand(1)

    def passes_everywhere(self, ctx: PlacementContext) -> bool:
        return ctx.state.eni_floor >= 1

    def capacity(self, ctx: PlacementContext) -> list[Capacity]:
        return [(ctx.state.eni_rows, 1, self.reason)]


def resource_checks(needs: TaskNeeds) -> list[Check]:
    """The step-1 checks that can fail for ``needs``, in precedence order.

    Status and agent are not among them: ``ClusterState`` keeps those for every request.
    """
    ports = bool(needs.static_port_count or needs.dynamic_mappings)
    return list(_checks_for(bool(needs.required_attributes), ports, needs.uses_eni))


# Checks hold no state, so every request with the same kinds of needs shares one list.
@functools.lru_cache(maxsize=16)
def _checks_for(attributes: bool, ports: bool, eni: bool) -> tuple[Check, ...]:
    checks: list[Check] = [AttributeCheck()] if attributes else []
    checks += [CpuCheck(), MemoryCheck()]
    if ports:
        checks.append(PortsCheck())
    if eni:
        checks.append(EniCheck())
    return tuple(checks)
