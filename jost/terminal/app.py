"""``jost terminal``: the player's full-screen app (Textual).

Five screens, each a key away wherever the focus is: F1 profiles (browse, edit, copy), F2 run
(pick a simulation, override rounds and seed, submit, or run here), F3 jobs (this terminal's
jobs with live progress), F4 sweeps (the platform's sweeps; a new one is a base profile and
axes; one sweep's progress, table, chart and CSV); a job's results (summary table, charts,
export), opened from the jobs list or when a run finishes; and F6 indices (a counting
simulation's index plays generated on the platform, saved into its strategy). The keys of the
screen shown are in the footer.

Work that takes time (syncing defaults, a local run, submitting and following a platform
job) runs in thread workers owned by the app, so it never blocks the keyboard and goes on
while the player moves between screens. Every change to a job is made on the UI thread and
published on ``job_changed``, which the screens showing jobs subscribe to.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import get_current_worker

from jost.contracts import SimulationConfig
from jost.contracts.sweeps import SweepSpec
from jost.profiles.install import SyncReport
from jost.profiles.store import ProfileStore
from jost.terminal.client import PlatformClient, PlatformRefused, PlatformUnavailable
from jost.terminal.history import JobHistory
from jost.terminal.output import run_local
from jost.terminal.screens.dialogs import Confirm
from jost.terminal.screens.indices import IndicesScreen
from jost.terminal.screens.jobs import JobsScreen
from jost.terminal.screens.profiles import ProfilesScreen
from jost.terminal.screens.results import ResultsScreen
from jost.terminal.screens.run import RunScreen
from jost.terminal.screens.sweeps import SweepScreen, SweepsScreen
from jost.terminal.sync import sync_defaults
from jost.terminal.tracked import TrackedJob

POLL_SECONDS = 0.5
"""How often a running platform job's status is asked for."""
UNREACHABLE_BACKOFF = (1.0, 2.0, 5.0, 10.0)
"""Waits between tries while the platform does not answer (the last one repeats)."""


def sync_notices(report: SyncReport) -> list[tuple[str, str]]:
    """What a sync of the defaults tells the player: (message, severity) pairs."""
    notices = []
    if report.fallback:
        notices.append(
            (
                f"platform not reachable: {report.fallback}. Defaults from the packaged copy.",
                "warning",
            )
        )
    changed = len(report.added) + len(report.updated)
    notices.append(
        (
            f"defaults from the {report.source}: {len(report.added)} added, "
            f"{len(report.updated)} updated, {report.unchanged} unchanged",
            "information",
        )
        if changed or report.unchanged
        else (f"defaults from the {report.source}: none", "warning")
    )
    if report.skipped:
        notices.append(
            (
                f"your own profiles keep their names, defaults not installed: "
                f"{', '.join(report.skipped)}",
                "warning",
            )
        )
    if report.kept:
        notices.append(
            (
                f"defaults you edited by hand are kept as they are: {', '.join(report.kept)}",
                "warning",
            )
        )
    if report.invalid:
        notices.append((f"invalid defaults skipped: {'; '.join(report.invalid)}", "error"))
    return notices


