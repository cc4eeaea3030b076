"""A cluster's instances as NumPy columns, built once and kept current by ``apply``/``release``.

Placing one task must not cost a Python loop over 5,000 instances, so everything step 1-3 read
per instance lives in arrays (remaining CPU and memory, free ENIs, reserved-port counts, free
dynamic ports, status) and everything that is expensive to derive is cached lazily and then
maintained incrementally: per-group task counts, "is port P taken" masks, attribute value codes,
required-attribute masks and memberOf masks. Port sets stay per-instance Python sets, because
only the instance a task lands on ever changes.

``place`` never writes to a ``ClusterState`` (caches aside); the caller applies the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from placement.attribute_values import AttributeValues
from placement.host_ports import HostPorts
from placement.inputs import Instance, TaskNeeds
from placement.resources import dynamic_ports_free, missing_attributes
from placement.results import Ledger, PlacementResult, PortBinding, Reason

if TYPE_CHECKING:
    from placement.query import Query

__all__ = ["ClusterState"]

# The bounds of an empty cluster: every check passes on all (none) of its instances.
_UNBOUNDED = 1 << 62


def _column(values: Iterable, dtype: type) -> np.ndarray:
    return np.fromiter(values, dtype=dtype)


class ClusterState(AttributeValues, HostPorts):
    """The instances of one cluster, vectorised for placement and updated in place."""

    def __init__(self, instances: Iterable[Instance]) -> None:
        self._current: list[Instance | None] = list(instances)
        base = self._current
        self.ids = [inst.id for inst in base]
        self._position = {instance_id: i for i, instance_id in enumerate(self.ids)}
        if len(self._position) != len(self.ids):
            raise ValueError("instance ids must be unique")
        self._base: list[Instance] = list(base)  # type: ignore[arg-type]
        self.active = _column((inst.status == "ACTIVE" for inst in base), bool)
        self.agent_connected = _column((inst.agent_connected for inst in base), bool)
        self.remaining_cpu = _column((inst.remaining_cpu for inst in base), np.int64)
        self.remaining_memory = _column((inst.remaining_memory for inst in base), np.int64)
        self.free_enis = _column((inst.free_enis for inst in base), np.int64)
        # Read only for one instance at a time, so a list: cheaper to update than an array.
        self.running_tasks = [inst.running_tasks_count for inst in base]
        self.dynamic_free = _column((dynamic_ports_free(inst) for inst in base), np.int64)
        self._tcp = [set(inst.reserved_ports) for inst in base]
        self._udp = [set(inst.reserved_ports_udp) for inst in base]
        self._dynamic = [set(inst.dynamic_ports_in_use) for inst in base]
        self._last_dynamic = [inst.last_dynamic_port for inst in base]
        ranges = [inst.dynamic_port_range for inst in base]
        self._dynamic_low = min((first for first, _ in ranges), default=0)
        self._dynamic_high = max((last for _, last in ranges), default=-1)
        self.reserved_count = _column(
            (len(t) + len(u) for t, u in zip(self._tcp, self._udp, strict=True)), np.int64
        )
        self._groups = [dict(inst.task_groups) for inst in base]
        # Every group any instance has run a task of: another group's counts are all zero.
        self._seen_groups = set().union(*self._groups)
        self._make_row_views()
        # Renewed by every change: a result decided on the state as it is now carries it in
        # its ledger, and apply then takes the rows and ports from there.
        self.revision = object()
        self._refresh_availability()
        self._refresh_bounds()
        self._clear_caches()

    def _make_row_views(self) -> None:
        # apply and the proposals read and write these columns one row at a time: through a
        # memoryview, a row is a Python int both ways, at half the cost of ndarray.item and
        # item assignment. The views share the columns' memory; columns are only ever
        # changed in place, so the views stay valid.
        self.cpu_rows = memoryview(self.remaining_cpu)
        self.memory_rows = memoryview(self.remaining_memory)
        self.eni_rows = memoryview(self.free_enis)
        self.dynamic_free_rows = memoryview(self.dynamic_free)
        self.reserved_rows = memoryview(self.reserved_count)

    def _refresh_availability(self) -> None:
        # Status and agent are the same for every request, so their reason codes are kept here.
        self.available = self.active & self.agent_connected
        self.availability = np.zeros(len(self.ids), np.uint8)
        np.putmask(self.availability, ~self.agent_connected, Reason.AGENT)
        np.putmask(self.availability, ~self.active, Reason.NOT_ACTIVE)
        self.not_active_count = int(np.count_nonzero(~self.active))
        self.agent_lost_count = int(np.count_nonzero(self.active & ~self.agent_connected))
        self.available_count = len(self.ids) - self.not_active_count - self.agent_lost_count

    def _refresh_bounds(self) -> None:
        # The least value of each column a capacity check compares with a task's needs (the
        # most, for reserved ports): when the bound already meets a request's needs, every
        # instance passes that check and the request skips its pass over the column. apply
        # lowers the bounds as it goes; release leaves them (still bounds, if loose ones).
        def least(column: np.ndarray) -> int:
            return column.item(column.argmin()) if len(column) else _UNBOUNDED

        self.cpu_floor, self.memory_floor = least(self.remaining_cpu), least(self.remaining_memory)
        self.eni_floor, self.dynamic_floor = least(self.free_enis), least(self.dynamic_free)
        self.reserved_ceiling = -least(-self.reserved_count)
        # The most CPU and memory any instance has left (at least 0): what binpack's keys can
        # reach. apply only lowers them; release raises them where it gives units back.
        self.cpu_ceiling = max(-least(-self.remaining_cpu), 0)
        self.memory_ceiling = max(-least(-self.remaining_memory), 0)

    def _clear_caches(self) -> None:
        self._group_columns: dict[str, np.ndarray] = {}
        self._group_rows: dict[str, memoryview] = {}
        self._port_masks: dict[tuple[str, int], np.ndarray] = {}
        # The ports with a mask of either protocol: most ports a task takes have none.
        self._masked_ports: set[int] = set()
        self._clear_value_caches()
        self._attribute_masks: dict[frozenset, np.ndarray] = {}
        self._query_masks: dict[str, np.ndarray] = {}
        # Instances changed since a dynamic query's mask was computed (runningTasksCount,
        # task:group change with every task placed or stopped).
        self._stale: dict[str, set[int]] = {}
        # What a request's context derives from its needs and checks alone, by (id of the
        # needs, checks); each entry holds the needs, so their id cannot be reused meanwhile.
        self.request_shapes: dict[tuple[int, tuple], tuple] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, instance_id: str) -> int:
        """The row of ``instance_id`` in every column."""
        return self._position[instance_id]

    # --- Reading -------------------------------------------------------------------------------

    def instance(self, i: int) -> Instance:
        """Instance ``i`` as it is now, placements applied since construction included."""
        current = self._current[i]
        if current is None:
            current = self._current[i] = self._materialise(i)
        return current

    @property
    def instances(self) -> tuple[Instance, ...]:
        """Every instance as it is now."""
        return tuple(self.instance(i) for i in range(len(self)))

    def _materialise(self, i: int) -> Instance:
        base = self._base[i]
        return dataclasses.replace(
            base,
            remaining_cpu=int(self.remaining_cpu[i]),
            remaining_memory=int(self.remaining_memory[i]),
            enis_in_use=base.max_enis - int(self.free_enis[i]),
            reserved_ports=frozenset(self._tcp[i]),
            reserved_ports_udp=frozenset(self._udp[i]),
            dynamic_ports_in_use=frozenset(self._dynamic[i]),
            last_dynamic_port=self._last_dynamic[i],
            task_groups=self._groups[i],
            running_tasks_count=self.running_tasks[i],
        )

    def group_counts(self, group: str) -> np.ndarray:
        """Tasks of ``group`` on each instance (read-only: copy before changing)."""
        column = self._group_columns.get(group)
        if column is None:
            if group in self._seen_groups:
                column = _column((tally.get(group, 0) for tally in self._groups), np.int64)
            else:  # a new group (a new service, say): no pass over the instances
                column = np.zeros(len(self._groups), np.int64)
            self._group_columns[group] = column
            self._group_rows[group] = memoryview(column)  # see _make_row_views
        return column

    def has_attributes(self, required: Mapping[str, str | None]) -> np.ndarray:
        """True where the instance has every required attribute (and value, when one is given)."""
        key = frozenset(required.items())
        mask = self._attribute_masks.get(key)
        if mask is None:
            found = (not missing_attributes(inst.attributes, required) for inst in self._base)
            mask = self._attribute_masks[key] = _column(found, bool)
        return mask

    def query_mask(self, query: Query) -> np.ndarray:
        """True where the instance satisfies ``query`` now (cached; stale rows re-evaluated)."""
        mask = self._query_masks.get(query.expression)
        if mask is None:
            # Only runningTasksCount and task:group change as tasks come and go; other
            # subjects read the same from the instances as they were given.
            if query.is_dynamic:
                mask = np.array(query.mask(self.instances), dtype=bool)
                self._stale[query.expression] = set()
            elif query.by_attributes:
                mask = self.mask_by_values(query, query.by_attributes)
            else:
                mask = np.array(query.mask(self._base), dtype=bool)
            self._query_masks[query.expression] = mask
        elif stale := self._stale.get(query.expression):
            for i in stale:
                mask[i] = query(self.instance(i))
            stale.clear()
        return mask

    # --- Writing -------------------------------------------------------------------------------

    def apply(self, result: PlacementResult) -> None:
        """Record the result's placements: resources, ports, ENIs and task groups."""
        ledger = result.ledger
        if ledger is not None and ledger.revision is self.revision:
            self._apply_ledger(result.needs, ledger)
        else:  # made on another state, or since changed: read the placements themselves
            self._apply_placements(result)
        self.revision = object()

    def _apply_placements(self, result: PlacementResult) -> None:
        needs, position, tasks = result.needs, self._position, {}
        static = bool(needs.static_ports or needs.static_ports_udp)
        dynamic = bool(needs.dynamic_mappings)
        for placement in result.placements:
            i = position[placement.instance_id]
            tasks[i] = tasks.get(i, 0) + 1
            if static:
                self._change_static_ports(i, needs, +1)
            if dynamic:
                self._change_dynamic_ports(i, placement.port_bindings, +1)
        if tasks:
            self._change_tasks(tasks, needs)

    def _apply_ledger(self, needs: TaskNeeds, ledger: Ledger) -> None:
        # The same changes as _apply_placements, from the rows the decision used. It bound
        # each dynamic port only if the port was in the row's range and in none of its sets,
        # and the state has not changed since: each one is newly taken.
        tasks = ledger.tasks
        if needs.static_ports or needs.static_ports_udp:
            self._take_free_static_ports(tasks, needs)
        if ledger.dynamic_ports:
            self._take_free_dynamic_ports(ledger.dynamic_ports)
        if tasks:
            self._change_tasks(tasks, needs)

    def release(
        self, instance_id: str, needs: TaskNeeds, port_bindings: Iterable[PortBinding] = ()
    ) -> None:
        """Give back what one stopped task of ``needs`` held on ``instance_id``."""
        i = self._position[instance_id]
        if needs.static_ports or needs.static_ports_udp:
            self._change_static_ports(i, needs, -1)
        if needs.dynamic_mappings:
            self._change_dynamic_ports(i, tuple(port_bindings), -1)
        self._change_tasks({i: -1}, needs)
        self.cpu_ceiling = max(self.cpu_ceiling, self.cpu_rows[i])
        self.memory_ceiling = max(self.memory_ceiling, self.memory_rows[i])
        self.revision = object()

    def update_instance(self, instance: Instance) -> None:
        """Replace one instance wholesale (drained, attributes changed, agent lost, ...)."""
        i = self._position[instance.id]  # KeyError for an unknown instance, on purpose
        replacement = ClusterState([instance])
        self._base[i], self._current[i] = instance, instance
        for column in ("active", "agent_connected", "remaining_cpu", "remaining_memory"):
            getattr(self, column)[i] = getattr(replacement, column)[0]
        self.running_tasks[i] = replacement.running_tasks[0]
        for column in ("free_enis", "dynamic_free", "reserved_count"):
            getattr(self, column)[i] = getattr(replacement, column)[0]
        self._tcp[i], self._udp[i] = replacement._tcp[0], replacement._udp[0]
        self._dynamic[i], self._last_dynamic[i] = (
            replacement._dynamic[0],
            instance.last_dynamic_port,
        )
        self._groups[i] = replacement._groups[0]
        self._seen_groups.update(replacement._groups[0])
        self._dynamic_low = min(self._dynamic_low, replacement._dynamic_low)
        self._dynamic_high = max(self._dynamic_high, replacement._dynamic_high)
        self.revision = object()
        self._refresh_availability()
        self._refresh_bounds()
        self._clear_caches()

    def _change_tasks(self, tasks: dict[int, int], needs: TaskNeeds) -> None:
        # tasks: how many tasks of ``needs`` each row gains (a negative count releases them).
        # The caches to keep current are looked up once for all the rows, and the loop does
        # only what this request's needs and the caches built so far ask for.
        cpu, memory, group = needs.cpu, needs.memory, needs.group
        self._seen_groups.add(group)
        cpu_rows, memory_rows = self.cpu_rows, self.memory_rows
        running, current, groups = self.running_tasks, self._current, self._groups
        cpu_floor, memory_floor = self.cpu_floor, self.memory_floor
        for i, count in tasks.items():
            left_cpu = cpu_rows[i] = cpu_rows[i] - count * cpu
            left_memory = memory_rows[i] = memory_rows[i] - count * memory
            if left_cpu < cpu_floor:
                cpu_floor = left_cpu
            if left_memory < memory_floor:
                memory_floor = left_memory
            running[i] += count
            tally = groups[i]
            tally[group] = tally.get(group, 0) + count
            current[i] = None
        self.cpu_floor, self.memory_floor = cpu_floor, memory_floor
        if needs.uses_eni:
            eni_rows = self.eni_rows
            for i, count in tasks.items():
                eni_rows[i] = left_enis = eni_rows[i] - count
                self.eni_floor = min(self.eni_floor, left_enis)
        self._change_group_caches(tasks, group)

    def _change_group_caches(self, tasks: dict[int, int], group: str) -> None:
        # The caches that count tasks per row or per value, and the dynamic queries' rows.
        rows = self._group_rows.get(group)
        if rows is not None:
            for i, count in tasks.items():
                rows[i] += count
        for name, counts in self._value_counts.get(group, {}).items():
            codes = self._code_lists[name]
            for i, count in tasks.items():
                counts[codes[i]] += count
        for rows in self._stale.values():
            rows.update(tasks)
