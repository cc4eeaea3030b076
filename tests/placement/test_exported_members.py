"""The engine's public API is exactly placement.__all__ (as httpx's test_exported_members)."""

from __future__ import annotations
import __future__

import types

import placement


def test_all_names_exist() -> None:
    """Every name in __all__ can be imported from the package."""
    assert [name for name in placement.__all__ if not hasattr(placement, name)] == []


def test_all_imports_are_exported() -> None:
    """Every public name the package imports is listed in __all__, once."""
    public = {
        name
        for name, value in vars(placement).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | __future__._Feature)
    }
    assert sorted(placement.__all__) == sorted(public)
    assert len(set(placement.__all__)) == len(placement.__all__)


def test_exported_names_say_where_they_belong() -> None:
    """Exported classes and functions come from the engine's own modules."""
    foreign = [
        name
        for name in placement.__all__
        if hasattr(getattr(placement, name), "__module__")
        and not getattr(placement, name).__module__.startswith("placement.")
    ]
    assert foreign == []
