"""The engine stays pure Python: only apps.py and adapters.py may import Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import placement

PACKAGE = Path(placement.__file__).parent
ALLOWED = {PACKAGE / "apps.py", PACKAGE / "adapters.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth of the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_engine_module_imports_django() -> None:
    """No placement module other than apps.py and adapters.py mentions django in an import."""
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "django"
        )
        for path in PACKAGE.rglob("*.py")
        if path not in ALLOWED
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_engine_module_imports_the_project() -> None:
    """The engine does not reach into the Django project (ecsviz) either."""
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "ecsviz"
        )
        for path in PACKAGE.rglob("*.py")
        if path not in ALLOWED
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_importing_the_engine_loads_no_django() -> None:
    """A fresh interpreter can import every engine module without Django being loaded."""
    modules = sorted(
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
        if path not in ALLOWED
    )
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'django')\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run(
        [sys.executable, "-c", script], check=True, cwd=PACKAGE.parent, capture_output=True
    )
