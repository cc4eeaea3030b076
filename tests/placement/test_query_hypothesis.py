"""Property tests of the query language: robustness on any text, round trips, complements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement.query import QueryError, compile_query, parse, unparse
from placement.query.ast import OPERATOR_SPELLINGS, Operator
from placement.query.lexer import BARE_WORD, TokenKind, tokenize
from tests.placement.test_query_cases import Instance

FUZZ = settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])

# Pieces of real expressions, so random text reaches past the lexer into the parser.
FRAGMENTS = [
    *OPERATOR_SPELLINGS,
    *("and", "or", "not", "&&", "||", "!", "(", ")", "[", "]", ",", "'", "''", "'a b'"),
    *("attribute:ecs.instance-type", "attribute:", "task:group", "runningTasksCount"),
    *("agentVersion", "agentConnected", "registeredAt", "ec2InstanceId", "AND", "Equals"),
    *("t2.*", "1", "1.14.5", "2018-06-18", "2018-02-30", "true", "(x", "*", "=", "~", '"'),
]
SEPARATORS = st.sampled_from(["", " ", "  ", "\t", "\n"])
TOKEN_SOUP = st.lists(st.tuples(st.sampled_from(FRAGMENTS), SEPARATORS), max_size=12).map(
    lambda pieces: "".join(fragment + separator for fragment, separator in pieces)
)
ANY_TEXT = st.text(max_size=60) | TOKEN_SOUP


def spellings(operator: Operator) -> list[str]:
    """Every way of writing ``operator``."""
    return [text for text, meaning in OPERATOR_SPELLINGS.items() if meaning is operator]


def predicate(subject: str, operators: list[Operator], values: list[str]) -> st.SearchStrategy[str]:
    """A valid predicate on ``subject`` in a random spelling."""

    def render(operator: Operator, spelling: str, chosen: list[str], quote: bool) -> str:
        shown = [
            value if BARE_WORD.fullmatch(value) and not quote else f"'{value}'" for value in chosen
        ]
        if operator in (Operator.EXISTS, Operator.NOT_EXISTS):
            return f"{subject} {spelling}"
        if operator in (Operator.IN, Operator.NOT_IN):
            return f"{subject} {spelling} [{', '.join(shown)}]"
        return f"{subject} {spelling} {shown[0]}"

    return st.sampled_from(operators).flatmap(
        lambda operator: st.builds(
            render,
            st.just(operator),
            st.sampled_from(spellings(operator)),
            st.lists(st.sampled_from(values), min_size=1, max_size=3),
            st.booleans(),
        )
    )


EQUALITY = [Operator.EQUALS, Operator.NOT_EQUALS]
MEMBERSHIP = [Operator.IN, Operator.NOT_IN]
ORDERING = [
    Operator.GREATER_THAN,
    Operator.GREATER_THAN_EQUAL,
    Operator.LESS_THAN,
    Operator.LESS_THAN_EQUAL,
]
TEXTS = ["x", "y", "10", "9", "t2.small", "two words", "exists"]
REGEXES = ["x.*", "t2\\..*", "[0-9]+", "(x|y)", ".*"]
PREDICATE = st.one_of(
    predicate("attribute:a", [*EQUALITY, *MEMBERSHIP, *ORDERING], TEXTS),
    predicate("attribute:ecs.instance-type", [Operator.MATCHES, Operator.NOT_MATCHES], REGEXES),
    predicate("attribute:b", [Operator.EXISTS, Operator.NOT_EXISTS], ["unused"]),
    predicate("runningTasksCount", [*EQUALITY, *ORDERING], ["0", "1", "2", "-1"]),
    predicate("agentVersion", [*EQUALITY, *ORDERING], ["1.14.5", "1.9", "2", "1.14.0"]),
    predicate("agentConnected", [*EQUALITY, *MEMBERSHIP], ["true", "false"]),
    predicate(
        "registeredAt",
        [*EQUALITY, *ORDERING],
        ["2018-06-18", "2018-06-18T22:28:28Z", "2018-06-18T22:28:28", "2018-06-18T23:28:28+01:00"],
    ),
    predicate("task:group", [*EQUALITY, *MEMBERSHIP], ["service:web", "family:batch"]),
    predicate("task:group", [Operator.MATCHES, Operator.NOT_MATCHES], ["service:.*", "x"]),
    predicate("ec2InstanceId", [*EQUALITY, *MEMBERSHIP], ["i-1", "i-2"]),
)


def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid expressions built from valid ``children``; any concatenation here is grammatical."""
    connective = st.sampled_from([" and ", " && ", " or ", " || ", "&&", "||"])
    negation = st.sampled_from(["not ", "!", "! ", "not\n"])
    return st.one_of(
        st.builds(lambda a, op, b: a + op + b, children, connective, children),
        st.builds(lambda op, a: op + a, negation, children),
        children.map(lambda a: f"not({a})"),
        children.map(lambda a: f"( {a} )"),
    )


