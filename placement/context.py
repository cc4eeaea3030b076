"""One request's view of the cluster: the state plus the tasks proposed so far.

As Nomad's ``Context.ProposedAllocs``, this is how a task placed earlier in a request counts for
the later ones without touching the ``ClusterState``: the context counts the tasks proposed per
instance, and what an instance has left is its state value less that many tasks' needs. Steps
1-2 run vectorised once per request; after a proposal only the instance it landed on is
checked again, with plain integer arithmetic.

The fast path keeps just "is it a candidate" and how many instances each reason rules out. The
reason of every single instance (the lowest failing ``Reason``: the precedence rule) is rebuilt
on demand, for failures and explanations, from the request-start masks and the touched rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from placement.inputs import Instance, PortMapping, TaskNeeds
from placement.resources import Capacity, Check, next_dynamic_ports
from placement.results import Failure, Ledger, PortBinding, Reason
from placement.state import ClusterState

__all__ = ["PlacementContext"]

_TEXT = {int(reason): reason.text for reason in Reason}
_CODES = len(Reason) + 1
_REPORTED = range(1, _CODES)
_NOT_ACTIVE, _AGENT = int(Reason.NOT_ACTIVE), int(Reason.AGENT)
_UNLIMITED = 1 << 62
try:  # NumPy's C function itself: np.count_nonzero wraps it in a Python-level call
    from numpy._core.multiarray import count_nonzero as _count_nonzero
except ImportError:  # pragma: no cover - another NumPy layout
    _count_nonzero = np.count_nonzero
# tuple.__new__ builds a named tuple without the Python-level __new__ of its class: the same
# object, for the records made once per task.
_new = tuple.__new__


class PlacementContext:
    """Steps 1-2 for one request, kept current as tasks are proposed."""

    def __init__(self, state: ClusterState, needs: TaskNeeds, checks: Sequence[Check]) -> None:
        self.state, self.needs = state, needs
        # Tasks of the group per instance when the request started (read-only).
        self.group_counts = state.group_counts(needs.group)
        self.proposed: dict[int, int] = {}
        self._dynamic_ports: dict[int, list[int]] = {}
        self._static_bindings, self._fixed, self._single = _port_template(needs)
        self._dynamic_count = len(needs.dynamic_mappings)
        self._limits: dict[int, tuple[int, int]] = {}
        self._capacities, self._rechecks, self._one_task = _shape(self, checks)
        self._touched: dict[int, int] = {}
        # rejected()'s dict while no count changes (None: built again on the next read).
        self.rejected_now: dict[str, int] | None = None
        self._run_checks(checks)

    def _run_checks(self, checks: Sequence[Check]) -> None:
        # Steps 1-2 for every instance at once, in precedence order: an instance counts for the
        # first check it fails. A list, not an array, for the counts: they change by one per
        # proposal, and Python ints are cheaper.
        state = self.state
        self.counts = counts = [0] * _CODES
        counts[_NOT_ACTIVE] = state.not_active_count
        counts[_AGENT] = state.agent_lost_count
        self._start: list[tuple[int, np.ndarray]] = []
        feasible, left = state.available, state.available_count
        for check in checks:
            if check.passes_everywhere(self):
                continue  # every instance passes: nothing to count, nor to mask
            passing = check.passing(self)
            self._start.append((check.reason, passing))
            # The first & makes the request's own copy; the later ones update it in place.
            if feasible is state.available:
                feasible = feasible & passing
            else:
                feasible &= passing
            now = int(_count_nonzero(feasible))
            counts[check.reason] += left - now
            left = now
        self.feasible = feasible if feasible is not state.available else feasible.copy()
        counts[0] = left

    # --- Proposals ---------------------------------------------------------------------------

    def propose(self, i: int) -> tuple[tuple[PortBinding, ...], bool]:
        """Record one task on candidate ``i``: its host-port bindings, and whether ``i`` can
        take no more tasks of the request (it is then no longer a candidate)."""
        proposed = self.proposed
        count = proposed[i] = proposed.get(i, 0) + 1
        bindings = self._bind_ports(i) if self._dynamic_count else self._static_bindings
        # i passed every check before; only the dynamic ones can change, and only for i.
        # The limit is worked out at the first task on i (the state is the same all along).
        limit = self._limits[i] = self._limit(i) if count == 1 else self._limits[i]
        if count >= limit[0]:
            self._drop(i, limit[1])
            return bindings, True
        for check in self._rechecks:  # in precedence order, after every capacity
            if check.fails_at(self, i):
                self._drop(i, check.reason)
                return bindings, True
        return bindings, False

    def _limit(self, i: int) -> tuple[int, int]:
        # How many tasks of the request candidate i takes before a capacity check fails, and
        # the first check (in precedence order) to fail then. The state does not change during
        # a request, so this is worked out once per instance: "left after n tasks < one task"
        # is "n >= left // one task". Capacities come in precedence order and reason codes
        # grow with it, so the least (room, code) is the first check to fail.
        one_task = self._one_task
        if one_task is not None:
            # A check lets every instance take one task of the request at most: the reason is
            # the first check before it that one task already fills (room 1), else its own.
            for rows, two_tasks, code in one_task[0]:
                if rows[i] < two_tasks:
                    return 1, code
            return 1, one_task[1]
        limit, reason = _UNLIMITED, 0
        for rows, per_task, code in self._capacities:  # none is None (one_task's case)
            room = rows[i] // per_task  # type: ignore[index]
            if room < limit:  # strictly: on a tie the earlier check wins
                limit, reason = room, code
        return limit, reason

    def _drop(self, i: int, reason: int) -> None:
        counts = self.counts
        counts[0] -= 1
        counts[reason] += 1
        self.feasible[i] = False
        self._touched[i] = reason
        # One more instance is ruled out by ``reason``. Earlier placements keep the dict they
        # were given, so make a new one: a copy with one count changed when the reason is
        # already listed (same order as a rebuild), else a rebuild on the next read.
        rejected, text = self.rejected_now, _TEXT[reason]
        if rejected is not None and text in rejected:
            rejected = self.rejected_now = dict(rejected)
            rejected[text] = counts[reason]
        else:
            self.rejected_now = None

    def _bind_ports(self, i: int) -> tuple[PortBinding, ...]:
        port_range, last, in_use = self.state.dynamic_ports(i)
        earlier = self._dynamic_ports.setdefault(i, [])
        if earlier:
            last = earlier[-1]
        single = self._single
        if single is not None:
            # The common shape: one dynamic port and no static one, and the port after the
            # last one handed out is usually free, so try it before the agent's full scan
            # (first_dynamic_port and any_taken, written out).
            first, end = port_range
            port = first if last is None or not first <= last < end else last + 1
            dynamic, tcp, udp = in_use
            if port in earlier or port in dynamic or port in tcp or port in udp:
                port = next_dynamic_ports(1, port_range, last, (*in_use, earlier))[0]
            earlier.append(port)
            binding = (single.container_name, single.container_port, port, single.protocol, True)
            return (_new(PortBinding, binding),)
        needs = self.needs
        # The task's own static ports are not reserved yet, but will be when it starts.
        taken = (*in_use, needs.static_ports, needs.static_ports_udp, earlier)
        picked = next_dynamic_ports(self._dynamic_count, port_range, last, taken)
        earlier += picked
        dynamic = iter(picked)
        return tuple(
            [
                PortBinding(m.container_name, m.container_port, next(dynamic), m.protocol, True)
                if fixed is None
                else fixed
                for m, fixed in zip(needs.port_mappings, self._fixed, strict=True)
            ]
        )

    def ledger(self) -> Ledger:
        """What the proposals took from each row of the state, for ``ClusterState.apply``."""
        return _new(Ledger, (self.state.revision, self.proposed, self._dynamic_ports))

    # --- Reading -----------------------------------------------------------------------------

    def left(self, column: np.ndarray, i: int, per_task: int) -> int:
        """``column[i]`` (a state column) less what this request's tasks on ``i`` take."""
        # ndarray.item: a Python int straight away, at half the cost of int(column[i]).
        return column.item(i) - self.proposed.get(i, 0) * per_task

    def candidates(self) -> np.ndarray:
        """The rows of every instance that passed steps 1-2 so far."""
        return self.feasible.nonzero()[0]

    @property
    def candidate_count(self) -> int:
        """How many instances passed steps 1-2 so far."""
        return self.counts[0]

    def subject(self, i: int) -> Instance:
        """Instance ``i`` as the query language sees it now (proposed tasks counted)."""
        instance = self.state.instance(i)
        extra = self.proposed.get(i, 0)
        if not extra:
            return instance
        groups = dict(instance.task_groups)
        groups[self.needs.group] = groups.get(self.needs.group, 0) + extra
        return dataclasses.replace(
            instance, task_groups=groups, running_tasks_count=instance.running_tasks_count + extra
        )

    def instance_now(self, i: int) -> Instance:
        """Instance ``i`` with this request's proposals applied (for explanations)."""
        instance = self.subject(i)
        extra = self.proposed.get(i, 0)
        if not extra:
            return instance
        needs = self.needs
        return dataclasses.replace(
            instance,
            remaining_cpu=instance.remaining_cpu - extra * needs.cpu,
            remaining_memory=instance.remaining_memory - extra * needs.memory,
            enis_in_use=instance.enis_in_use + extra * int(needs.uses_eni),
            reserved_ports=instance.reserved_ports | needs.static_ports,
            reserved_ports_udp=instance.reserved_ports_udp | needs.static_ports_udp,
            dynamic_ports_in_use=instance.dynamic_ports_in_use
            | set(self._dynamic_ports.get(i, ())),
        )

    def rejected(self) -> dict[str, int]:
        """How many instances each reason rules out now (reasons with none left out).

        The same dict comes back until a count changes: treat it as read-only.
        """
        if self.rejected_now is None:
            counts = self.counts
            self.rejected_now = {_TEXT[code]: counts[code] for code in _REPORTED if counts[code]}
        return self.rejected_now

    def reasons(self) -> np.ndarray:
        """Every instance's reason code now (0 for a candidate): the lowest failing check."""
        reason = np.zeros(len(self.state), np.uint8)
        # Writing the lowest-precedence reasons first lets higher ones overwrite them.
        for code, passing in reversed(self._start):
            np.putmask(reason, ~passing, code)
        availability = self.state.availability
        np.putmask(reason, availability > 0, availability)
        for i, code in self._touched.items():
            reason[i] = code
        return reason

    def failures(self) -> tuple[Failure, ...]:
        """RunTask's failure entries now: one per rejected instance, with its winning reason.

        Instances that are not ACTIVE are not candidates at all, so they get no entry.
        """
        reason = self.reasons()
        ids = self.state.ids
        reported = (reason > _NOT_ACTIVE).nonzero()[0]
        return tuple(Failure(ids[i], _TEXT[int(reason[i])]) for i in reported)


