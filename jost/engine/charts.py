"""The shipped basic strategy charts: finding the right one for a game and loading it.

Charts are data (``jost/defaults/charts/<name>.json``), not code, so that they can be read,
diffed against the published references and replaced by a player's own chart in the config.
One chart serves a family of rules: its conditional cells (D, Ds, PD) are resolved against the
game's doubling and DAS rules by the kernel, so only the deck count, the dealer's soft 17 rule
and the hole-card rule pick the chart.
"""

from __future__ import annotations

from jost import defaults
from jost.contracts import Chart, Rules, Strategy, SurrenderChart

_CHART_DIR = "charts"


def chart_name_for(rules: Rules) -> str:
    """The shipped chart for ``rules``.

    Deck count changes basic strategy mostly between one, two and several decks, so 3 to 8
    decks share the ``shoe`` chart. Only ``enhc_all`` (doubles and splits lost to a dealer
    blackjack) changes play against a 10 or an ace; under plain ``enhc`` only the original bet
    is lost, which is what the peek game's strategy already assumes.
    """
    if rules.decks == 1:
        decks = "1d"
    elif rules.decks == 2:
        decks = "2d"
    else:
        decks = "shoe"
    soft17 = "h17" if rules.dealer_hits_soft_17 else "s17"
    suffix = "-enhc" if rules.hole_card == "enhc_all" else ""
    return f"{decks}-{soft17}{suffix}"


def chart_names() -> list[str]:
    """The names of the shipped charts, sorted: every ``<name>.json`` in the package, so a
    chart added as data needs no code change. A fresh list, so callers may modify it."""
    return list(defaults.names(_CHART_DIR))


def load_chart(name: str) -> Chart:
    """The shipped chart called ``name``, decoded and validated once, then cached (a Chart is
    frozen, so sharing one instance is safe). An unknown name raises ``ValueError``."""
    return defaults.load(_CHART_DIR, name, Chart, "strategy.playing")


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
    known = defaults.names(_CHART_DIR)
    if playing not in known:
        raise ValueError(
            f"strategy.playing: unknown chart {playing!r}; use 'basic', 'derived', a chart "
            f"of your own, or one of the shipped charts: {', '.join(known)}"
        )
    return load_chart(playing)


def surrender_table(chart: Chart, rules: Rules) -> SurrenderChart | None:
    """The chart's surrender table that the rules read: none without surrender, the early
    table under early surrender when the chart has one, else the late one."""
    if rules.surrender == "none":
        return None
    if rules.surrender == "early" and chart.early_surrender is not None:
        return chart.early_surrender
    return chart.surrender