EXPRESSION = st.recursive(PREDICATE, combine, max_leaves=8)

INSTANCE = st.builds(
    Instance,
    ec2_instance_id=st.sampled_from(["i-1", "i-2", "i-3"]),
    agent_connected=st.booleans(),
    agent_version=st.sampled_from(["1.14.5", "1.9.0", "1.80.0", "2", "1.14", "nightly"]),
    registered_at=st.datetimes(
        min_value=datetime(2017, 1, 1), max_value=datetime(2020, 1, 1), timezones=st.just(UTC)
    ).map(lambda moment: moment.astimezone(UTC) + timedelta(0)),
    running_tasks_count=st.integers(min_value=0, max_value=3),
    attributes=st.dictionaries(
        st.sampled_from(["a", "b", "ecs.instance-type"]),
        st.none() | st.sampled_from(["x", "y", "10", "9", "t2.small", "t2.micro", "big"]),
    ),
    task_groups=st.lists(st.sampled_from(["service:web", "family:batch"]), max_size=2).map(tuple),
)


def error_from(function: Callable[[str], object], text: str) -> QueryError | None:
    """The QueryError ``function(text)`` raises, or None; anything else propagates."""
    try:
        function(text)
    except QueryError as error:
        return error
    return None


@FUZZ
@given(ANY_TEXT)
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    """Parsing never raises anything but QueryError, and its caret stays within the text."""
    error = error_from(parse, text)
    if error is not None:
        assert 0 <= error.column <= len(text)
        assert error.expression == text
        assert str(error).endswith("\n" + " " * error.column + "^")


@FUZZ
@given(ANY_TEXT)
def test_token_offsets_strictly_increase(text: str) -> None:
    """Tokens are non-empty source slices at strictly increasing offsets, closed by EOF."""
    error = error_from(tokenize, text)
    if error is not None:
        assert 0 <= error.column < len(text)
        return
    tokens = tokenize(text)
    starts = [token.start for token in tokens]
    assert starts == sorted(set(starts))
    assert tokens[-1].kind is TokenKind.EOF
    assert tokens[-1].start == len(text)
    for token in tokens[:-1]:
        assert token.text
        assert text[token.start : token.end] == token.text


@FUZZ
@given(EXPRESSION)
def test_unparse_round_trips(expression: str) -> None:
    """Printing a tree and parsing the print gives an equal tree, and printing is idempotent."""
    tree = parse(expression)
    printed = unparse(tree)
    assert parse(printed) == tree
    assert unparse(parse(printed)) == printed


@settings(max_examples=300)
@given(EXPRESSION, st.lists(INSTANCE, max_size=5))
def test_not_is_the_complement(expression: str, instances: list[Instance]) -> None:
    """``not(e)`` matches exactly the instances ``e`` does not, and evaluation never raises."""
    query = compile_query(expression)
    negated = compile_query(f"not({expression})")
    assert negated.mask(instances) == [not hit for hit in query.mask(instances)]
    assert all(isinstance(hit, bool) for hit in query.mask(instances))


NEGATIONS = [
    (Operator.EQUALS, Operator.NOT_EQUALS),
    (Operator.IN, Operator.NOT_IN),
    (Operator.MATCHES, Operator.NOT_MATCHES),
    (Operator.EXISTS, Operator.NOT_EXISTS),
]


@settings(max_examples=300)
@given(
    st.sampled_from(NEGATIONS),
    st.sampled_from(["attribute:a", "attribute:ecs.instance-type"]),
    st.sampled_from(["x", "t2.small", "'t2.*'"]),
    st.lists(INSTANCE, max_size=5),
)
def test_negated_operators_are_complements(
    pair: tuple[Operator, Operator], subject: str, value: str, instances: list[Instance]
) -> None:
    """Each negated operator holds exactly where its positive form does not, missing attributes included."""

    def expression(operator: Operator) -> str:
        if operator in (Operator.EXISTS, Operator.NOT_EXISTS):
            return f"{subject} {operator}"
        if operator in (Operator.IN, Operator.NOT_IN):
            return f"{subject} {operator} [{value}]"
        return f"{subject} {operator} {value}"

    positive, negative = (compile_query(expression(operator)) for operator in pair)
    assert negative.mask(instances) == [not hit for hit in positive.mask(instances)]


@settings(max_examples=200)
@given(EXPRESSION, EXPRESSION, st.lists(INSTANCE, max_size=5))
def test_de_morgan(left: str, right: str, instances: list[Instance]) -> None:
    """``not(a and b)`` agrees with ``not(a) or not(b)`` on every instance."""
    one = compile_query(f"not(({left}) and ({right}))")
    other = compile_query(f"not({left}) or not({right})")
    assert one.mask(instances) == other.mask(instances)
