"""The query package's public surface: exports, errors, Query objects, trees and printing."""

from __future__ import annotations

import ast as python_ast
import dataclasses
import pickle
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

import placement.query
from placement.query import (
    And,
    Not,
    Operator,
    Or,
    Predicate,
    QueryError,
    QueryLexError,
    QuerySyntaxError,
    QueryValueError,
    Value,
    compile_query,
    parse,
    unparse,
)
from placement.query.lexer import TokenKind, tokenize
from tests.placement.test_query_cases import Instance

QUERY_PACKAGE = Path(placement.query.__file__).parent


def make_instance(**changes: object) -> Instance:
    """A connected, idle t2.small with no tasks, changed as asked."""
    fields: dict[str, object] = {
        "ec2_instance_id": "i-1",
        "agent_connected": True,
        "agent_version": "1.80.0",
        "registered_at": datetime(2024, 1, 1, tzinfo=UTC),
        "running_tasks_count": 0,
        "attributes": {"ecs.instance-type": "t2.small"},
        "task_groups": (),
    }
    fields.update(changes)
    return Instance(**fields)  # type: ignore[arg-type]


def test_all_lists_exactly_the_public_names() -> None:
    """``__all__`` names every public non-module attribute of the package, and nothing else."""
    public = {
        name
        for name, value in vars(placement.query).items()
        # `annotations` is the binding made by `from __future__ import annotations`.
        if not name.startswith("_")
        and name != "annotations"
        and not isinstance(value, types.ModuleType)
    }
    assert public == set(placement.query.__all__)


def test_query_modules_do_not_import_django() -> None:
    """The query language stays pure Python, so the engine can run without Django."""
    for path in QUERY_PACKAGE.glob("*.py"):
        tree = python_ast.parse(path.read_text(encoding="utf-8"))
        for node in python_ast.walk(tree):
            if isinstance(node, python_ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, python_ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), path.name


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("attribute:a == 'x", QueryLexError),
        ("attribute:a ==", QuerySyntaxError),
        ("runningTasksCount == x", QueryValueError),
    ],
)
def test_errors_form_one_tree_under_value_error(expression: str, kind: type[QueryError]) -> None:
    """Lexing, grammar and value problems each have a subclass of QueryError, itself a ValueError."""
    with pytest.raises(kind) as raised:
        parse(expression)
    assert isinstance(raised.value, ValueError)


def test_error_carries_expression_column_and_problem() -> None:
    """A QueryError exposes the expression, the 0-based column and the bare problem."""
    with pytest.raises(QueryError) as raised:
        parse("attribute:ecs.instance-type ==")
    error = raised.value
    assert error.expression == "attribute:ecs.instance-type =="
    assert error.column == 30
    assert error.problem == "Expected a value after '==', found end of expression"
    assert str(error) == (
        "Expected a value after '==', found end of expression at column 31:\n"
        "attribute:ecs.instance-type ==\n"
        "                              ^"
    )


def test_error_survives_pickling() -> None:
    """Errors cross process boundaries (test workers, task queues) intact."""
    with pytest.raises(QueryError) as raised:
        parse("attribute:a =~ '('")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is QueryValueError
    assert (str(copy), copy.column) == (str(raised.value), raised.value.column)


def test_error_message_keeps_the_caret_aligned_past_tabs_and_newlines() -> None:
    """Control characters are shown as spaces so the caret stays under its column."""
    with pytest.raises(QueryError) as raised:
        parse("attribute:a\t==\n")
    assert str(raised.value).splitlines()[1:] == ["attribute:a == ", " " * 15 + "^"]


@pytest.mark.parametrize(
    ("expression", "subjects", "is_dynamic"),
    [
        ("attribute:ecs.instance-type =~ t2.*", {"attribute:ecs.instance-type"}, False),
        (
            "agentVersion > 1.2 and not(registeredAt < 2018-01-01)",
            {"agentVersion", "registeredAt"},
            False,
        ),
        ("runningTasksCount == 0", {"runningTasksCount"}, True),
        (
            "not(task:group == database) or agentConnected == true",
            {"task:group", "agentConnected"},
            True,
        ),
        (
            "attribute:ecs.instance-type == t2.small and runningTasksCount < 3 or task:group == x",
            {"attribute:ecs.instance-type", "runningTasksCount", "task:group"},
            True,
        ),
    ],
)
def test_query_reports_subjects_and_whether_it_is_dynamic(
    expression: str, subjects: set[str], is_dynamic: bool
) -> None:
    """``subjects`` lists what the expression reads; it is dynamic if that includes task counts or groups."""
    query = compile_query(expression)
    assert query.expression == expression
    assert query.subjects == frozenset(subjects)
    assert query.is_dynamic is is_dynamic


def test_compile_query_is_cached_and_queries_are_frozen() -> None:
    """The same text compiles once, so the shared Query must not be mutable."""
    query = compile_query("attribute:a exists")
    assert compile_query("attribute:a exists") is query
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.expression = "other"  # type: ignore[misc]


