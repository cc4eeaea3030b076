"""Small input checks shared by the control plane (names, attribute names and values)."""

from __future__ import annotations

import re

from ecsviz.errors import EcsError

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
ATTRIBUTE_NAME_RE = re.compile(r"^[A-Za-z0-9_\-/\\.]{1,128}$")
ATTRIBUTE_VALUE_RE = re.compile(r"^[A-Za-z0-9_\-.@/\\: ]{1,128}$")


def check_name(value: str, *, what: str, exception: type[EcsError]) -> None:
    """ECS names: up to 255 letters (upper and lower case), numbers, underscores and hyphens."""
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise exception(
            f"{what} can have up to 255 characters: letters (uppercase and lowercase), "
            "numbers, underscores and hyphens."
        )


def check_attribute(name: str, value: str | None, *, exception: type[EcsError]) -> None:
    """Attribute names and values as the ECS API model allows them."""
    if not isinstance(name, str) or not ATTRIBUTE_NAME_RE.match(name):
        raise exception(
            f"Attribute name '{name}' is invalid: up to 128 letters, numbers, hyphens, "
            "underscores, periods, forward slashes and back slashes."
        )
    if value is None:
        return
    if not isinstance(value, str) or not ATTRIBUTE_VALUE_RE.match(value) or value != value.strip():
        raise exception(
            f"Attribute value '{value}' for '{name}' is invalid: up to 128 letters, numbers, "
            "hyphens, underscores, periods, at signs, slashes, colons and spaces, without "
            "leading or trailing spaces."
        )
