"""``preload``: what the API loads at its start is what a default job's result then reads, so
the first result read of the default game computes nothing; and the store on disk
(``exact_store``) that lets a second process answer without loading the analyzer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import msgspec

from jost.cli.config_file import read_config
from jost.contracts import SimulationConfig
from jost.engine import exact_answers, exact_store, simulate, summarize
from jost.engine.playing import resolve_playing


def test_a_default_jobs_exact_ev_comes_from_what_preload_kept():
    exact_answers._named_chart_ev.cache_clear()
    exact_answers.preload(SimulationConfig())
    kept = exact_answers._named_chart_ev.cache_info()
    assert kept.currsize == 1 and kept.misses == 1
    # The shipped default game (what ``jost run`` submits), simulated briefly.
    config = msgspec.structs.replace(read_config(None), rounds=20_000)
    comparison = exact_answers.exact_comparison(config, summarize(simulate(config), config))
    assert comparison is not None and comparison.chart == "shoe-s17"
    assert abs(comparison.ev_exact - (-0.0040574604)) < 1e-9
    after = exact_answers._named_chart_ev.cache_info()
    assert after.hits == kept.hits + 1 and after.misses == kept.misses


def _fresh_process(code: str, cache: Path) -> str:
    env = {**os.environ, "JOST_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


_READ_DEFAULT = """
import sys
from jost.contracts import SimulationConfig
from jost.engine.exact_answers import _named_chart_ev, preload
from jost.engine.exact_store import rules_key
preload(SimulationConfig())
ev, name = _named_chart_ev(rules_key(SimulationConfig().rules), SimulationConfig().strategy.playing)
print(ev, name, "numba" in sys.modules)
"""


def test_the_store_answers_a_second_process_without_the_analyzer(tmp_path: Path):
    """The first process computes the default game's chart EV and keeps it; a second one
    reads the same figure from the store and never imports numba."""
    first = _fresh_process(_READ_DEFAULT, tmp_path).split()
    second = _fresh_process(_READ_DEFAULT, tmp_path).split()
    assert first[1] == second[1] == "shoe-s17"
    assert first[2] == "True" and second[2] == "False"
    assert float(second[0]) == float(first[0])
    assert abs(float(second[0]) - (-0.0040574604)) < 1e-9


def test_a_store_entry_is_keyed_by_what_its_value_depends_on(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("JOST_CACHE_DIR", str(tmp_path))
    rules = SimulationConfig().rules
    chart = resolve_playing(SimulationConfig().strategy, rules)
    key = exact_store.chart_ev_key(rules, chart)
    # The shuffle and the name do not change the answer; a play or a rule does.
    cut = msgspec.structs.replace(rules, shuffle="every_round", penetration=0.5)
    assert exact_store.chart_ev_key(cut, msgspec.structs.replace(chart, name="mine")) == key
    h17 = msgspec.structs.replace(rules, dealer_hits_soft_17=True)
    assert exact_store.chart_ev_key(h17, chart) != key
    hard = {total: list(cells) for total, cells in chart.hard.items()}
    first = next(iter(hard))
    hard[first][0] = "S" if hard[first][0] != "S" else "H"
    assert exact_store.chart_ev_key(rules, msgspec.structs.replace(chart, hard=hard)) != key

    assert exact_store.load(key) is None
    exact_store.store(key, -0.5)
    exact_store.store("other", 0.25)
    assert exact_store.load(key) == -0.5 and exact_store.load("other") == 0.25
    exact_store.store_path().write_text("{not json")  # damaged: a miss, then rewritten
    assert exact_store.load(key) is None
    exact_store.store(key, -0.5)
    assert exact_store.load(key) == -0.5
