"""A simulation's result as the player takes it away: the one JSON object ``jost simulate
--json`` prints (and ``jost submit --wait --json``, ``jost results --json``), CSV, and a run
on this machine."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from typing import Any

import msgspec

from jost import engine
from jost.contracts import SimulationConfig, Summary
from jost.engine.playing import resolve_playing

TIMING_KEYS = ("workers", "seconds")
"""Keys of ``result_json`` that say how a run went, not what it found: they differ between
two runs of one config (and ``workers`` is None for a platform job: it does not say)."""


def chart_label(config: SimulationConfig) -> str:
    """The chart played: its name, or ``custom`` for a chart without one."""
    return resolve_playing(config.strategy, config.rules).name or "custom"


def result_json(summary: Summary, config: SimulationConfig, **extra: Any) -> dict[str, Any]:
    """The summary's fields, then ``chart`` and ``seed``, then ``extra`` (``shards``,
    ``workers``, ``seconds``): the object ``jost simulate --json`` prints."""
    out = msgspec.to_builtins(summary)
    out.update(chart=chart_label(config), seed=config.seed)
    out.update(extra)
    return out


def json_line(value: Any) -> str:
    return msgspec.json.encode(value).decode() + "\n"


def run_local(
    config: SimulationConfig,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Summary:
    """Run ``config`` on this machine's cores (no platform): the same statistics, bit for
    bit, as the platform's workers give for it."""
    # Through the package, when a run starts: simulate loads the numba kernel, which the
    # commands importing this module for its output alone (jost run, jost submit) never need.
    stats = engine.simulate(config, workers=workers or os.cpu_count() or 1, progress=progress)
    return engine.summarize(stats, config)


def result_csv(summary: Summary) -> str:
    """Two CSV tables, a blank line between: ``statistic,value`` (every scalar of the
    summary, frequencies and risk flattened as ``frequency.win``, ``risk.ror_formula``), then
    the by-count table (``true_count,frequency,ev,ev_stderr,rounds,avg_bet,variance``) when
    a count was kept."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["statistic", "value"])
    for key, value in msgspec.to_builtins(summary).items():
        if key == "by_true_count":
            continue
        if isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, dict):
                    for name, x in inner.items():
                        writer.writerow([f"{key}.{sub}.{name}", x])
                else:
                    writer.writerow([f"{key}.{sub}", "" if inner is None else inner])
        else:
            writer.writerow([key, "" if value is None else value])
    if summary.by_true_count:
        columns = ("true_count", "frequency", "ev", "ev_stderr", "rounds", "avg_bet", "variance")
        out.write("\n")
        writer.writerow(columns)
        for row in summary.by_true_count:
            writer.writerow([getattr(row, c) for c in columns])
    return out.getvalue()
