"""The chart a strategy plays: shipped, derived by the analyzer, or the player's own.

It sits above both the shipped charts (``jost.engine.charts``) and the analyzer
(``jost.engine.exact``), which reads the shipped charts' surrender tables: the way from a config
to its chart runs downward.
"""

from __future__ import annotations

from jost import defaults
from jost.contracts import Chart, Rules, Strategy
from jost.engine.charts import CHART_DIR, chart_name_for, load_chart
from jost.engine.errors import ConfigRejected


def resolve_playing(strategy: Strategy, rules: Rules) -> Chart:
    """The chart that ``strategy.playing`` stands for in a game with ``rules``: ``"basic"`` is
    the shipped chart for the rules, ``"derived"`` the total-dependent basic strategy the exact
    analyzer derives for exactly these rules (cached per rule set), another string names a
    shipped chart, and a ``Chart`` is the player's own and is used as it is."""
    playing = strategy.playing
    if isinstance(playing, Chart):
        return playing
    if playing == "basic":
        return load_chart(chart_name_for(rules))
    if playing == "derived":
        # Imported here: the analyzer's numba solver is only loaded by the jobs that derive.
        from jost.engine.exact import derive_chart

        return derive_chart(rules)
    known = defaults.names(CHART_DIR)
    if playing not in known:
        raise ConfigRejected(
            "$.strategy.playing",
            f"unknown chart {playing!r}; use 'basic', 'derived', a chart of your own, or one "
            f"of the shipped charts: {', '.join(known)}",
        )
    return load_chart(playing)
