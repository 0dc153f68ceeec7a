"""The result charts: EV and frequency by true count, the distribution of a trip's result,
the risk of ruin as the bankroll changes, and a sweep's EV by point. Each chart is a plotext
plot; a result without the data a chart needs (no count kept, no bankroll given) shows why
instead."""

from __future__ import annotations

import math
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from jost.contracts import ShardStats, SimulationConfig, Summary
from jost.contracts.sweeps import SweepResults, point_label
from jost.engine.bands import CountBand, count_bands
from jost.engine.stats import ruin_formula, trip_ruin_formula

TRIP_BINS = 40
BANKROLL_MULTIPLES = tuple(m / 4 for m in range(1, 17))
"""The bankrolls the risk chart covers: a quarter to four times the one configured."""
SWEEP_TICKS = 8
"""The most points a sweep's chart names on its axis."""


class Chart(Vertical):
    """A plot with a line saying why it is empty when the result lacks its data."""

    DEFAULT_CSS = """
    Chart { height: 1fr; }
    Chart > .why { padding: 1 2; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", classes="why")
        yield PlotextPlot()

    def on_mount(self) -> None:
        self.query_one(".why", Static).display = False

    def explain(self, why: str) -> None:
        """Show ``why`` in place of the plot."""
        note = self.query_one(".why", Static)
        note.update(why)
        note.display = True
        self.query_one(PlotextPlot).display = False

    def draw(self) -> PlotextPlot:
        """The plot, cleared and shown, for the caller to draw on."""
        self.query_one(".why", Static).display = False
        plot = self.query_one(PlotextPlot)
        plot.display = True
        plot.plt.clear_figure()
        return plot


def tick_label(b: CountBand) -> str:
    """The bin's label, short enough for an axis: ``≤-6``, ``+3``, ``≥+10``."""
    return b.label.replace("<= ", "≤").replace(">= ", "≥")


def _bars_by_count(
    chart: Chart,
    bins: list[CountBand],
    value: Callable[[CountBand], float],
    title: str,
    empty: str,
) -> None:
    """A bar per bin of the by-count table (``count_bands``: the ends gather the counts
    beyond), labelled as the table labels them."""
    if not bins:
        chart.explain(empty)
        return
    plot = chart.draw()
    positions = [b.true_count for b in bins]
    plot.plt.bar(positions, [value(b) for b in bins])
    plot.plt.xticks(positions, [tick_label(b) for b in bins])
    plot.plt.title(title)
    plot.refresh()


def show_ev_by_count(chart: Chart, summary: Summary) -> None:
    _bars_by_count(
        chart,
        [b for b in count_bands(summary.by_true_count) if b.rounds],
        lambda b: b.ev * 100,
        "EV per initial bet (%) by true count at the bet",
        "No count was kept in this game: there is no EV by true count.",
    )


def show_frequency_by_count(chart: Chart, summary: Summary) -> None:
    _bars_by_count(
        chart,
        count_bands(summary.by_true_count),
        lambda b: b.frequency * 100,
        "Rounds dealt at each true count (%)",
        "No count was kept in this game: there are no count frequencies.",
    )


def trip_histogram(trip_results: dict[int, int], bins: int = TRIP_BINS):
    """Trip results (count of trips per whole-unit result) gathered into at most ``bins``
    equal bins: (bin lower edges, counts)."""
    low, high = min(trip_results), max(trip_results)
    width = max(1, math.ceil((high - low + 1) / bins))
    edges = list(range(low, high + 1, width))
    counts = [0] * len(edges)
    for value, n in trip_results.items():
        counts[(value - low) // width] += n
    return edges, counts


def show_trip_distribution(chart: Chart, summary: Summary, stats: ShardStats | None) -> None:
    risk = summary.risk
    if risk is None:
        chart.explain("No bankroll in this game: trips are not simulated (set bankroll).")
        return
    plot = chart.draw()
    if stats is not None and stats.trip_results:
        edges, counts = trip_histogram(stats.trip_results)
        total = sum(counts)
        plot.plt.bar(edges, [100 * n / total for n in counts])
        plot.plt.title(f"Result of a {risk.trip_rounds:,}-round trip (units): % of trips")
    elif risk.quantiles:
        names = sorted(risk.quantiles)
        plot.plt.bar(names, [risk.quantiles[n] for n in names])
        plot.plt.title(f"Result of a {risk.trip_rounds:,}-round trip: quantiles (units)")
    else:
        chart.explain("No trip was completed: the trips are longer than the rounds played.")
        return
    plot.refresh()


def show_bankroll_risk(chart: Chart, summary: Summary, config: SimulationConfig | None) -> None:
    risk = summary.risk
    if risk is None:
        chart.explain("No bankroll in this game: set bankroll.units for the risk of ruin.")
        return
    # per round dealt, the rates the engine's own risk figures are computed from
    win = summary.win_per_100 / 100
    var = summary.sd_per_100**2 / 100
    bankrolls = [risk.bankroll * m for m in BANKROLL_MULTIPLES]
    plot = chart.draw()
    plot.plt.plot(bankrolls, [100 * ruin_formula(win, var, b) for b in bankrolls], label="ever")
    plot.plt.plot(
        bankrolls,
        [100 * trip_ruin_formula(win, var, b, risk.trip_rounds) for b in bankrolls],
        label=f"within {risk.trip_rounds:,} rounds",
    )
    plot.plt.title("Risk of ruin (%) by bankroll (units)")
    plot.refresh()


def show_sweep_ev(chart: Chart, results: SweepResults) -> None:
    """EV per initial bet (%) at each point of a sweep, its 95% interval as error bars, the
    points named by their axes' values (every n-th when they would not fit)."""
    done = [r for r in results.rows if r.ev is not None]
    if not done:
        chart.explain("No point has completed yet: the chart fills as they do.")
        return
    plot = chart.draw()
    xs = [r.index + 1 for r in done]
    evs = [r.ev * 100 for r in done]
    half = [
        (r.ev_ci95_high - r.ev_ci95_low) * 50 if r.ev_ci95_high is not None else 0.0 for r in done
    ]
    plot.plt.error(xs, evs, yerr=half)
    plot.plt.hline(0.0)
    step = max(1, math.ceil(len(done) / SWEEP_TICKS))
    plot.plt.xticks(xs[::step], [point_label(r.values) for r in done[::step]])
    plot.plt.xlim(0.5, len(results.rows) + 0.5)
    plot.plt.title("EV per initial bet (%) by point, 95% interval")
    plot.plt.xlabel("/".join(results.axes))
    plot.refresh()
