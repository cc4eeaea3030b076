"""Parse ECS cluster query language expressions into a checked syntax tree.

Grammar (EBNF; tokens may be separated by spaces, tabs or newlines, and must be
where two words would otherwise run together)::

    expression = or-expr ;
    or-expr    = and-expr , { ( "or" | "||" ) , and-expr } ;
    and-expr   = unary , { ( "and" | "&&" ) , unary } ;
    unary      = ( "not" | "!" ) , unary | "(" , expression , ")" | predicate ;
    predicate  = subject , ( exists-op
                           | list-op , "[" , value , { "," , value } , "]"
                           | compare-op , value ) ;
    subject    = "agentConnected" | "agentVersion" | "ec2InstanceId" | "registeredAt"
               | "runningTasksCount" | "task:group" | "attribute:" , name ;
    exists-op  = "exists" | "!exists" | "not_exists" ;
    list-op    = "in" | "!in" | "not_in" ;
    compare-op = "==" | "equals" | "!=" | "not_equals" | ">" | "greater_than"
               | ">=" | "greater_than_equal" | "<" | "less_than"
               | "<=" | "less_than_equal" | "=~" | "matches" | "!~" | "not_matches" ;
    value      = bare | "'" , { ? any character but "'" ? } , "'" ;
    bare       = bare-char , { bare-char } ;  (* but not "and", "or" or "not" *)
    bare-char  = letter | digit | "." | "-" | "_" | ":" | "/" | "\\" | "@" | "*" | "+" ;
    name       = name-char , { name-char } ;
    name-char  = letter | digit | "." | "-" | "_" | "/" | "\\" ;

Technique: a hand-written Pratt (top-down operator precedence) parser over a
token list. ``and``/``or`` are the only infix tokens, so the binding-power
table has two rows, and ``not`` parses its operand with a power above both.
A predicate is read whole by the subject's prefix rule rather than through
infix comparison operators, because its two sides are not expressions: one is
a subject and the other a value that only means something for that subject.
Each value is converted for its subject as soon as it is read (a version, a
timestamp, an integer, a compiled regex), so every malformed expression fails
here with a caret, and evaluation never meets a bad literal. Trade-offs: a
Pratt loop is a little less obvious than one function per grammar rule, but
adding a precedence level is one table entry; operands of a run of the same
connective are collected into one flat node, which keeps long ``or`` chains
from nesting (and recursing) deeply; nesting by ``(`` and ``not`` is capped at
``MAX_DEPTH`` so no input can exhaust Python's stack.

Choices where AWS documents nothing (simulator decisions):

- Precedence is ``not`` > ``and`` > ``or``; ``and`` and ``or`` group left to right.
- Parentheses may group any sub-expression, so ``not(task:group == database)``
  and ``(a or b) and c`` both parse.
- Keywords and operator words are lowercase and case-sensitive (``AND`` and
  ``EQUALS`` are errors with a hint), as are subject names: an expression
  accepted here is then spelled as in every AWS example.
- ``and``, ``or`` and ``not`` must be quoted to be used as values; other words,
  operator words included, are values wherever a value is expected.
- Quoted values use single quotes and have no escapes.
- ``exists``/``not_exists`` apply only to ``attribute:NAME``. The fixed subjects
  accept only the operators AWS lists for them (``runningTasksCount =~ 1`` is
  an error); ``task:group`` accepts ``==``, ``!=``, ``in``, ``not_in``, ``=~``
  and ``!~``; attributes accept every operator.
- ``agentConnected`` values are ``true``/``false``; ``agentVersion`` values are
  dotted numbers compared component by component, missing components being 0;
  ``runningTasksCount`` values are whole numbers; ``registeredAt`` values take
  the four documented forms (any ``+HH:MM``/``-HH:MM`` offset), a value without
  an offset being UTC and a date alone meaning midnight UTC.
- ``matches`` uses Python's ``re`` with ``re.ASCII`` (as Java, ``\\d`` and ``\\w``
  are ASCII) and must match the whole value.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from placement.query.ast import (
    ATTRIBUTE_PREFIX,
    OPERATOR_SPELLINGS,
    SUBJECT_OPERATORS,
    And,
    Literal,
    Node,
    Not,
    Operator,
    Or,
    Predicate,
    Value,
    allowed_operators,
)
from placement.query.errors import QuerySyntaxError, QueryValueError
from placement.query.lexer import KEYWORDS, Token, TokenKind, describe, tokenize

__all__ = ["MAX_DEPTH", "as_number", "as_version", "parse"]

# Each '(' and each 'not' is a level. Realistic expressions use two or three;
# the cap only stops input built to exhaust the stack.
MAX_DEPTH = 50

_BINDING_POWER = {TokenKind.OR: 10, TokenKind.AND: 20}
_NOT_BINDING_POWER = 30
# After these, an attribute value stays text; after an ordering operator it is
# read as a number when it looks like one.
_TEXT_OPERATORS = frozenset({Operator.EQUALS, Operator.NOT_EQUALS, Operator.IN, Operator.NOT_IN})
_CONNECTIVES: dict[TokenKind, type[And | Or]] = {TokenKind.OR: Or, TokenKind.AND: And}
_ATTRIBUTE_NAME_CHAR = re.compile(r"[^A-Za-z0-9.\-_/\\]")
_LOWERCASE_WORDS = frozenset(KEYWORDS) | frozenset(OPERATOR_SPELLINGS)
_SUBJECTS_BY_LOWER_NAME = {name.lower(): name for name in SUBJECT_OPERATORS}
_SUBJECT_LIST = ", ".join(SUBJECT_OPERATORS) + " or attribute:NAME"


def parse(expression: str) -> Node:
    """Parse ``expression`` into a syntax tree, or raise ``QueryError`` with a caret."""
    return _Parser(expression).parse()


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = tokenize(expression)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[min(self.index, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def error(self, problem: str, column: int) -> QuerySyntaxError:
        return QuerySyntaxError(problem, self.expression, column)

    def parse(self) -> Node:
        if self.current.kind is TokenKind.EOF:
            raise self.error("Empty expression", 0)
        node = self.expression_(0)
        token = self.current
        if token.kind is TokenKind.RPAREN:
            raise self.error("Unmatched ')'", token.start)
        if token.kind is not TokenKind.EOF:
            raise self.error(
                f"Expected 'and', 'or' or end of expression, found {_found(token)}", token.start
            )
        return node

    def expression_(self, right_binding_power: int) -> Node:
        left = self.prefix()
        while (power := _BINDING_POWER.get(self.current.kind, 0)) > right_binding_power:
            connective = self.current
            operands = [left]
            while self.current.kind is connective.kind:
                self.advance()
                operands.append(self.expression_(power))
            left = _CONNECTIVES[connective.kind](tuple(operands), connective.start)
        return left

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind is TokenKind.WORD:
            return self.predicate(token)
        if token.kind in (TokenKind.NOT, TokenKind.LPAREN):
            return self.nested(token)
        position = self.tokens.index(token)
        after = f" after '{self.tokens[position - 1].text}'" if position else ""
        raise self.error(f"Expected a condition{after}, found {_found(token)}", token.start)

    def nested(self, opener: Token) -> Node:
        if self.depth == MAX_DEPTH:
            raise self.error(f"Expression nested more than {MAX_DEPTH} levels deep", opener.start)
        self.depth += 1
        try:
            if opener.kind is TokenKind.NOT:
                return Not(self.expression_(_NOT_BINDING_POWER), opener.start)
            inner = self.expression_(0)
        finally:
            self.depth -= 1
        closer = self.advance()
        if closer.kind is not TokenKind.RPAREN:
            raise self.error(
                f"Expected 'and', 'or' or ')' to close the '(' at column {opener.start + 1}, "
                f"found {_found(closer)}",
                closer.start,
            )
        return inner

    def predicate(self, token: Token) -> Predicate:
        subject = self.subject(token)
        spelling = self.advance()
        operator = OPERATOR_SPELLINGS.get(spelling.text)
        if operator is None:
            raise self.error(
                f"Expected an operator after '{subject}', found {_found(spelling)}",
                spelling.start,
            )
        self.check_operator(subject, operator, spelling)
        argument: Value | tuple[Value, ...] | None = None
        if operator in (Operator.IN, Operator.NOT_IN):
            argument = self.values(subject, operator, spelling)
        elif operator not in (Operator.EXISTS, Operator.NOT_EXISTS):
            argument = self.value(subject, operator, spelling)
        return Predicate(subject, operator, argument, token.start)

    def subject(self, token: Token) -> str:
        name = token.text
        if name in SUBJECT_OPERATORS:
            return name
        if not name.startswith(ATTRIBUTE_PREFIX):
            raise self.error(f"Unknown subject {_found(token)}{_subject_hint(name)}", token.start)
        column = token.start + len(ATTRIBUTE_PREFIX)
        if len(name) == len(ATTRIBUTE_PREFIX):
            raise self.error("Expected an attribute name after 'attribute:'", column)
        if bad := _ATTRIBUTE_NAME_CHAR.search(name, len(ATTRIBUTE_PREFIX)):
            raise self.error(
                f"Unexpected character {bad.group()!r} in attribute name",
                token.start + bad.start(),
            )
        return name

    def check_operator(self, subject: str, operator: Operator, spelling: Token) -> None:
        allowed = allowed_operators(subject)
        if operator in allowed:
            return
        if operator in (Operator.EXISTS, Operator.NOT_EXISTS):
            problem = f"Operator '{spelling.text}' applies only to attribute:NAME subjects"
        else:
            listed = ", ".join(op for op in Operator if op in allowed)
            problem = f"Operator '{spelling.text}' cannot be used with {subject} (use {listed})"
        raise QueryValueError(problem, self.expression, spelling.start)

    def value(self, subject: str, operator: Operator, after: Token) -> Value:
        token = self.advance()
        if token.kind not in (TokenKind.WORD, TokenKind.STRING):
            raise self.error(
                f"Expected a value after '{after.text}', found {_found(token)}", token.start
            )
        return Value(token.value, token.start, self.literal(subject, operator, token))

    def values(self, subject: str, operator: Operator, after: Token) -> tuple[Value, ...]:
        opener = self.advance()
        if opener.kind is not TokenKind.LBRACKET:
            raise self.error(
                f"Expected '[' after '{after.text}', found {_found(opener)}", opener.start
            )
        if self.current.kind is TokenKind.RBRACKET:
            raise self.error("Expected at least one value in the list", self.current.start)
        values = [self.value(subject, operator, opener)]
        while (separator := self.advance()).kind is TokenKind.COMMA:
            values.append(self.value(subject, operator, separator))
        if separator.kind is not TokenKind.RBRACKET:
            raise self.error(
                f"Expected ',' or ']' after a list value, found {_found(separator)}",
                separator.start,
            )
        return tuple(values)

    def literal(self, subject: str, operator: Operator, token: Token) -> Literal:
        if operator in (Operator.MATCHES, Operator.NOT_MATCHES):
            return self.regex(token)
        reader = _READERS.get(subject)
        if reader is None:
            return token.value if operator in _TEXT_OPERATORS else as_number(token.value)
        literal = reader(token.value)
        if literal is None:
            raise QueryValueError(
                f"Expected {_EXPECTED[subject]} for {subject}, found {describe(token)}",
                self.expression,
                token.start,
            )
        return literal

    def regex(self, token: Token) -> re.Pattern[str]:
        # The caret goes to the character the regex engine choked on.
        column = token.start + (token.kind is TokenKind.STRING)
        try:
            return re.compile(token.value, re.ASCII)
        except re.error as error:
            problem, column = error.msg, column + (error.pos or 0)
        except (OverflowError, RecursionError) as error:
            problem = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise QueryValueError(f"Invalid regular expression ({problem})", self.expression, column)


def _found(token: Token) -> str:
    hint = ""
    lower = token.text.lower()
    if token.kind is TokenKind.WORD and lower != token.text and lower in _LOWERCASE_WORDS:
        hint = " (keywords and operators are lowercase)"
    return describe(token) + hint


def _subject_hint(name: str) -> str:
    lower = name.lower()
    if lower in _LOWERCASE_WORDS:
        return ""
    if lower.startswith(ATTRIBUTE_PREFIX):
        return f" (did you mean '{ATTRIBUTE_PREFIX}{name[len(ATTRIBUTE_PREFIX) :]}'?)"
    if suggestion := _SUBJECTS_BY_LOWER_NAME.get(lower):
        return f" (did you mean '{suggestion}'?)"
    return f" (expected {_SUBJECT_LIST})"


# Longer numbers are never real counts or versions, and int() refuses more
# than 4300 digits with a ValueError of its own.
_MAX_DIGITS = 100
_INTEGER = re.compile(r"-?[0-9]+")
_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[-+][0-9]{2}:[0-9]{2})?)?"
)


def as_number(text: str) -> Decimal | None:
    """``text`` as an exact number if it is written as one (no exponent), else None."""
    return Decimal(text) if _NUMBER.fullmatch(text) else None


def as_version(text: str) -> tuple[int, ...] | None:
    """A dotted version without trailing zero parts (so 1.14 == 1.14.0), else None."""
    if len(text) > _MAX_DIGITS or not _VERSION.fullmatch(text):
        return None
    parts = [int(part) for part in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _as_boolean(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text)


def _as_integer(text: str) -> int | None:
    return int(text) if len(text) <= _MAX_DIGITS and _INTEGER.fullmatch(text) else None


def _as_timestamp(text: str) -> datetime | None:
    if not _TIMESTAMP.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:  # a well-shaped but impossible date, such as 2018-02-30
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_READERS = {
    "agentConnected": _as_boolean,
    "agentVersion": as_version,
    "ec2InstanceId": str,
    "registeredAt": _as_timestamp,
    "runningTasksCount": _as_integer,
    "task:group": str,
}
_EXPECTED = {
    "agentConnected": "true or false",
    "agentVersion": "a version such as 1.14.5",
    "registeredAt": "a date such as 2018-06-18 or 2018-06-18T22:28:28Z",
    "runningTasksCount": "a whole number",
}
