"""The ECS cluster query language: ``attribute:ecs.instance-type =~ t2.* and ...``.

Used by memberOf placement constraints, ListContainerInstances filters and the
dashboard's live highlighting. The stages follow one another::

    text --lexer--> tokens --parser--> syntax tree --evaluate--> Query(instance) -> bool

``compile_query`` is the usual entry point; ``parse`` and ``unparse`` serve
tools that show or normalise expressions. The grammar and the choices made
where AWS is silent are in ``parser.py`` and ``evaluate.py``.
"""

from __future__ import annotations

from placement.query.ast import And, Node, Not, Operator, Or, Predicate, Value, unparse
from placement.query.errors import QueryError, QueryLexError, QuerySyntaxError, QueryValueError
from placement.query.evaluate import Instance, Query, compile_query
from placement.query.parser import parse

__all__ = [
    "And",
    "Instance",
    "Node",
    "Not",
    "Operator",
    "Or",
    "Predicate",
    "Query",
    "QueryError",
    "QueryLexError",
    "QuerySyntaxError",
    "QueryValueError",
    "Value",
    "compile_query",
    "parse",
    "unparse",
]