def test_query_calls_and_masks_instances() -> None:
    """A Query is a predicate on one instance, and ``mask`` applies it to many in order."""
    query = compile_query("attribute:ecs.instance-type =~ t2.* and runningTasksCount < 2")
    idle, busy = make_instance(), make_instance(running_tasks_count=5)
    other = make_instance(attributes={"ecs.instance-type": "m5.large"})
    assert query(idle) is True
    assert query(busy) is False
    assert query.mask([idle, busy, other, idle]) == [True, False, False, True]
    assert query.mask([]) == []


def test_dynamic_query_sees_task_changes_between_calls() -> None:
    """The engine re-evaluates dynamic queries as it places tasks, so nothing may be memoised per instance."""
    query = compile_query("not(task:group == service:web)")
    assert query(make_instance(task_groups=())) is True
    assert query(make_instance(task_groups=("service:web",))) is False


def test_parse_builds_a_tree_with_offsets() -> None:
    """Each node records the column of the token that introduced it."""
    tree = parse("attribute:a exists and not(runningTasksCount > 1)")
    assert tree == And(
        (
            Predicate("attribute:a", Operator.EXISTS, None),
            Not(Predicate("runningTasksCount", Operator.GREATER_THAN, Value("1"))),
        )
    )
    assert isinstance(tree, And)
    first, second = tree.operands
    assert isinstance(second, Not)
    assert isinstance(second.operand, Predicate)
    assert isinstance(second.operand.argument, Value)
    assert (tree.offset, first.offset, second.offset, second.operand.offset) == (19, 0, 23, 27)
    assert (second.operand.argument.offset, second.operand.argument.literal) == (47, 1)


def test_equal_trees_ignore_spacing_spelling_and_quoting() -> None:
    """Offsets and spellings are not part of a tree's identity."""
    assert parse("attribute:a equals 'x' && !attribute:b exists") == parse(
        "  attribute:a == x and not attribute:b exists"
    )


def test_runs_of_one_connective_are_flat_unless_parenthesised() -> None:
    """``a or b or c`` is one Or node; explicit parentheses keep their own node."""
    a, b, c = (f"attribute:{name} exists" for name in "abc")
    flat = parse(f"{a} or {b} or {c}")
    assert isinstance(flat, Or)
    assert len(flat.operands) == 3
    nested = parse(f"{a} or ({b} or {c})")
    assert isinstance(nested, Or)
    assert isinstance(nested.operands[1], Or)


def test_nodes_are_frozen_and_slotted() -> None:
    """Trees are shared through the compile cache, so they must be immutable."""
    tree = parse("not(attribute:a exists)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.offset = 3  # type: ignore[misc]
    assert not hasattr(tree, "__dict__")


@pytest.mark.parametrize(
    ("expression", "normal_form"),
    [
        ("attribute:a   equals   x", "attribute:a == x"),
        ("attribute:a not_matches 'x|y'", "attribute:a !~ 'x|y'"),
        ("attribute:a !in ['x', y]", "attribute:a not_in [x, y]"),
        ("attribute:a !exists", "attribute:a not_exists"),
        ("attribute:a greater_than_equal 3", "attribute:a >= 3"),
        ("attribute:a == 'and'", "attribute:a == 'and'"),
        ("attribute:a == ''", "attribute:a == ''"),
        (
            "! attribute:a exists && attribute:b exists",
            "not(attribute:a exists) and attribute:b exists",
        ),
        (
            "(attribute:a exists || attribute:b exists) && attribute:c exists",
            "(attribute:a exists or attribute:b exists) and attribute:c exists",
        ),
        (
            "attribute:a exists or (attribute:b exists and attribute:c exists)",
            "attribute:a exists or attribute:b exists and attribute:c exists",
        ),
        (
            "attribute:a exists and (attribute:b exists and attribute:c exists)",
            "attribute:a exists and (attribute:b exists and attribute:c exists)",
        ),
        ("((not(task:group == database)))", "not(task:group == database)"),
    ],
)
def test_unparse_prints_a_normal_form(expression: str, normal_form: str) -> None:
    """Symbol comparisons, word connectives, quotes and parentheses only where needed."""
    assert unparse(parse(expression)) == normal_form


def test_tokens_carry_kinds_values_and_offsets() -> None:
    """The lexer keeps each token's source text and column; quoted values lose their quotes."""
    tokens = tokenize("!attribute:a !in ['x y',z]")
    assert [(token.kind, token.value, token.start) for token in tokens] == [
        (TokenKind.NOT, "!", 0),
        (TokenKind.WORD, "attribute:a", 1),
        (TokenKind.OPERATOR, "!in", 13),
        (TokenKind.LBRACKET, "[", 17),
        (TokenKind.STRING, "x y", 18),
        (TokenKind.COMMA, ",", 23),
        (TokenKind.WORD, "z", 24),
        (TokenKind.RBRACKET, "]", 25),
        (TokenKind.EOF, "", 26),
    ]
