"""The standard profiles of every kind: what ``/api/defaults/`` serves and what the terminal
installs as read-only defaults (this same copy when no platform answers). One source: the
shipped charts, count systems and index sets are the ``chart``, ``count`` and ``indices``
profiles as they are; the rule sets, strategies, bet ramps and simulations that name them are
files under ``terminal/<kind>/``. A new default is a new file; no code changes."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import msgspec

FOLDERS = {
    "rules": "terminal/rules",
    "strategy": "terminal/strategy",
    "betting": "terminal/betting",
    "simulation": "terminal/simulation",
    "chart": "charts",
    "count": "counts",
    "indices": "deviations",
}
"""Profile kind -> its folder under ``jost/defaults/``."""


def standard_profiles() -> dict[str, dict[str, Any]]:
    """``{kind: {name: document}}``, each document the JSON of the profile's file decoded to
    plain objects. Read on each call (a few dozen small files), so new data shows at once."""
    root = files("jost.defaults")
    out: dict[str, dict[str, Any]] = {}
    for kind, folder in FOLDERS.items():
        node = root
        for part in folder.split("/"):
            node = node / part
        out[kind] = {
            entry.name.removesuffix(".json"): msgspec.json.decode(entry.read_bytes())
            for entry in sorted(node.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".json")
        }
    return out


def profile_bytes(document: Any) -> bytes:
    """A profile document as the terminal writes it to its file: indented JSON, keys in the
    document's order, a final newline. Whether it came from the platform or this package,
    the same document gives the same bytes."""
    return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
