"""nextToken / maxResults over any ordered queryset or list.

The token is the offset of the next item, base64-encoded so clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from ecsviz.errors import InvalidParameterException

MAX_PAGE = 100


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"ecsviz:{offset}".encode()).decode()


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, offset = text.partition(":")
        if prefix == "ecsviz" and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidParameterException("The nextToken is invalid.")


def page_size(max_results: int | None, default: int = MAX_PAGE) -> int:
    if max_results is None:
        return default
    if not 1 <= max_results <= MAX_PAGE:
        raise InvalidParameterException(f"maxResults must be between 1 and {MAX_PAGE}.")
    return max_results


def paginate(items: Sequence[Any], params: dict, default: int = MAX_PAGE) -> tuple[list, dict]:
    """(this page's items, {"nextToken": ...} or {}) for a request's nextToken / maxResults."""
    start = decode_token(params.get("nextToken"))
    size = page_size(params.get("maxResults"), default)
    page = list(items[start : start + size + 1])
    if len(page) > size:
        return page[:size], {"nextToken": encode_token(start + size)}
    return page, {}
