"""``preload``: what the API loads at its start is what a default job's result then reads, so
the first result read of the default game computes nothing."""

from __future__ import annotations

import msgspec

from jost.cli.config_file import read_config
from jost.contracts import SimulationConfig
from jost.engine import exact_answers, simulate, summarize


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
