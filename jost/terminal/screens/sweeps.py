"""Sweeps: the list of this token's sweeps on the platform (``n`` starts a new one, Enter
opens one), and one sweep: its progress as one bar, its results table (a row per point, filled
as the points complete) and a chart of EV by point with its 95% interval, exported as the
platform's CSV (``v``) or cancelled (``x``).

A sweep is followed by a worker of its screen: leaving the screen stops the polling,
reopening the sweep starts it again."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import get_current_worker

from jost.contracts.sweeps import SweepResults, SweepRow, SweepStatus, value_text
from jost.files import atomic_write
from jost.terminal.client import PlatformClient, PlatformRefused, PlatformUnavailable
from jost.terminal.screens.results import TAB_KEYS, export_path
from jost.terminal.screens.sweep_form import SweepFormScreen
from jost.terminal.screens.threads import on_screen
from jost.terminal.widgets.charts import Chart, show_sweep_ev

POLL_SECONDS = 0.5
"""How often a running sweep's status and table are asked for."""
TABLE_SECONDS = 2.0
"""How often the table is asked for while no point finishes (its rows' status changes)."""
RETRY_SECONDS = 2.0
"""The wait before asking again a platform that did not answer."""
FIGURES = ("status", "EV", "95% interval", "win/100", "SD/100", "SCORE", "N0", "RoR")


def _number(value: float | None, text: str) -> str:
    return "-" if value is None else text.format(value)


def row_cells(row: SweepRow) -> tuple[str, ...]:
    """A point's row as the table shows it: its index, its axes' values, its figures."""
    interval = (
        f"[{row.ev_ci95_low * 100:+.3f}, {row.ev_ci95_high * 100:+.3f}]"
        if row.ev_ci95_low is not None and row.ev_ci95_high is not None
        else "-"
    )
    return (
        str(row.index),
        *(value_text(v) for v in row.values.values()),
        row.status,
        _number(None if row.ev is None else row.ev * 100, "{:+.3f}%"),
        interval,
        _number(row.win_per_100, "{:+.3f}"),
        _number(row.sd_per_100, "{:.2f}"),
        _number(row.score, "{:.3f}"),
        _number(row.n0, "{:,.0f}"),
        _number(None if row.ror is None else row.ror * 100, "{:.2f}%"),
    )


def status_line(status: SweepStatus) -> str:
    parts = [
        f"[b]{status.status}[/]",
        f"points {status.points_completed}/{status.points} completed",
    ]
    if status.points_failed:
        parts.append(f"{status.points_failed} failed")
    if status.points_cancelled:
        parts.append(f"{status.points_cancelled} cancelled")
    parts.append(f"shards {status.shards_done}/{status.shards_total}")
    parts.append(f"{status.rounds:,} rounds")
    return " · ".join(parts)


