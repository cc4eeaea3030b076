"""Service scale-in: which running tasks ECS stops when the desired count drops (spec §2.4).

The service's placement strategies are read backwards, one task at a time:

- binpack(field): stop the task on the instance that will have the most of the field left;
- spread(attribute:NAME): stop a task where the value holds the most tasks of the service
  (a task on an instance lacking the attribute goes first, mirroring placement);
- spread(instanceId): stop a task on the instance running the most tasks of the service;
- random: any task, uniformly.

Without strategies ECS's documented default applies, which is the service default read
backwards: the zone with the most tasks of the service, then the instance with the most.
Later strategies break earlier ties; a seeded uniform pick breaks the last. Protected tasks
are never chosen (and still count for the balance), so fewer than ``count`` may come back.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from placement.inputs import Instance, PlacementRequest, PlacementStrategy
from placement.strategies import (
    Binpack,
    Random,
    SpreadAttribute,
    SpreadInstances,
    Strategy,
    build_strategies,
)

__all__ = ["RunningTask", "choose_tasks_to_stop"]

_MISSING_FIRST = 1 << 62


@dataclass(frozen=True, slots=True)
class RunningTask:
    """A running task of the service being scaled in."""

    task_id: str
    instance_id: str
    cpu: int = 0
    memory: int = 0
    protected: bool = False


def choose_tasks_to_stop(
    tasks: Sequence[RunningTask],
    instances: Sequence[Instance],
    count: int,
    strategies: Sequence[PlacementStrategy] = (),
    *,
    seed: int = 0,
    rng: random.Random | None = None,
) -> tuple[str, ...]:
    """The ids of up to ``count`` tasks to stop, in stopping order (same seed, same answer)."""
    chain = build_strategies(PlacementRequest(kind="service", strategies=tuple(strategies)))
    rng = random.Random(seed) if rng is None else rng
    view = _Service(tasks, instances)
    pool = [task for task in tasks if not task.protected]
    stopped: list[str] = []
    while pool and len(stopped) < count:
        tied = pool
        for strategy in chain:
            tied = _narrow(strategy, view, tied, rng)
        victim = tied[0] if len(tied) == 1 else tied[rng.randrange(len(tied))]
        pool.remove(victim)
        view.stop(victim)
        stopped.append(victim.task_id)
    return tuple(stopped)


class _Service:
    """The service's tasks per instance and what each instance has left, kept as tasks stop."""

    def __init__(self, tasks: Sequence[RunningTask], instances: Sequence[Instance]) -> None:
        self.instances = {instance.id: instance for instance in instances}
        self.per_instance = Counter(task.instance_id for task in tasks)
        self.freed: Counter[tuple[str, str]] = Counter()

    def value(self, instance_id: str, name: str) -> str | None:
        """The instance's value of attribute ``name`` (None if missing or unknown instance)."""
        instance = self.instances.get(instance_id)
        return None if instance is None else instance.attributes.get(name)

    def per_value(self, name: str) -> Counter[str | None]:
        """The service's tasks per value of attribute ``name``."""
        counts: Counter[str | None] = Counter()
        for instance_id, n in self.per_instance.items():
            counts[self.value(instance_id, name)] += n
        return counts

    def remaining(self, instance_id: str, resource: str) -> int:
        """What the instance has left of ``resource``, stops so far included."""
        instance = self.instances.get(instance_id)
        if instance is None:
            return 0
        base = instance.remaining_cpu if resource == "cpu" else instance.remaining_memory
        return base + self.freed[instance_id, resource]

    def stop(self, task: RunningTask) -> None:
        """Record one chosen task as stopped."""
        self.per_instance[task.instance_id] -= 1
        self.freed[task.instance_id, "cpu"] += task.cpu
        self.freed[task.instance_id, "memory"] += task.memory


def _narrow(
    strategy: Strategy, view: _Service, tasks: list[RunningTask], rng: random.Random
) -> list[RunningTask]:
    if isinstance(strategy, Random):
        return [tasks[rng.randrange(len(tasks))]]
    if isinstance(strategy, SpreadAttribute):
        counts = view.per_value(strategy.name)

        def key(task: RunningTask) -> int:
            value = view.value(task.instance_id, strategy.name)
            # A task on an instance without the attribute goes first, mirroring placement.
            return _MISSING_FIRST if value is None else counts[value]

    elif isinstance(strategy, SpreadInstances):

        def key(task: RunningTask) -> int:
            return view.per_instance[task.instance_id]

    else:
        assert isinstance(strategy, Binpack)
        resource = strategy.resource

        def key(task: RunningTask) -> int:
            own = task.cpu if resource == "cpu" else task.memory
            return view.remaining(task.instance_id, resource) + own

    keys = [key(task) for task in tasks]
    best = max(keys)
    return [task for task, k in zip(tasks, keys, strict=True) if k == best]
