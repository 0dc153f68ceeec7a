"""A job's results: the summary table and the charts, a tab each (keys 1-5 or the arrows on
the tab bar), and export as JSON (the object ``jost simulate --json`` prints) and CSV."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from jost.files import atomic_write
from jost.terminal.output import result_csv, result_json
from jost.terminal.tracked import TrackedJob
from jost.terminal.widgets.charts import (
    Chart,
    show_bankroll_risk,
    show_ev_by_count,
    show_frequency_by_count,
    show_trip_distribution,
)
from jost.terminal.widgets.summary import SummaryView

TABS = (
    ("summary", "Summary"),
    ("ev", "EV by count"),
    ("frequency", "Frequency"),
    ("trip", "Trip result"),
    ("risk", "Risk"),
)
TAB_KEYS = Binding.Group("Tabs", compact=True)
"""The tab keys 1-5, shown as one entry of the footer."""
EXPORT_KEYS = Binding.Group("Export")
"""j (JSON) and v (CSV), one entry of the footer: with F1-F4 all must fit in 80 columns."""


class ResultsScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("j", "export('json')", "JSON", group=EXPORT_KEYS),
        Binding("v", "export('csv')", "CSV", group=EXPORT_KEYS),
        *(
            Binding(str(i), f"tab('{tab}')", title, group=TAB_KEYS)
            for i, (tab, title) in enumerate(TABS, 1)
        ),
    ]
    DEFAULT_CSS = """
    ResultsScreen #title { height: 1; padding: 0 1; background: $boost; }
    ResultsScreen TabbedContent { height: 1fr; }
    ResultsScreen TabPane { padding: 0; }
    """

    def __init__(self, job: TrackedJob) -> None:
        super().__init__()
        assert job.summary is not None and job.config is not None
        self.job = job

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title(), id="title")
        with TabbedContent(id="tabs"):
            with TabPane("Summary", id="summary"):
                yield SummaryView()
            for tab, title in TABS[1:]:
                with TabPane(title, id=tab):
                    yield Chart(id=f"chart-{tab}")
        yield Footer(compact=True)

    def _title(self) -> str:
        job = self.job
        where = f"platform job {job.job_id}" if job.where == "platform" else "run locally"
        return f"[b]{job.profile}[/]  {where}"

    def on_mount(self) -> None:
        job = self.job
        summary, config = job.summary, job.config
        self.query_one(SummaryView).show(summary, config, job.seconds)
        show_ev_by_count(self.query_one("#chart-ev", Chart), summary)
        show_frequency_by_count(self.query_one("#chart-frequency", Chart), summary)
        show_trip_distribution(self.query_one("#chart-trip", Chart), summary, job.stats)
        show_bankroll_risk(self.query_one("#chart-risk", Chart), summary, config)
        self.query_one(SummaryView).focus()

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def action_export(self, kind: str) -> None:
        job = self.job
        path = export_path(self.app.export_dir, f"jost-{job.profile}-{job.label}", kind)
        if kind == "json":
            extra = {"job_id": job.job_id} if job.job_id else {}
            data = msgspec.json.format(
                msgspec.json.encode(result_json(job.summary, job.config, **extra))
            )
        else:
            data = result_csv(job.summary).encode()
        try:
            atomic_write(path, data)
        except OSError as exc:
            self.notify(f"not exported: {exc}", severity="error")
            return
        self.notify(f"exported the {kind.upper()} to {path}")


def export_path(folder: Path, stem: str, suffix: str) -> Path:
    """A new file in ``folder`` for an export: ``STEM-YYYYmmdd-HHMMSS.SUFFIX``, with ``-2``,
    ``-3``... when that exists (a local run's label, ``local-1``, starts again every session:
    the time keeps an export from replacing an earlier one)."""
    stem = f"{stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    path = folder / f"{stem}.{suffix}"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.{suffix}"
    return path
