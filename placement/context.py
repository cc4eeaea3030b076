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

from placement.inputs import Instance, TaskNeeds
from placement.resources import Check, next_dynamic_ports
from placement.results import Failure, PortBinding, Reason
from placement.state import ClusterState

__all__ = ["PlacementContext"]

_TEXT = {int(reason): reason.text for reason in Reason}
_CODES = len(Reason) + 1
_REPORTED = range(1, _CODES)
_NOT_ACTIVE, _AGENT = int(Reason.NOT_ACTIVE), int(Reason.AGENT)


class PlacementContext:
    """Steps 1-2 for one request, kept current as tasks are proposed."""

    def __init__(self, state: ClusterState, needs: TaskNeeds, checks: Sequence[Check]) -> None:
        self.state, self.needs = state, needs
        # Tasks of the group per instance when the request started (read-only).
        self.group_counts = state.group_counts(needs.group)
        self.proposed: dict[int, int] = {}
        self._dynamic_ports: dict[int, list[int]] = {}
        self._dynamic_checks = [check for check in checks if check.dynamic]
        self._static_bindings = tuple(
            PortBinding(m.container_name, m.container_port, m.host_port, m.protocol)
            for m in needs.port_mappings
        )
        # Per mapping: its binding when static (the same for every task), else None.
        self._fixed = [
            None if m.is_dynamic else b
            for m, b in zip(needs.port_mappings, self._static_bindings, strict=True)
        ]
        self._start: list[tuple[int, np.ndarray]] = []
        self._touched: dict[int, int] = {}
        # A list, not an array: it changes by one per proposal, and Python ints are cheaper.
        self.counts = [0] * _CODES
        self.counts[_NOT_ACTIVE] = state.not_active_count
        self.counts[_AGENT] = state.agent_lost_count
        self.feasible = feasible = state.available.copy()
        for check in checks:  # in precedence order: an instance counts for its first failure
            failing = check.failing(self)
            self._start.append((check.reason, failing))
            newly = failing & feasible
            self.counts[check.reason] += int(np.count_nonzero(newly))
            feasible ^= newly
        self.counts[0] = len(state) - sum(self.counts)
        self._rejected: dict[str, int] | None = None

    # --- Proposals ---------------------------------------------------------------------------

    def propose(self, i: int) -> tuple[PortBinding, ...]:
        """Record one task on candidate ``i``; return its host-port bindings."""
        self.proposed[i] = self.proposed.get(i, 0) + 1
        bindings = self._bind_ports(i) if self.needs.dynamic_mappings else self._static_bindings
        # i passed every check before; only the dynamic ones can change, and only for i.
        for check in self._dynamic_checks:  # in precedence order
            if check.fails_at(self, i):
                self.counts[0] -= 1
                self.counts[check.reason] += 1
                self.feasible[i] = False
                self._touched[i] = check.reason
                self._recount(check.reason)
                break
        return bindings

    def _recount(self, reason: int) -> None:
        # One more instance is ruled out by ``reason``. Earlier placements keep the dict they
        # were given, so make a new one: a copy with one count changed when the reason is
        # already listed (same order as a rebuild), else a rebuild on the next read.
        rejected, text = self._rejected, _TEXT[reason]
        if rejected is not None and text in rejected:
            rejected = self._rejected = dict(rejected)
            rejected[text] = self.counts[reason]
        else:
            self._rejected = None

    def _bind_ports(self, i: int) -> tuple[PortBinding, ...]:
        state, needs = self.state, self.needs
        earlier = self._dynamic_ports.setdefault(i, [])
        last = earlier[-1] if earlier else state.last_dynamic_port(i)
        # The task's own static ports are not reserved yet, but will be when it starts.
        taken = (*state.ports_in_use(i), needs.static_ports, needs.static_ports_udp, earlier)
        count = len(needs.dynamic_mappings)
        picked = next_dynamic_ports(count, state.dynamic_port_range(i), last, taken)
        earlier.extend(picked)
        dynamic = iter(picked)
        return tuple(
            [
                PortBinding(m.container_name, m.container_port, next(dynamic), m.protocol, True)
                if fixed is None
                else fixed
                for m, fixed in zip(needs.port_mappings, self._fixed, strict=True)
            ]
        )

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
        if self._rejected is None:
            counts = self.counts
            self._rejected = {_TEXT[code]: counts[code] for code in _REPORTED if counts[code]}
        return self._rejected

    def reasons(self) -> np.ndarray:
        """Every instance's reason code now (0 for a candidate): the lowest failing check."""
        reason = np.zeros(len(self.state), np.uint8)
        # Writing the lowest-precedence reasons first lets higher ones overwrite them.
        for code, failing in reversed(self._start):
            np.putmask(reason, failing, code)
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
