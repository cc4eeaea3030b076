"""Errors raised for malformed cluster query expressions.

Every problem with an expression is reported as one exception type, so callers
(memberOf validation, ListContainerInstances filters, the dashboard) need a
single ``except QueryError``::

    ValueError
    └── QueryError          any malformed expression; has .expression, .column, .problem
        ├── QueryLexError     a character or quoted value the lexer cannot read
        ├── QuerySyntaxError  tokens in an order the grammar does not allow
        └── QueryValueError   well-formed, but the operator or value does not fit the subject

The message states the problem, then reprints the expression with a caret
under the offending character::

    Expected a value after '==', found end of expression at column 31:
    attribute:ecs.instance-type ==
                                  ^

``column`` is a 0-based offset into the expression (what code needs to
highlight it); the message counts columns from 1, as editors and compilers do.
"""

from __future__ import annotations

__all__ = ["QueryError", "QueryLexError", "QuerySyntaxError", "QueryValueError"]


class QueryError(ValueError):
    """A cluster query expression that cannot be parsed or compiled."""

    def __init__(self, problem: str, expression: str, column: int) -> None:
        self.problem = problem
        self.expression = expression
        self.column = column
        super().__init__(_render(problem, expression, column))

    def __reduce__(self) -> tuple[type[QueryError], tuple[str, str, int]]:
        # The default reduce would call __init__ with the rendered message only.
        return type(self), (self.problem, self.expression, self.column)


class QueryLexError(QueryError):
    """A character, or an unterminated quoted value, that starts no token."""


class QuerySyntaxError(QueryError):
    """Tokens that do not follow the grammar: a missing value, an unknown subject, ..."""


class QueryValueError(QueryError):
    """An operator the subject does not support, or a value of the wrong kind for it."""


def _render(problem: str, expression: str, column: int) -> str:
    # Tabs, newlines and control characters would push the caret out of line.
    shown = "".join(char if char.isprintable() else " " for char in expression)
    return f"{problem} at column {column + 1}:\n{shown}\n{' ' * column}^"
