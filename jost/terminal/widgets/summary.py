"""The summary of a result: the same table ``jost simulate`` prints (EV with its 95%
interval, win and SD per 100 rounds and per hour, DI, SCORE, N0, risk of ruin, frequencies),
in a scrollable pane."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from jost.cli.simulate import result_table
from jost.contracts import SimulationConfig, Summary
from jost.terminal.output import chart_label


class SummaryView(VerticalScroll):
    """Focusable, so the arrow keys scroll it at 80x24."""

    DEFAULT_CSS = """
    SummaryView { height: 1fr; }
    SummaryView > Static { width: 100%; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="summary-table")

    def show(self, summary: Summary, config: SimulationConfig, seconds: float | None) -> None:
        chart = chart_label(config)
        # the table reports a speed from the seconds: a job's time is never exactly 0
        table = result_table(config, summary, chart, max(seconds or 0.0, 1e-3))
        table.expand = True
        self.query_one("#summary-table", Static).update(table)
