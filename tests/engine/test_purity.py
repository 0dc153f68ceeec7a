"""The engine is a pure library: nothing under jost/engine imports the platform or terminal."""

from __future__ import annotations

import ast
from pathlib import Path

import jost.engine

FORBIDDEN = ("jost.platform", "jost.terminal", "jost.cli")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_imports_nothing_from_platform_or_terminal() -> None:
    root = Path(jost.engine.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert files
    offenders = {
        f"{path.relative_to(root)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN)
    }
    assert not offenders, offenders
