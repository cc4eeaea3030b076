"""Compile a cluster query into one closure per node, then test instances with it.

Everything that depends only on the expression is done once, at compile time:
values were already converted by the parser (versions, timestamps, integers,
compiled regexes), lists become frozensets, and each predicate becomes a
closure specialised for its subject and operator. Testing an instance is then
a handful of attribute reads and comparisons.

Semantics where AWS documents nothing (simulator decisions):

- An attribute that is missing, or present without a value (a capability
  such as ``ecs.capability.task-eni``), has no value: ``==``, ``in``, ``=~``
  and the ordering operators are false for it, and their negations ``!=``,
  ``not_in`` and ``!~`` are true. ``exists`` only asks whether the name is
  registered, valued or not.
- Ordering an attribute compares numbers when the value and the instance's
  attribute both read as plain decimals (``10 > 9``), and text otherwise
  (``t3 > t2``). ``==`` always compares text.
- ``task:group == X`` holds when any task on the instance whose desired status
  is RUNNING is in group X; ``in`` when any is in one of the listed groups;
  ``=~`` when any group matches. ``!=``, ``not_in`` and ``!~`` are the negations,
  so they hold for an instance without tasks.
- ``agentConnected =~ x`` matches x against ``true`` or ``false``.
- An agent version that does not read as a dotted version compares false with
  everything (true for ``!=``); suffixes such as ``-beta`` are ignored.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from placement.query.ast import (
    ATTRIBUTE_PREFIX,
    DYNAMIC_SUBJECTS,
    And,
    Node,
    Not,
    Operator,
    Or,
    Predicate,
    Value,
)
from placement.query.parser import as_number, as_version, parse

__all__ = ["Instance", "Query", "compile_node", "compile_query"]


class Instance(Protocol):
    """What a query reads from a container instance."""

    ec2_instance_id: str
    agent_connected: bool
    agent_version: str
    registered_at: datetime
    running_tasks_count: int
    attributes: Mapping[str, str | None]
    task_groups: Collection[str]


Test = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Query:
    """A compiled expression: call it on an instance, or ``mask`` a list of them."""

    expression: str
    ast: Node
    subjects: frozenset[str]
    is_dynamic: bool
    # When nothing but the values of some attributes decides the answer (no other subject,
    # no ``exists``, which tells a name-only attribute from a missing one): their names.
    # Instances that agree on those values then get the same answer. None otherwise.
    by_attributes: tuple[str, ...] | None
    _test: Test = field(repr=False, compare=False)

    def __call__(self, instance: Instance) -> bool:
        """Whether ``instance`` satisfies the expression."""
        return self._test(instance)

    def mask(self, instances: Sequence[Instance]) -> list[bool]:
        """``[query(instance) for instance in instances]``, without the per-call overhead."""
        test = self._test
        return [test(instance) for instance in instances]


@functools.lru_cache(maxsize=1024)
def compile_query(expression: str) -> Query:
    """Parse and compile ``expression`` (cached), or raise ``QueryError``."""
    tree = parse(expression)
    subjects = frozenset(predicate.subject for predicate in _predicates(tree))
    dynamic = bool(subjects & DYNAMIC_SUBJECTS)
    return Query(expression, tree, subjects, dynamic, _by_attributes(tree), compile_node(tree))


def _by_attributes(tree: Node) -> tuple[str, ...] | None:
    names = set()
    for predicate in _predicates(tree):
        subject, op = predicate.subject, predicate.operator
        if not subject.startswith(ATTRIBUTE_PREFIX) or op in (Operator.EXISTS, Operator.NOT_EXISTS):
            return None
        names.add(subject.removeprefix(ATTRIBUTE_PREFIX))
    return tuple(sorted(names))


def _predicates(node: Node) -> Iterator[Predicate]:
    match node:
        case Predicate():
            yield node
        case Not(operand=operand):
            yield from _predicates(operand)
        case And(operands=operands) | Or(operands=operands):
            for operand in operands:
                yield from _predicates(operand)


def compile_node(node: Node) -> Test:
    """Turn a syntax tree into a function from an instance to a bool."""
    match node:
        case Predicate():
            return _compile_predicate(node)
        case Not(operand=operand):
            test = compile_node(operand)
            return lambda instance: not test(instance)
        case And(operands=operands):
            return _all([compile_node(operand) for operand in operands])
        case Or(operands=operands):
            return _any([compile_node(operand) for operand in operands])


def _all(tests: list[Test]) -> Test:
    # Unrolled for the common short runs: a generator costs more than the tests.
    if len(tests) == 2:
        first, second = tests
        return lambda instance: first(instance) and second(instance)
    if len(tests) == 3:
        first, second, third = tests
        return lambda instance: first(instance) and second(instance) and third(instance)
    return lambda instance: all(test(instance) for test in tests)


def _any(tests: list[Test]) -> Test:
    if len(tests) == 2:
        first, second = tests
        return lambda instance: first(instance) or second(instance)
    if len(tests) == 3:
        first, second, third = tests
        return lambda instance: first(instance) or second(instance) or third(instance)
    return lambda instance: any(test(instance) for test in tests)


def _compile_predicate(predicate: Predicate) -> Test:
    subject, op, argument = predicate.subject, predicate.operator, predicate.argument
    if subject == "task:group":
        return _task_group(op, argument)
    if subject.startswith(ATTRIBUTE_PREFIX):
        name = subject.removeprefix(ATTRIBUTE_PREFIX)
        if op in (Operator.EXISTS, Operator.NOT_EXISTS):
            return _exists(name, negate=op is Operator.NOT_EXISTS)
        get = _attribute_value(name)
        if op in _ORDERING:
            return _attribute_order(get, _ORDERING[op], argument)
    elif op in (Operator.MATCHES, Operator.NOT_MATCHES) and subject == "agentConnected":
        get = _agent_connected_text
    else:
        get = _GETTERS[subject]
    return _compare(get, op, argument)


def _compare(get: Callable[[Any], Any], op: Operator, argument: Any) -> Test:
    if op in (Operator.IN, Operator.NOT_IN):
        members = frozenset(value.literal for value in argument)
        if op is Operator.IN:
            return lambda instance: get(instance) in members
        return lambda instance: get(instance) not in members
    literal = argument.literal
    if op is Operator.EQUALS:
        return lambda instance: get(instance) == literal
    if op is Operator.NOT_EQUALS:
        return lambda instance: get(instance) != literal
    if op in _ORDERING:
        compare = _ORDERING[op]
        return lambda instance: (actual := get(instance)) is not None and compare(actual, literal)
    fullmatch = literal.fullmatch
    if op is Operator.MATCHES:
        return lambda instance: (actual := get(instance)) is not None and bool(fullmatch(actual))
    return lambda instance: (actual := get(instance)) is None or not fullmatch(actual)


def _attribute_value(name: str) -> Callable[[Any], str | None]:
    return lambda instance: instance.attributes.get(name)


def _exists(name: str, *, negate: bool) -> Test:
    if negate:
        return lambda instance: name not in instance.attributes
    return lambda instance: name in instance.attributes


def _attribute_order(
    get: Callable[[Any], Any], compare: Callable[[Any, Any], bool], value: Value
) -> Test:
    number, text = value.literal, value.text

    def test(instance: Any) -> bool:
        actual = get(instance)
        if actual is None:
            return False
        if number is not None and (actual_number := _instance_number(actual)) is not None:
            return compare(actual_number, number)
        return compare(actual, text)

    return test


def _task_group(op: Operator, argument: Any) -> Test:
    if op in (Operator.EQUALS, Operator.NOT_EQUALS):
        group = argument.text
        if op is Operator.EQUALS:
            return lambda instance: group in instance.task_groups
        return lambda instance: group not in instance.task_groups
    if op in (Operator.IN, Operator.NOT_IN):
        groups = frozenset(value.text for value in argument)
        if op is Operator.IN:
            return lambda instance: not groups.isdisjoint(instance.task_groups)
        return lambda instance: groups.isdisjoint(instance.task_groups)
    fullmatch = argument.literal.fullmatch
    if op is Operator.MATCHES:
        return lambda instance: any(fullmatch(group) for group in instance.task_groups)
    return lambda instance: not any(fullmatch(group) for group in instance.task_groups)


_VERSION_PREFIX = re.compile(r"[0-9]+(?:\.[0-9]+)*")


# Fleets run a handful of agent versions, so each is parsed once.
@functools.lru_cache(maxsize=256)
def _instance_version(text: str) -> tuple[int, ...] | None:
    # Agents report plain dotted versions; anything after them is ignored.
    prefix = _VERSION_PREFIX.match(text)
    return as_version(prefix.group()) if prefix else None


@functools.lru_cache(maxsize=4096)
def _instance_number(text: str) -> Decimal | None:
    return as_number(text)


def _agent_connected_text(instance: Any) -> str:
    return "true" if instance.agent_connected else "false"


_GETTERS: dict[str, Callable[[Any], Any]] = {
    "agentConnected": operator.attrgetter("agent_connected"),
    "agentVersion": lambda instance: _instance_version(instance.agent_version),
    "ec2InstanceId": operator.attrgetter("ec2_instance_id"),
    "registeredAt": operator.attrgetter("registered_at"),
    "runningTasksCount": operator.attrgetter("running_tasks_count"),
}

_ORDERING: dict[Operator, Callable[[Any, Any], bool]] = {
    Operator.GREATER_THAN: operator.gt,
    Operator.GREATER_THAN_EQUAL: operator.ge,
    Operator.LESS_THAN: operator.lt,
    Operator.LESS_THAN_EQUAL: operator.le,
}