def _shape(ctx: PlacementContext, checks: Sequence[Check]) -> tuple:
    """``_per_proposal`` and ``_one_task``, kept in the state per needs and checks (a
    workload repeats a handful of them)."""
    shapes, key = ctx.state.request_shapes, (id(ctx.needs), tuple(checks))
    cached = shapes.get(key)
    if cached is None or cached[0] is not ctx.needs:
        if len(shapes) >= _MAX_TEMPLATES:
            shapes.clear()
        capacities, rechecks = _per_proposal(ctx, checks)
        cached = shapes[key] = (ctx.needs, capacities, rechecks, _one_task(capacities))
    return cached[1:]


def _one_task(
    capacities: list[Capacity],
) -> tuple[list[tuple[memoryview, int, int]], int] | None:
    """When a capacity lets an instance take one task at most (rows of None): the
    capacities before it as (rows, what two tasks take, reason), and its reason."""
    for k, (rows, _, code) in enumerate(capacities):
        if rows is None:
            before = [(col, 2 * per_task, reason) for col, per_task, reason in capacities[:k]]
            return before, code  # type: ignore[return-value]
    return None


def _per_proposal(
    ctx: PlacementContext, checks: Sequence[Check]
) -> tuple[list[Capacity], list[Check]]:
    """What a proposal can use up, and the checks to evaluate again after each proposal.

    Capacities are (rows, what one task takes of them, reason), in precedence order; rows
    of None mean one task of the request is all the instance takes (static host ports, or
    distinctInstance). memberOf queries that read runningTasksCount or task:group are asked
    again; distinctInstance then follows them, to keep the precedence order.
    """
    capacities: list[Capacity] = []
    rechecks: list[Check] = []
    for check in checks:
        if not check.dynamic:
            continue
        reason = int(check.reason)
        if reason == Reason.DISTINCT_INSTANCE and not rechecks:
            capacities.append((None, 1, reason))
        elif reason >= Reason.MEMBER_OF:
            rechecks.append(check)
        else:
            capacities += check.capacity(ctx)
    return capacities, rechecks


def _port_template(
    needs: TaskNeeds,
) -> tuple[tuple[PortBinding, ...], list[PortBinding | None], PortMapping | None]:
    """Every task's bindings when all ports are static; per mapping its binding when static
    (the same for every task) or None; and the mapping when it is the task's only one and
    dynamic (the common shape, bound without the general loop)."""
    if not needs.port_mappings:
        return (), [], None
    cached = _TEMPLATES.get(id(needs))
    # The entry holds the needs themselves, so their id cannot be reused while it is kept.
    if cached is not None and cached[0] is needs:
        return cached[1]
    static, fixed = [], []
    for m in needs.port_mappings:
        binding = PortBinding(m.container_name, m.container_port, m.host_port, m.protocol)
        static.append(binding)
        fixed.append(None if m.is_dynamic else binding)
    single = needs.port_mappings[0] if fixed == [None] else None
    template = (tuple(static), fixed, single)
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        _TEMPLATES.clear()
    _TEMPLATES[id(needs)] = (needs, template)
    return template


# Port templates of recent needs, by id (a service or a workload reuses its needs objects).
_TEMPLATES: dict[int, tuple[TaskNeeds, tuple]] = {}
_MAX_TEMPLATES = 256
