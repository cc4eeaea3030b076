"""Split a cluster query expression into tokens, each with its starting column.

The lexer knows no grammar: ``attribute:ecs.instance-type``, ``t2.*``,
``2018-06-18T22:28:28+00:00`` and ``equals`` are all one ``WORD``, and the
parser decides from position which words are subjects, operator words or
values. Only ``and``, ``or`` and ``not`` get kinds of their own, because the
parser's binding-power table is keyed by kind; as a consequence those three
words must be quoted to be used as values.

``!`` is the one character that needs a look ahead: ``!=``, ``!~``,
``!exists`` and ``!in`` are operators, any other ``!`` is ``not``.
Whitespace is space, tab, CR and LF; any other character outside quotes that
starts no token is an error pointing at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from placement.query.errors import QueryLexError

__all__ = ["BARE_WORD", "KEYWORDS", "Token", "TokenKind", "describe", "tokenize"]


class TokenKind(Enum):
    """What a token is, as far as the grammar's binding powers care."""

    WORD = "word"
    STRING = "quoted value"
    OPERATOR = "operator"
    AND = "and"
    OR = "or"
    NOT = "not"
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    EOF = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``text`` is the exact source slice, ``value`` its meaning."""

    kind: TokenKind
    text: str
    value: str
    start: int

    @property
    def end(self) -> int:
        """The column just past the token."""
        return self.start + len(self.text)


# Letters, digits and the punctuation found in attribute names and values,
# instance types, task groups, timestamps and simple regexes; anything else
# (spaces, parentheses, brackets, '|', '?') needs single quotes.
BARE_WORD = re.compile(r"[A-Za-z0-9._\-:/\\@*+]+")

KEYWORDS: dict[str, TokenKind] = {"and": TokenKind.AND, "or": TokenKind.OR, "not": TokenKind.NOT}

_SYMBOLS: dict[str, TokenKind] = {
    "==": TokenKind.OPERATOR,
    "=~": TokenKind.OPERATOR,
    ">=": TokenKind.OPERATOR,
    "<=": TokenKind.OPERATOR,
    "&&": TokenKind.AND,
    "||": TokenKind.OR,
    ">": TokenKind.OPERATOR,
    "<": TokenKind.OPERATOR,
    "(": TokenKind.LPAREN,
    ")": TokenKind.RPAREN,
    "[": TokenKind.LBRACKET,
    "]": TokenKind.RBRACKET,
    ",": TokenKind.COMMA,
}

_WHITESPACE = frozenset(" \t\r\n")

_HINTS = {
    "=": " (did you mean '=='?)",
    "&": " (did you mean '&&'?)",
    "|": " (did you mean '||'?)",
    "~": " (did you mean '=~' or '!~'?)",
    '"': " (quote values with single quotes)",
}


def tokenize(expression: str) -> list[Token]:
    """Return the tokens of ``expression``, ending with an ``EOF`` token."""
    tokens: list[Token] = []
    position = 0
    while position < len(expression):
        if expression[position] in _WHITESPACE:
            position += 1
            continue
        token = _next_token(expression, position)
        tokens.append(token)
        position = token.end
    tokens.append(Token(TokenKind.EOF, "", "", len(expression)))
    return tokens


def _next_token(expression: str, position: int) -> Token:
    char = expression[position]
    if char == "'":
        return _quoted(expression, position)
    if char == "!":
        return _bang(expression, position)
    if word := BARE_WORD.match(expression, position):
        text = word.group()
        return Token(KEYWORDS.get(text, TokenKind.WORD), text, text, position)
    for length in (2, 1):
        text = expression[position : position + length]
        if text in _SYMBOLS:
            return Token(_SYMBOLS[text], text, text, position)
    raise QueryLexError(
        f"Unexpected character {char!r}{_HINTS.get(char, '')}", expression, position
    )


def _quoted(expression: str, start: int) -> Token:
    # No escapes: attribute values cannot contain a quote, and regexes keep
    # their backslashes exactly as written.
    end = expression.find("'", start + 1)
    if end < 0:
        raise QueryLexError("Unterminated quoted value", expression, start)
    return Token(TokenKind.STRING, expression[start : end + 1], expression[start + 1 : end], start)


def _bang(expression: str, start: int) -> Token:
    if expression.startswith(("!=", "!~"), start):
        text = expression[start : start + 2]
        return Token(TokenKind.OPERATOR, text, text, start)
    word = BARE_WORD.match(expression, start + 1)
    if word and word.group() in ("exists", "in"):
        text = "!" + word.group()
        return Token(TokenKind.OPERATOR, text, text, start)
    return Token(TokenKind.NOT, "!", "!", start)


def describe(token: Token) -> str:
    """Name ``token`` for an error message: ``'=='``, ``quoted value 'a b'``, ..."""
    if token.kind is TokenKind.EOF:
        return "end of expression"
    if token.kind is TokenKind.STRING:
        return f"quoted value {token.text}"
    return f"'{token.text}'"
