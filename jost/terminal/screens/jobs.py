"""The jobs list: this terminal's jobs (the local history and the runs of this session), with
their status and progress as the platform reports them, live. Enter opens a job's results."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from jost.terminal.tracked import TrackedJob

COLUMNS = ("job", "profile", "where", "status", "progress", "EV", "rounds")


def row(job: TrackedJob) -> tuple[str, ...]:
    ev = f"{job.summary.ev * 100:+.3f}%" if job.summary is not None else "-"
    rounds = f"{job.config.rounds:,}" if job.config is not None else "-"
    return (job.label, job.profile, job.where, job.status, job.progress, ev, rounds)


class JobTable(DataTable):
    """The jobs, a row each; Enter opens the results of the row under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Results"),
    ]


class JobsScreen(Screen):
    DEFAULT_CSS = """
    JobsScreen #jobs { height: 1fr; }
    JobsScreen #empty { padding: 1 2; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("No jobs yet: run a simulation on the run screen (F2).", id="empty")
        yield JobTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#jobs", DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.app.job_changed.subscribe(self, self._job_changed)
        table.focus()

    def on_screen_resume(self) -> None:
        self.refill()

    def refill(self) -> None:
        """All jobs, newest first."""
        table = self.query_one("#jobs", DataTable)
        table.clear()
        for job in reversed(list(self.app.jobs.values())):
            table.add_row(*row(job), key=job.key)
        self.query_one("#empty", Static).display = not self.app.jobs

    def _job_changed(self, job: TrackedJob) -> None:
        table = self.query_one("#jobs", DataTable)
        if job.key not in self.app.jobs or job.key not in table.rows:
            # a new job, or one replaced by a local run: the order changes
            self.refill()
            return
        for name, value in zip(COLUMNS, row(job), strict=True):
            table.update_cell(job.key, name, value)

    @on(DataTable.RowSelected, "#jobs")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_results(self.app.jobs[event.row_key.value])
