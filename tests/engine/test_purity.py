"""The layers: the engine is a pure library (it imports neither the platform, the terminal
nor the CLI); the profiles are a library the terminal and the workbench share (they import no
front end); the platform imports no terminal or CLI code, and the terminal reaches the platform
only over HTTP (it imports no platform module)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import jost

FORBIDDEN = {
    "engine": ("jost.platform", "jost.terminal", "jost.cli", "jost.profiles"),
    "profiles": ("jost.platform", "jost.terminal", "jost.cli"),
    "platform": ("jost.terminal", "jost.cli"),
    "terminal": ("jost.platform",),
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_or_beside_it(layer: str) -> None:
    root = Path(jost.__file__).parent / layer
    files = sorted(root.rglob("*.py"))
    assert files
    offenders = {
        f"{path.relative_to(root)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN[layer])
    }
    assert not offenders, offenders
