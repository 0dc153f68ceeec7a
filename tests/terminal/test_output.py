"""The by-count table and the count charts show every round dealt: the counts beyond
``COUNT_RANGE`` are gathered into its end rows ``<= -6`` and ``>= +10`` (``count_bands``), so
the frequencies shown add up to all the rounds."""

from __future__ import annotations

import math

from rich.console import Console

from jost.cli.simulate import count_table
from jost.contracts import Summary, TrueCountRow
from jost.engine.bands import COUNT_RANGE, count_bands
from jost.profiles.hydrate import hydrate
from jost.profiles.store import ProfileStore
from jost.terminal.output import run_local
from jost.terminal.sync import sync_defaults
from jost.terminal.widgets.charts import show_ev_by_count, show_frequency_by_count


def row(count: int, frequency: float, rounds: int, avg_bet: float, ev: float) -> TrueCountRow:
    return TrueCountRow(
        true_count=count,
        frequency=frequency,
        ev=ev,
        ev_stderr=0.01,
        rounds=rounds,
        avg_bet=avg_bet,
        variance=1.3,
    )


ROWS = [
    row(-9, 0.02, 20, 1.0, -0.10),
    row(-7, 0.03, 30, 1.0, -0.05),
    row(-6, 0.05, 50, 1.0, -0.04),
    row(0, 0.70, 700, 1.0, -0.005),
    row(3, 0.10, 100, 6.0, 0.01),
    row(10, 0.04, 40, 12.0, 0.05),
    row(12, 0.04, 40, 12.0, 0.10),
    row(15, 0.02, 20, 10.0, 0.20),
]


def summary(rows: list[TrueCountRow]) -> Summary:
    return Summary(
        rounds=sum(r.rounds for r in rows),
        hands=sum(r.rounds for r in rows),
        ev=0.0,
        ev_stderr=0.0,
        ev_ci95_low=0.0,
        ev_ci95_high=0.0,
        ev_per_round=0.0,
        sd_per_round=1.0,
        total_initial_bet=0.0,
        total_wagered=0.0,
        wager_ratio=1.0,
        frequencies={},
        by_true_count=rows,
    )


def test_count_bands_gather_the_tails() -> None:
    bins = count_bands(ROWS)
    assert [b.label for b in bins] == ["<= -6", "+0", "+3", ">= +10"]
    assert math.isclose(sum(b.frequency for b in bins), 1.0)
    low, high = bins[0], bins[-1]
    assert (low.true_count, high.true_count) == COUNT_RANGE
    assert math.isclose(low.frequency, 0.10) and low.rounds == 100
    # EV: the net summed over the initial bet summed
    assert math.isclose(low.ev, (-0.10 * 20 - 0.05 * 30 - 0.04 * 50) / 100)
    net = 0.05 * 12 * 40 + 0.10 * 12 * 40 + 0.20 * 10 * 20
    stake = 12 * 40 + 12 * 40 + 10 * 20
    assert math.isclose(high.ev, net / stake)
    assert math.isclose(high.avg_bet, stake / 100) and high.rounds == 100
    assert math.isclose(high.ev_stderr, math.sqrt(2 * 480**2 + 200**2) * 0.01 / stake)
    # a count within the range stays as it is
    assert bins[2].ev == 0.01 and bins[2].avg_bet == 6.0 and bins[2].label == "+3"


def table_text(s: Summary) -> str:
    console = Console(record=True, width=120, color_system=None)
    console.print(count_table(s))
    return console.export_text()


def test_count_table_shows_the_tails() -> None:
    text = table_text(summary(ROWS))
    lines = {line.split("│")[1].strip(): line for line in text.splitlines() if "%" in line}
    assert set(lines) == {"<= -6", "+0", "+3", ">= +10"}
    assert "10.00%" in lines["<= -6"] and "-5.50% ±" in lines["<= -6"]
    assert "10.00%" in lines[">= +10"] and "11.6" in lines[">= +10"]  # avg bet 1160/100


class Recorder:
    """A stand-in for a Chart and its plotext plot: records what is drawn."""

    def __init__(self) -> None:
        self.calls: dict[str, tuple] = {}
        self.plt = self

    def draw(self):
        return self

    def explain(self, why: str) -> None:
        self.calls["explain"] = (why,)

    def refresh(self) -> None:
        pass

    def __getattr__(self, name: str):
        def record(*args, **kw) -> None:
            self.calls[name] = args

        return record


def test_count_charts_draw_the_tails() -> None:
    chart = Recorder()
    show_frequency_by_count(chart, summary(ROWS))
    positions, heights = chart.calls["bar"]
    assert positions == [-6, 0, 3, 10]
    assert math.isclose(sum(heights), 100.0)
    assert chart.calls["xticks"] == ([-6, 0, 3, 10], ["≤-6", "+0", "+3", "≥+10"])
    chart = Recorder()
    show_ev_by_count(chart, summary(ROWS))
    positions, heights = chart.calls["bar"]
    assert math.isclose(heights[-1], 100 * count_bands(ROWS)[-1].ev)


def test_a_two_deck_game_shows_every_round(tmp_path) -> None:
    """In a 2-deck game a tenth of the rounds are dealt at -6 or lower."""
    store = ProfileStore(tmp_path / "profiles")
    sync_defaults(store, None)
    result = run_local(hydrate(store, "hilo-i18-2d-h17-das-1-6", rounds=20_000, seed=1))
    beyond = [r for r in result.by_true_count if not COUNT_RANGE[0] < r.true_count < COUNT_RANGE[1]]
    assert sum(r.frequency for r in beyond) > 0.02
    assert math.isclose(sum(b.frequency for b in count_bands(result.by_true_count)), 1.0)
    text = table_text(result)
    rows = [line.split("│") for line in text.splitlines() if "%" in line]
    shown = [float(cells[2].strip().rstrip("%")) for cells in rows]
    assert rows[0][1].strip() == "<= -6"
    assert math.isclose(sum(shown), 100.0, abs_tol=0.01 * len(shown))
