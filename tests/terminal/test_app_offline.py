"""No platform (the URL points at a closed port), at 120x40: the defaults come from the
packaged copy, a run submitted to the platform goes local with a clear "platform not
reachable" notification (its pending submission dropped from the history), and its result
appears: the EV of the local run of the hydrated config, exactly.

Screenshots: ``TMP/screens/*.svg`` (the test's tmp_path), copied to
``tests/terminal/artifacts/`` (gitignored)."""

from __future__ import annotations

import asyncio

from app_driver import closed_port_url, make_app, record_notifications, shoot, wait_until

from jost.profiles.hydrate import hydrate
from jost.terminal.output import run_local
from jost.terminal.screens.jobs import JobsScreen
from jost.terminal.screens.results import ResultsScreen
from jost.terminal.screens.run import RunScreen

PROFILE = "hilo-i18-6d-s17-das-ls-1-12"


def test_platform_down_runs_locally(tmp_path) -> None:
    url = closed_port_url()

    async def scenario():
        app = make_app(tmp_path, url)
        seen = record_notifications(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, app.store.has_defaults, 20, "the packaged defaults")
            await pilot.press("f2")
            await wait_until(pilot, lambda: isinstance(app.screen, RunScreen), 5, "run screen")
            run = app.screen
            await pilot.pause()
            for _ in range(30):
                if run.chosen() == PROFILE:
                    break
                await pilot.press("down")
            await pilot.press("tab", *"30000", "tab", *"5")  # rounds, seed
            await pilot.pause()
            shoot(app, tmp_path, "offline-run-120x40")
            await pilot.press("ctrl+r")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ResultsScreen), 90, "the results"
            )
            await pilot.pause(0.3)
            job = app.screen.job
            shoot(app, tmp_path, "offline-results-120x40")
            await pilot.press("2")
            await pilot.pause(0.3)
            shoot(app, tmp_path, "offline-ev-by-count-120x40")
            await pilot.press("escape", "f3")
            await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), 5, "jobs")
            await pilot.pause()
            shoot(app, tmp_path, "offline-jobs-120x40")
            row = app.screen.query_one("#jobs").get_row_at(0)
            return job, seen, row, app.history.list()

    job, seen, row, history = asyncio.run(scenario())
    unreachable = [m for m in seen if m.startswith("platform not reachable")]
    # one when the defaults were synced, one when the run was submitted
    assert len(unreachable) == 2, seen
    assert unreachable[1].endswith(f"Running {PROFILE} locally instead.")
    assert url in unreachable[1]
    assert job.where == "local" and job.status == "completed"
    # run here instead: the submission is not left pending, for a later submit to resend
    assert history == []
    config = hydrate(make_app(tmp_path, None).store, PROFILE, rounds=30_000, seed=5)
    assert job.config == config
    expected = run_local(config)
    assert job.summary == expected
    assert row == [
        "local-1",
        PROFILE,
        "local",
        "completed",
        "100%",
        f"{expected.ev * 100:+.3f}%",
        "30,000",
    ]
