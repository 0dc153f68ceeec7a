"""SVG snapshots of each screen at 80x24 and 120x40, compared with the accepted ones
(pytest-textual-snapshot): the files live in ``tests/terminal/__snapshots__/test_app_snapshots/``
and are rewritten with ``pytest tests/terminal/test_app_snapshots.py --snapshot-update``; a
failed comparison writes ``snapshot_report.html`` at the repository's root showing both.

Deterministic by construction: the packaged defaults installed before the app starts (no
sync, no notifications), no platform address, a fixed local result (fixed seed, fixed
seconds), no job ids or times on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_driver import finished_job, fixed_sweep, go_to_profile, make_app
from textual.widgets import Input

from jost.terminal.screens.results import ResultsScreen
from jost.terminal.screens.sweeps import SweepScreen
from jost.terminal.sync import sync_defaults
from jost.terminal.tracked import TrackedJob

SIZES = [(80, 24), (120, 40)]
PROFILE = "hilo-i18-6d-s17-das-ls-1-12"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> TrackedJob:
    """A completed local run of a counting game with a bankroll: every chart has data."""
    return finished_job(tmp_path_factory.mktemp("finished"), PROFILE, rounds=40_000, seed=3)


def offline_app(tmp_path: Path, job: TrackedJob | None = None):
    app = make_app(tmp_path, None, sync=False)
    sync_defaults(app.store, None)
    if job is not None:
        app.jobs[job.key] = job
    return app


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_profiles_screen(snap_compare, tmp_path, size) -> None:
    async def show_a_default(pilot) -> None:
        await go_to_profile(pilot, "rules", "6d-h17-das-ls")

    assert snap_compare(offline_app(tmp_path), terminal_size=size, run_before=show_a_default)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_run_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(offline_app(tmp_path), press=["f2", "down", "down"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_jobs_screen(snap_compare, tmp_path, size, finished) -> None:
    assert snap_compare(offline_app(tmp_path, finished), press=["f3"], terminal_size=size)


@pytest.mark.parametrize("tab", ["1", "2", "3", "4", "5"])
def test_results_screen(snap_compare, tmp_path, finished, tab) -> None:
    """Summary, EV by count, frequency, trip result and risk, at 80x24."""

    async def open_results(pilot) -> None:
        await pilot.app.push_screen(ResultsScreen(finished))

    app = offline_app(tmp_path, finished)
    assert snap_compare(app, press=[tab], run_before=open_results)


def test_results_screen_large(snap_compare, tmp_path, finished) -> None:
    async def open_results(pilot) -> None:
        await pilot.app.push_screen(ResultsScreen(finished))

    app = offline_app(tmp_path, finished)
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_results)


@pytest.mark.parametrize("tab", ["1", "2"])
def test_sweep_screen(snap_compare, tmp_path, tab) -> None:
    """A sweep's table and chart, from fixed data (three points done, one running)."""
    status, results = fixed_sweep()

    async def open_sweep(pilot) -> None:
        await pilot.app.push_screen(SweepScreen(status.sweep_id, status.name, status, results))

    assert snap_compare(offline_app(tmp_path), press=[tab], run_before=open_sweep)


def test_sweep_form(snap_compare, tmp_path) -> None:
    """A new sweep with two axes, its points counted, one axis refused where it is typed."""

    async def fill(pilot) -> None:
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = pilot.app.screen
        form.choose("basic-6d-s17-das-flat")
        await form.action_add_axis()
        form.query_one("#rounds", Input).value = "200000"
        first, second = form.rows()
        first.query_one(".path", Input).value = "rules.decks"
        first.query_one(".values", Input).value = "2, 6"
        second.query_one(".path", Input).value = "rules.penetration"
        second.query_one(".values", Input).value = "0.7, 0.8, 1.5"
        await pilot.pause()

    assert snap_compare(offline_app(tmp_path), run_before=fill)