def submitted_text(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


class SweepScreen(Screen):
    """One sweep: the status, one progress bar, the table (1) and the chart (2)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "tab('table')", "Table", group=TAB_KEYS),
        Binding("2", "tab('chart')", "Chart", group=TAB_KEYS),
        Binding("v", "export", "CSV"),
        Binding("x", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    SweepScreen #title { height: 1; padding: 0 1; background: $boost; }
    SweepScreen #status { height: auto; padding: 0 1; }
    SweepScreen #progress { padding: 0 1; }
    SweepScreen #said { height: auto; padding: 0 1; color: $text-muted; }
    SweepScreen TabbedContent { height: 1fr; }
    SweepScreen TabPane { padding: 0; }
    SweepScreen #points { height: 1fr; }
    """

    def __init__(
        self,
        sweep_id: str,
        name: str = "",
        status: SweepStatus | None = None,
        results: SweepResults | None = None,
    ) -> None:
        super().__init__()
        self.sweep_id = sweep_id
        self.sweep_name = name or (status.name if status else "")
        self.status = status
        self.results = results
        self.exported: str | None = None
        """The file of the last export (shown on the screen)."""
        self._shown: dict[int, tuple[str, ...]] = {}
        """Each point's cells as the table shows them: only a changed cell is redrawn."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title(), id="title")
        yield Static("", id="status")
        yield ProgressBar(id="progress", show_eta=False)
        yield Static("", id="said")
        with TabbedContent(id="tabs"):
            with TabPane("Table", id="table"):
                yield DataTable(id="points", cursor_type="row", zebra_stripes=True)
            with TabPane("Chart", id="chart"):
                yield Chart(id="chart-ev")
        yield Footer(compact=True)

    def _title(self) -> str:
        return f"[b]sweep {self.sweep_name or '(no name)'}[/]  {self.sweep_id}"

    def on_mount(self) -> None:
        self.query_one("#said", Static).display = False
        self.show(self.status, self.results)
        self.query_one("#points", DataTable).focus()
        running = self.status is None or self.status.status == "running"
        if self.app.url and (running or self.results is None):
            self.follow()

    def show(self, status: SweepStatus | None, results: SweepResults | None) -> None:
        if status is not None:
            self.status = status
            if status.name and status.name != self.sweep_name:
                self.sweep_name = status.name
                self.query_one("#title", Static).update(self._title())
            self.query_one("#status", Static).update(status_line(status))
            self.query_one("#progress", ProgressBar).update(
                total=max(status.shards_total, 1), progress=status.shards_done
            )
        else:
            self.query_one("#status", Static).update("asking the platform…")
        if results is not None:
            self.results = results
            self._fill(results)
            show_sweep_ev(self.query_one("#chart-ev", Chart), results)

    def _fill(self, results: SweepResults) -> None:
        table = self.query_one("#points", DataTable)
        columns = ("#", *results.axes, *FIGURES)
        if [str(c.label) for c in table.columns.values()] != list(columns):
            table.clear(columns=True)
            for name in columns:
                table.add_column(name, key=name)
            self._shown.clear()
        for row in results.rows:
            cells = row_cells(row)
            key = str(row.index)
            before = self._shown.get(row.index)
            if before is None:
                table.add_row(*cells, key=key)
            elif before != cells:
                for name, old, new in zip(columns, before, cells, strict=True):
                    if old != new:
                        table.update_cell(key, name, new)
            self._shown[row.index] = cells

    def say(self, text: str) -> None:
        said = self.query_one("#said", Static)
        said.update(text)
        said.display = True

    @work(thread=True, exclusive=True, group="sweep-follow")
    def follow(self) -> None:
        """Ask for the status and the table until the sweep is finished (or the screen
        goes); a platform that does not answer is asked again, said once."""
        worker = get_current_worker()
        missed = False
        finished, fetched = -1, 0.0
        with PlatformClient(self.app.url, self.app.token) as client:
            while not worker.is_cancelled:
                try:
                    status = client.sweep_status(self.sweep_id)
                    results = None
                    done = status.points_completed + status.points_failed + status.points_cancelled
                    # the table (a row per point: large) when a point finished, else now and then
                    if (
                        done != finished
                        or status.status != "running"
                        or (time.monotonic() - fetched >= TABLE_SECONDS)
                    ):
                        results = client.sweep_results(self.sweep_id)
                        finished, fetched = done, time.monotonic()
                except PlatformUnavailable as exc:
                    if not missed:
                        self.notify(f"{exc}; asking again", severity="warning")
                    missed = True
                    time.sleep(RETRY_SECONDS)
                    continue
                except PlatformRefused as exc:
                    self.notify(str(exc), severity="error", timeout=10)
                    return
                missed = False
                if worker.is_cancelled:
                    return
                on_screen(self, self.show, status, results)
                if status.status != "running":
                    return
                time.sleep(POLL_SECONDS)

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def action_export(self) -> None:
        if not self.app.url:
            self.notify("no platform address: the CSV comes from the platform", severity="error")
            return
        self._export()

    @work(thread=True, group="sweep-export")
    def _export(self) -> None:
        path = export_path(self.app.export_dir, f"sweep-{self.sweep_id[:8]}", "csv")
        try:
            with PlatformClient(self.app.url, self.app.token) as client:
                data = client.sweep_csv(self.sweep_id)
            atomic_write(path, data.encode())
        except (PlatformUnavailable, PlatformRefused, OSError) as exc:
            self.notify(f"not exported: {exc}", severity="error")
            return
        self.exported = str(path)
        on_screen(self, self.say, f"CSV exported to {path}")
        self.notify(f"exported the CSV to {path}")

    def action_cancel(self) -> None:
        if self.status is not None and self.status.status != "running":
            self.notify(f"the sweep is {self.status.status} already", severity="warning")
            return
        if not self.app.url:
            return
        self._cancel()

    @work(thread=True, group="sweep-cancel")
    def _cancel(self) -> None:
        try:
            with PlatformClient(self.app.url, self.app.token) as client:
                status = client.cancel_sweep(self.sweep_id)
        except (PlatformUnavailable, PlatformRefused) as exc:
            self.notify(f"not cancelled: {exc}", severity="error")
            return
        on_screen(self, self.show, status, None)
        self.notify(f"sweep {self.sweep_id[:8]} cancelled")
        on_screen(self, self.follow)


class SweepTable(DataTable):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open")]


class SweepsScreen(Screen):
    """The sweeps on the platform, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New sweep"),
        Binding("r", "refresh", "Refresh"),
    ]
    DEFAULT_CSS = """
    SweepsScreen #sweeps { height: 1fr; }
    SweepsScreen #note { padding: 1 2; color: $text-muted; height: auto; }
    """
    COLUMNS = ("sweep", "name", "status", "points", "shards", "submitted (UTC)")

    def __init__(self) -> None:
        super().__init__()
        self.sweeps: dict[str, SweepStatus] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="note")
        yield SweepTable(id="sweeps", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#sweeps", DataTable)
        for name in self.COLUMNS:
            table.add_column(name, key=name)
        table.focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def note(self, text: str) -> None:
        note = self.query_one("#note", Static)
        note.update(text)
        note.display = bool(text)

    def action_refresh(self) -> None:
        if not self.app.url:
            self.note(
                "Sweeps run on the platform: give its address (--url, JOST_URL or jost login)."
            )
            return
        self._load()

    @work(thread=True, exclusive=True, group="sweeps-list")
    def _load(self) -> None:
        try:
            with PlatformClient(self.app.url, self.app.token) as client:
                page = client.sweeps(limit=100)
        except (PlatformUnavailable, PlatformRefused) as exc:
            self.app.call_from_thread(self.note, f"sweeps not listed: {exc}")
            return
        self.app.call_from_thread(self.fill, page.sweeps)

    def fill(self, sweeps: list[SweepStatus]) -> None:
        table = self.query_one("#sweeps", DataTable)
        table.clear()
        self.sweeps = {s.sweep_id: s for s in sweeps}
        for s in sweeps:
            table.add_row(*self.cells(s), key=s.sweep_id)
        self.note("" if sweeps else "No sweeps yet: n starts one.")

    @staticmethod
    def cells(s: SweepStatus) -> tuple[Any, ...]:
        return (
            s.sweep_id[:8],
            s.name or "-",
            s.status,
            f"{s.points_completed}/{s.points}",
            f"{s.shards_done}/{s.shards_total}",
            submitted_text(s.submitted_at),
        )

    def action_new(self) -> None:
        self.app.push_screen(SweepFormScreen())

    @on(DataTable.RowSelected, "#sweeps")
    def _selected(self, event: DataTable.RowSelected) -> None:
        status = self.sweeps[event.row_key.value]
        self.app.push_screen(SweepScreen(status.sweep_id, status.name, status))