class JostApp(App):
    TITLE = "JOST"
    ENABLE_COMMAND_PALETTE = False  # every action has its key, shown in the footer
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "switch_mode('profiles')", "Profiles", priority=True),
        Binding("f2", "switch_mode('run')", "Run", priority=True),
        Binding("f3", "switch_mode('jobs')", "Jobs", priority=True),
        Binding("f4", "switch_mode('sweeps')", "Sweeps", priority=True),
        # Not in the footer: at 80 columns the profiles screen's keys fill it (F6 is named in
        # the README and the indices screen shows its own keys).
        Binding("f6", "switch_mode('indices')", "Indices", priority=True, show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    MODES: ClassVar[dict[str, Callable[[], Screen]]] = {
        "profiles": ProfilesScreen,
        "run": RunScreen,
        "jobs": JobsScreen,
        "sweeps": SweepsScreen,
        "indices": IndicesScreen,
    }
    DEFAULT_MODE = "profiles"
    # The footers are compact (F1-F4 and a screen's keys fit in 80 columns); a group's label
    # keeps a space before the next key.
    CSS = "Footer.-compact FooterLabel { margin: 0 1 0 0; }"

    def __init__(
        self,
        store: ProfileStore,
        history: JobHistory,
        url: str | None,
        token: str | None,
        *,
        export_dir: Path | None = None,
        sync: bool = True,
    ) -> None:
        super().__init__()
        self.store = store
        self.history = history
        self.url = url
        self.token = token
        self.export_dir = export_dir or Path.cwd()
        self.sync_on_start = sync
        self.jobs: dict[str, TrackedJob] = {}
        """Every job shown, by key, in the order started (history first)."""
        self.drafts: dict[tuple[str, str], str] = {}
        """Profile edits not saved yet, by (kind, name): kept while the app runs."""
        self.job_changed: Signal[TrackedJob] = Signal(self, "job-changed")
        self.profiles_changed: Signal[None] = Signal(self, "profiles-changed")
        self._local_runs = 0
        self._open_when_fetched: str | None = None
        self._said: set[str] = set()
        self._said_lock = threading.Lock()

    def on_mount(self) -> None:
        self.sub_title = self.url or "no platform address: local runs only"
        self._load_history()
        if self.sync_on_start:
            self.sync()

    def notify_once(self, message: str, **kw: object) -> None:
        """``notify``, but a message said already this session is not said again: the jobs
        of the history followed at start, refused for one reason (the token), say it once."""
        with self._said_lock:
            if message in self._said:
                return
            self._said.add(message)
        self.notify(message, **kw)

    def client(self) -> PlatformClient | None:
        return PlatformClient(self.url, self.token) if self.url else None

    # -- defaults ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sync")
    def sync(self) -> None:
        client = self.client()
        try:
            report = sync_defaults(self.store, client)
        except (OSError, ValueError) as exc:
            self.notify(f"defaults not synced: {exc}", severity="error", timeout=10)
            return
        finally:
            if client is not None:
                client.close()
        self.call_from_thread(self.profiles_changed.publish, None)
        for message, severity in sync_notices(report):
            self.notify(message, severity=severity, timeout=8)

    # -- jobs ----------------------------------------------------------------------------------

    def _load_history(self) -> None:
        """Show the jobs of earlier sessions and follow the ones not known to be done."""
        for entry in reversed(self.history.list()):
            job = TrackedJob(
                key=entry.key,
                job_id=entry.job_id,
                profile=entry.source.removeprefix("simulation "),
                where="platform",
                config=entry.config,
                url=entry.url,
                status="unknown" if entry.job_id else "pending",
                submitted_at=entry.submitted_at,
            )
            self.jobs[job.key] = job
            if entry.job_id and entry.url == self.url:
                self.follow(job, fetch_result=False)

    def update_job(self, job: TrackedJob, **changes: object) -> None:
        """Change a job (on the UI thread) and tell the screens."""
        for name, value in changes.items():
            setattr(job, name, value)
        self.job_changed.publish(job)

    def _update(self, job: TrackedJob, **changes: object) -> None:
        """``update_job`` from a worker thread."""
        self.call_from_thread(self.update_job, job, **changes)

    def start_run(
        self, profile: str, config: SimulationConfig, *, local: bool = False
    ) -> TrackedJob:
        """Run a hydrated config: submitted to the platform, or here when asked, when no
        platform address is known or when no platform answers."""
        if local or not self.url:
            if not local:
                self.notify(
                    "no platform address (--url, JOST_URL or jost login): running locally",
                    severity="warning",
                )
            return self._start_local(profile, config)
        try:
            # recorded before it is sent: a submission whose answer is lost is sent again
            # under the same key by the next submit of the same config (jost.terminal.history)
            entry = self.history.begin(self.url, f"simulation {profile}", config)
        except OSError as exc:
            self.notify(f"job history not written, not submitted: {exc}", severity="error")
            return self._start_local(profile, config)
        job = TrackedJob(
            key=entry.key,
            profile=profile,
            where="platform",
            config=config,
            url=self.url,
            submitted_at=entry.submitted_at,
        )
        self.jobs[job.key] = job
        self.job_changed.publish(job)
        self._submit(job)
        return job

    def _start_local(self, profile: str, config: SimulationConfig) -> TrackedJob:
        self._local_runs += 1
        job = TrackedJob(
            key=f"local-{self._local_runs}",
            profile=profile,
            where="local",
            config=config,
            status="running",
            unit="rounds",
            total=config.rounds,
            submitted_at=datetime.now(UTC),
        )
        self.jobs[job.key] = job
        self.job_changed.publish(job)
        self._run_local(job)
        return job

    @work(thread=True, group="local")
    def _run_local(self, job: TrackedJob) -> None:
        assert job.config is not None
        started = time.perf_counter()
        done = 0

        def progress(rounds: int) -> None:
            nonlocal done
            done += rounds
            self._update(job, done=done)

        try:
            summary = run_local(job.config, progress=progress)
        except Exception as exc:  # a failed run is reported, never a crash of the app
            self._update(job, status="failed", error=str(exc))
            self.notify(f"local run {job.key} failed: {exc}", severity="error", timeout=10)
            return
        self._update(
            job,
            status="completed",
            summary=summary,
            seconds=time.perf_counter() - started,
            done=job.config.rounds,
        )
        self.call_from_thread(self.job_finished, job)

    @work(thread=True, group="platform")
    def _submit(self, job: TrackedJob) -> None:
        assert job.config is not None and self.url
        with PlatformClient(self.url, self.token) as client:
            try:
                accepted = client.submit(job.config, idempotency_key=job.key)
            except PlatformUnavailable as exc:
                # run here instead: the pending submission is not to be sent again by a
                # later submit of the same config (jost.terminal.history)
                try:
                    self.history.drop(job.key)
                except OSError as error:
                    self.notify(f"job history not written: {error}", severity="error")
                self.notify(
                    f"platform not reachable: {exc}. Running {job.profile} locally instead.",
                    title="platform not reachable",
                    severity="warning",
                    timeout=10,
                )
                self.call_from_thread(self._replace_with_local, job)
                return
            except PlatformRefused as exc:
                self.history.drop(job.key)
                self._update(job, status="refused", error=str(exc))
                self.notify(str(exc), title="not submitted", severity="error", timeout=10)
                return
            try:
                self.history.accept(job.key, accepted.job_id)
            except OSError as exc:
                self.notify(f"job history not written: {exc}", severity="error")
            self._update(job, job_id=accepted.job_id, status=accepted.status)
            self._follow(job, client)

    def _replace_with_local(self, job: TrackedJob) -> None:
        assert job.config is not None
        del self.jobs[job.key]
        local = self._start_local(job.profile, job.config)
        self.update_job(job, replaced_by=local.key)

    @work(thread=True, group="platform")
    def follow(self, job: TrackedJob, fetch_result: bool = True) -> None:
        """Follow a job of the history until it is done (or the app quits)."""
        assert self.url
        with PlatformClient(self.url, self.token) as client:
            self._follow(job, client, fetch_result)

    def _follow(self, job: TrackedJob, client: PlatformClient, fetch_result: bool = True) -> None:
        """Poll the job's status until it is final, then fetch its result (a job of an
        earlier session: only when opened). A platform that stops answering is retried with
        growing waits; the job stays in the list."""
        assert job.job_id is not None
        worker = get_current_worker()
        misses = 0
        while not worker.is_cancelled:
            try:
                status = client.status(job.job_id)
            except PlatformUnavailable as exc:
                if misses == 0:
                    self._update(job, status="unreachable", error=str(exc))
                    self.notify(
                        f"platform not reachable: {exc}. Job {job.label} is kept; retrying.",
                        title="platform not reachable",
                        severity="warning",
                    )
                time.sleep(UNREACHABLE_BACKOFF[min(misses, len(UNREACHABLE_BACKOFF) - 1)])
                misses += 1
                continue
            except PlatformRefused as exc:
                lost = exc.status == 404
                self._update(job, status="lost" if lost else "refused", error=str(exc))
                if lost:
                    self.notify(
                        f"job {job.job_id} is not known to the platform at {self.url}",
                        severity="error",
                        timeout=10,
                    )
                else:  # the token refused: the same for every job followed
                    self.notify_once(str(exc), severity="error", timeout=10)
                return
            misses = 0
            seconds = (
                (status.finished_at - status.submitted_at).total_seconds()
                if status.finished_at
                else None
            )
            self._update(
                job,
                status=status.status,
                done=status.shards_done,
                total=status.shards_total,
                error=status.error,
                seconds=seconds,
            )
            if status.status == "completed":
                break
            if status.status in ("failed", "cancelled"):
                self.notify(
                    f"job {job.label} {status.status}: {status.error or ''}", severity="error"
                )
                return
            time.sleep(POLL_SECONDS)
        else:
            return
        if not fetch_result:
            return
        try:
            result = client.result(job.job_id)
        except (PlatformUnavailable, PlatformRefused) as exc:
            self.notify(f"result of job {job.label} not fetched: {exc}", severity="error")
            return
        self._update(job, summary=result.summary, stats=result.stats)
        self.call_from_thread(self.job_finished, job)

    def job_finished(self, job: TrackedJob) -> None:
        """A run finished: its results open if the player is still on the run screen."""
        wanted = self._open_when_fetched == job.key
        if wanted or (isinstance(self.screen, RunScreen) and self.screen.launched == job.key):
            self._open_when_fetched = None
            self.push_screen(ResultsScreen(job))
        else:
            self.notify(f"{job.profile}: job {job.label} completed (F3 jobs, Enter opens it)")

    def open_results(self, job: TrackedJob) -> None:
        if job.summary is not None:
            self.push_screen(ResultsScreen(job))
        elif job.status == "completed" and job.where == "platform":
            self._open_when_fetched = job.key
            self.follow(job)
            self.notify(f"fetching the result of job {job.label}")
        else:
            self.notify(
                f"job {job.label} is {job.status}" + (f": {job.error}" if job.error else ""),
                severity="warning",
            )

    def sweep_submitted(self, sweep_id: str, spec: SweepSpec) -> None:
        """A sweep was accepted: its screen replaces the form, following it."""
        self.pop_screen()
        self.push_screen(SweepScreen(sweep_id, spec.name))

    # -- quitting ------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit, after asking when edits are unsaved or a local run would be lost."""
        unsaved = [f"{kind}/{name}" for kind, name in self.drafts]
        running = [j.key for j in self.jobs.values() if j.where == "local" and not j.final]
        if not unsaved and not running:
            self.exit()
            return
        parts = []
        if unsaved:
            parts.append(f"unsaved edits in {', '.join(unsaved)}")
        if running:
            parts.append(f"local runs not finished: {', '.join(running)}")

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(Confirm(f"Quit with {' and '.join(parts)}?"), answer)
