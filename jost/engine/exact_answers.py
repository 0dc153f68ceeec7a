"""The exact analyzer's answers to a config: the exact EVs of its rules and of the chart it
plays (``jost exact`` and ``POST /api/exact/``), and a simulated result set beside the exact EV
it estimates (a job's result). One home for both, so the CLI and the API answer alike.

It sits on top of the analyzer (``jost.engine.exact``) and the choice of chart
(``jost.engine.playing``); nothing in the engine imports it. The analyzer is imported where it
is used: it loads numba, a third of the API's start, which the API does in the background
instead (``api.app``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import lru_cache

import msgspec

from jost.contracts import (
    POST_SPLIT,
    Chart,
    ExactAnswer,
    ExactComparison,
    JobResult,
    PostSplit,
    Rules,
    SimulationConfig,
    Strategy,
    Summary,
)
from jost.engine import exact_store
from jost.engine.exact_store import rules_key
from jost.engine.playing import resolve_playing


def exact_answer(
    rules: Rules,
    strategy: Strategy,
    shoe: Mapping[str, int] | None = None,
    *,
    post_split: PostSplit = POST_SPLIT,
    with_chart: bool = False,
    own_chart: str = "the config's own chart",
) -> ExactAnswer:
    """The composition-dependent EV of ``rules`` drawing from ``shoe`` (default the full
    shoe), the EV of the chart ``strategy`` plays (named ``own_chart`` when it is the
    player's own, unnamed chart) and of the chart derived for the rules (returned too with
    ``with_chart``). Raises ``ConfigRejected`` naming the field at fault."""
    from jost.engine.exact import analyze, chart_ev

    start = time.perf_counter()
    result = analyze(rules, shoe, post_split=post_split)
    played = resolve_playing(strategy, rules)
    return ExactAnswer(
        ev_composition_dependent=result.ev_composition_dependent,
        ev_basic=chart_ev(rules, played, shoe),
        chart=played.name or own_chart,
        ev_derived=result.ev_basic,
        post_split=post_split,
        post_split_description=result.post_split_description,
        shoe=result.shoe,
        ev_by_upcard=result.ev_by_upcard,
        seconds=time.perf_counter() - start,
        derived_chart=result.chart if with_chart else None,
    )


@lru_cache(maxsize=256)
def _named_chart_ev(rules: Rules, playing: str) -> tuple[float, str]:
    """The exact EV of a named chart under ``rules`` (a ``rules_key``): from this machine's
    store when computed before (no analyzer loaded), else computed and kept there."""
    chart = resolve_playing(Strategy(playing=playing), rules)
    key = exact_store.chart_ev_key(rules, chart)
    if (ev := exact_store.load(key)) is None:
        from jost.engine.exact import chart_ev

        ev = chart_ev(rules, chart)
        exact_store.store(key, ev)
    return ev, chart.name


def preload(config: SimulationConfig) -> None:
    """Keep the exact EV of ``config``'s chart for its rules, so the first result read of
    such a job waits for nothing: read from the store (``exact_store``) for a named chart
    computed on this machine before (``scripts/warm`` computes the default game's), else
    computed, which loads the analyzer (from numba's on-disk cache: about 0.5 s) first."""
    playing = config.strategy.playing
    if isinstance(playing, str):
        _named_chart_ev(rules_key(config.rules), playing)
    else:
        from jost.engine.exact import chart_ev

        chart_ev(config.rules, playing)


def exact_comparison(config: SimulationConfig, summary: Summary) -> ExactComparison | None:
    """A simulated result against the exact EV of the chart it played: where the job bets
    flat and plays a chart without a count (no count means no deviations, ramp, wonging or
    insurance), so that the analyzer's off-the-top EV is the EV it estimates; else None."""
    if config.strategy.count is not None or config.betting.ramp is not None:
        return None
    if summary.ev_stderr <= 0.0:
        return None
    playing = config.strategy.playing
    rules = rules_key(config.rules)
    if isinstance(playing, Chart):
        from jost.engine.exact import chart_ev

        exact, name = chart_ev(rules, playing), playing.name or "the job's own chart"
    else:
        exact, name = _named_chart_ev(rules, playing)
    return ExactComparison(
        ev_exact=exact,
        chart=name,
        ev_simulated=summary.ev,
        ev_stderr=summary.ev_stderr,
        difference_se=(summary.ev - exact) / summary.ev_stderr,
        off_the_top=config.rules.shuffle == "every_round",
    )


def with_exact(result: JobResult, config: SimulationConfig | None) -> JobResult:
    """A job's ``result`` with its exact comparison, where one applies (and the analyzer
    accepts the rules: a rule set it refuses leaves the result as it is)."""
    if config is None:
        return result
    try:
        comparison = exact_comparison(config, result.summary)
    except ValueError:
        return result
    return msgspec.structs.replace(result, exact=comparison)
