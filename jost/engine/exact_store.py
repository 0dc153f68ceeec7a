"""The exact EVs of named charts kept on disk, once per machine, as numba keeps the compiled
kernels: a job's result shows the exact EV beside the simulated one, and a process that finds
it here never imports the analyzer (numba, half a second of CPU, which the API otherwise
spent while the first job ran and its workers wanted both cores).

An entry's key is everything its value depends on: the rules as the analyzer reads them
(``rules_key``), the chart's own plays (not its name: a shipped chart may change) and the
analyzer's source, so a change to any of them is a miss, never a stale answer. The file is
rewritten whole (to a temporary file, then renamed): a reader sees the old file or the new,
and two writers at once lose at worst one entry, computed again when next asked for.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path

import msgspec
import platformdirs

from jost.contracts import Chart, Rules

MAX_ENTRIES = 1_000
"""Kept at most (the oldest go first): rule sets times charts that players actually ask for."""

_ANALYZER = Path(__file__).resolve().parent / "exact"
_entries = msgspec.json.Decoder(dict[str, float])


def rules_key(rules: Rules) -> Rules:
    """The rules with the fields the analyzer ignores set to their defaults: the key of every
    cache of its answers (two configs that differ only in how the shoe is shuffled share
    one)."""
    return msgspec.structs.replace(rules, shuffle="cut_card", penetration=0.75)


def store_path() -> Path:
    """``JOST_CACHE_DIR`` if set, else the user's cache folder as platformdirs names it."""
    root = os.environ.get("JOST_CACHE_DIR")
    folder = Path(root) if root else platformdirs.user_cache_path("jost")
    return folder / "exact-chart-ev.json"


@functools.cache
def _analyzer_digest() -> str:
    digest = hashlib.sha256()
    for source in sorted(_ANALYZER.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def chart_ev_key(rules: Rules, chart: Chart) -> str:
    digest = hashlib.sha256(_analyzer_digest().encode())
    digest.update(msgspec.json.encode(rules_key(rules)))
    digest.update(msgspec.json.encode(msgspec.structs.replace(chart, name="", source="")))
    return digest.hexdigest()


def _read(path: Path) -> dict[str, float]:
    try:
        return _entries.decode(path.read_bytes())
    except (OSError, msgspec.DecodeError):
        return {}  # none yet, or unreadable: every answer is computed again


def load(key: str) -> float | None:
    return _read(store_path()).get(key)


def store(key: str, ev: float) -> None:
    """Keep ``ev`` under ``key``; a folder that cannot be written leaves it uncached."""
    path = store_path()
    entries = _read(path)
    entries.pop(key, None)
    entries[key] = ev
    kept = dict(list(entries.items())[-MAX_ENTRIES:])
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".exact-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(msgspec.json.encode(kept))
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            raise
