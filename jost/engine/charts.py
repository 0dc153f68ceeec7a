"""The shipped basic strategy charts: finding the right one for a game and loading it, and the
surrender table a chart holds for the rules. Data only: the analyzer reads these too, so this
module imports nothing of the analyzer (``jost.engine.playing`` picks a strategy's chart).

Charts are data (``jost/defaults/charts/<name>.json``), not code, so that they can be read,
diffed against the published references and replaced by a player's own chart in the config.
One chart serves a family of rules: its conditional cells (D, Ds, PD) are resolved against the
game's doubling and DAS rules by the kernel, so only the deck count, the dealer's soft 17 rule
and the hole-card rule pick the chart.
"""

from __future__ import annotations

from jost import defaults
from jost.contracts import Chart, Rules, SurrenderChart

CHART_DIR = "charts"


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
    return list(defaults.names(CHART_DIR))


def load_chart(name: str) -> Chart:
    """The shipped chart called ``name``, decoded and validated once, then cached (a Chart is
    frozen, so sharing one instance is safe). An unknown name raises ``ValueError``."""
    return defaults.load(CHART_DIR, name, Chart, "strategy.playing")


def surrender_table(chart: Chart, rules: Rules) -> SurrenderChart | None:
    """The chart's surrender table that the rules read: none without surrender, the early
    table under early surrender when the chart has one, else the late one."""
    if rules.surrender == "none":
        return None
    if rules.surrender == "early" and chart.early_surrender is not None:
        return chart.early_surrender
    return chart.surrender
