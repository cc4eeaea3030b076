"""The syntax tree of a cluster query expression, and the language's vocabulary.

Nodes are frozen, slotted dataclasses. Each carries ``offset``, the column of
the token that introduced it (a predicate's subject, the ``not``, the first
``and``/``or``), so later stages can point at it. Offsets and the typed
literal a value was converted to are left out of equality, so two expressions
that differ only in spacing, quoting or operator spelling give equal trees.

``unparse`` prints a tree back in one normal form (symbol comparisons, word
connectives, single quotes only where needed, parentheses only where needed):
the dashboard shows that form, and parsing it gives an equal tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from placement.query.lexer import BARE_WORD, KEYWORDS

__all__ = [
    "ATTRIBUTE_PREFIX",
    "DYNAMIC_SUBJECTS",
    "OPERATOR_SPELLINGS",
    "SUBJECT_OPERATORS",
    "And",
    "Literal",
    "Node",
    "Not",
    "Operator",
    "Or",
    "Predicate",
    "Value",
    "allowed_operators",
    "unparse",
]


class Operator(StrEnum):
    """A comparison operator, named by its normal spelling."""

    EQUALS = "=="
    NOT_EQUALS = "!="
    GREATER_THAN = ">"
    GREATER_THAN_EQUAL = ">="
    LESS_THAN = "<"
    LESS_THAN_EQUAL = "<="
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    IN = "in"
    NOT_IN = "not_in"
    MATCHES = "=~"
    NOT_MATCHES = "!~"


OPERATOR_SPELLINGS: dict[str, Operator] = {
    "==": Operator.EQUALS,
    "equals": Operator.EQUALS,
    "!=": Operator.NOT_EQUALS,
    "not_equals": Operator.NOT_EQUALS,
    ">": Operator.GREATER_THAN,
    "greater_than": Operator.GREATER_THAN,
    ">=": Operator.GREATER_THAN_EQUAL,
    "greater_than_equal": Operator.GREATER_THAN_EQUAL,
    "<": Operator.LESS_THAN,
    "less_than": Operator.LESS_THAN,
    "<=": Operator.LESS_THAN_EQUAL,
    "less_than_equal": Operator.LESS_THAN_EQUAL,
    "exists": Operator.EXISTS,
    "!exists": Operator.NOT_EXISTS,
    "not_exists": Operator.NOT_EXISTS,
    "in": Operator.IN,
    "!in": Operator.NOT_IN,
    "not_in": Operator.NOT_IN,
    "=~": Operator.MATCHES,
    "matches": Operator.MATCHES,
    "!~": Operator.NOT_MATCHES,
    "not_matches": Operator.NOT_MATCHES,
}

ATTRIBUTE_PREFIX = "attribute:"

_EQUALITY = frozenset({Operator.EQUALS, Operator.NOT_EQUALS})
_MEMBERSHIP = frozenset({Operator.IN, Operator.NOT_IN})
_ORDERING = frozenset(
    {
        Operator.GREATER_THAN,
        Operator.GREATER_THAN_EQUAL,
        Operator.LESS_THAN,
        Operator.LESS_THAN_EQUAL,
    }
)
_MATCHING = frozenset({Operator.MATCHES, Operator.NOT_MATCHES})

# The fixed subjects accept exactly the operators AWS lists for them; task:group
# (for which AWS lists none) gets the string operators it can meaningfully use.
SUBJECT_OPERATORS: dict[str, frozenset[Operator]] = {
    "agentConnected": _EQUALITY | _MEMBERSHIP | _MATCHING,
    "agentVersion": _EQUALITY | _ORDERING,
    "ec2InstanceId": _EQUALITY | _MEMBERSHIP | _MATCHING,
    "registeredAt": _EQUALITY | _ORDERING,
    "runningTasksCount": _EQUALITY | _ORDERING,
    "task:group": _EQUALITY | _MEMBERSHIP | _MATCHING,
}

# Their values change while tasks are placed within a single request.
DYNAMIC_SUBJECTS = frozenset({"runningTasksCount", "task:group"})


def allowed_operators(subject: str) -> frozenset[Operator]:
    """The operators that may follow ``subject`` (every operator for an attribute)."""
    return SUBJECT_OPERATORS.get(subject, frozenset(Operator))


# A value converted once at parse time for its subject and operator; None for
# an attribute ordering value that is not a number (it then compares as text).
Literal = str | int | bool | Decimal | tuple[int, ...] | datetime | re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class Value:
    """A bare or quoted value; ``literal`` is ``text`` converted for its subject."""

    text: str
    offset: int = field(default=0, compare=False)
    literal: Literal = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Predicate:
    """``subject operator [argument]``: one test of one instance."""

    subject: str
    operator: Operator
    argument: Value | tuple[Value, ...] | None
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    """``a and b and ...``: a run of ``and`` at one nesting level, kept flat."""

    operands: tuple[Node, ...]
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    """``a or b or ...``: a run of ``or`` at one nesting level, kept flat."""

    operands: tuple[Node, ...]
    offset: int = field(default=0, compare=False)


Node = Predicate | Not | And | Or


def unparse(node: Node) -> str:
    """Print ``node`` in normal form; parsing the result gives an equal tree."""
    match node:
        case Predicate():
            return _unparse_predicate(node)
        case Not(operand=operand):
            return f"not({unparse(operand)})"
        case And(operands=operands):
            return " and ".join(_unparse_operand(operand, And) for operand in operands)
        case Or(operands=operands):
            return " or ".join(_unparse_operand(operand, Or) for operand in operands)


def _unparse_operand(operand: Node, parent: type[And | Or]) -> str:
    # A nested run of the same connective, or an `or` inside an `and`, only exists
    # because the source had parentheses there.
    text = unparse(operand)
    if isinstance(operand, parent) or (parent is And and isinstance(operand, Or)):
        return f"({text})"
    return text


def _unparse_predicate(predicate: Predicate) -> str:
    head = f"{predicate.subject} {predicate.operator}"
    match predicate.argument:
        case None:
            return head
        case Value() as value:
            return f"{head} {_unparse_value(value)}"
        case values:
            return f"{head} [{', '.join(_unparse_value(value) for value in values)}]"


def _unparse_value(value: Value) -> str:
    if BARE_WORD.fullmatch(value.text) and value.text not in KEYWORDS:
        return value.text
    return f"'{value.text}'"
