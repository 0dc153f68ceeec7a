"""The app's first start against a running embedded platform (a real broker, the API as a
granian subprocess, one ``jost worker``), driven by keys at 80x24: defaults fetched from the
platform, a rule set made by copying a default and changing ``decks``, a simulation naming it,
run on the platform (20,000 rounds in shards of 5,000), its results shown: the EV on screen is
the platform's result for the job.

Screenshots: ``TMP/screens/*.svg`` (the test's tmp_path), copied to
``tests/terminal/artifacts/`` (gitignored)."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import httpx
from app_driver import (
    go_to_profile,
    make_app,
    on_disk,
    record_notifications,
    set_value,
    shoot,
    wait_until,
)
from textual.widgets import Input, Static

from jost.terminal.screens.dialogs import AskName
from jost.terminal.screens.results import ResultsScreen
from jost.terminal.screens.run import RunScreen

# The platform fixtures, loaded under a name of their own (a conftest of this folder would
# shadow the module name ``conftest``).
_spec = importlib.util.spec_from_file_location(
    "platform_fixtures", Path(__file__).resolve().parents[1] / "platform" / "conftest.py"
)
platform_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(platform_fixtures)
broker = platform_fixtures.broker
api = platform_fixtures.api
start_worker = platform_fixtures.start_worker
USER_TOKEN = platform_fixtures.USER_TOKEN


def test_first_start_rule_set_simulation_platform_run(tmp_path, api, start_worker) -> None:
    start_worker()
    platform_defaults = httpx.get(f"{api.url}/api/defaults/", timeout=10).json()

    async def scenario() -> dict:
        app = make_app(tmp_path, api.url, USER_TOKEN)
        seen = record_notifications(app)
        store = app.store
        async with app.run_test(size=(80, 24)) as pilot:
            # first start: the defaults come from the platform, read-only
            await wait_until(
                pilot, lambda: any("defaults from the platform" in m for m in seen), 20, "sync"
            )
            assert f"defaults from the platform {api.url}: " in " ".join(seen)
            for kind in ("rules", "simulation"):
                assert set(store.names(kind)) == set(platform_defaults[kind])
                assert all(store.is_default(kind, n) for n in platform_defaults[kind])
            await pilot.pause()
            shoot(app, tmp_path, "platform-profiles-80x24")

            # a rule set: copy the default 6D S17 DAS, make it 2 decks, save
            await go_to_profile(pilot, "rules", "6d-s17-das")
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, AskName), 5, "the dialog")
            app.screen.query_one(Input).value = ""
            await pilot.press(*"double-s17")
            await pilot.press("enter")
            await wait_until(pilot, lambda: store.exists("rules", "double-s17"), 5, "the copy")
            await pilot.pause()
            await set_value(pilot, "decks", "2")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert on_disk(store, "rules", "double-s17")["rules"]["decks"] == 2
            assert "saved rules/double-s17" in seen

            # a simulation naming it, 20,000 rounds in shards of 5,000
            await go_to_profile(pilot, "simulation", "basic-6d-s17-das-flat")
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, AskName), 5, "the dialog")
            app.screen.query_one(Input).value = ""
            await pilot.press(*"double-flat", "enter")
            await wait_until(pilot, lambda: store.exists("simulation", "double-flat"), 5, "copy")
            await pilot.pause()
            await set_value(pilot, "rules", '"double-s17"')
            await set_value(pilot, "rounds", "20000")
            await set_value(pilot, "seed", '11, "shard_rounds": 5000')
            await pilot.pause()
            assert str(app.screen.query_one("#check", Static).render()) == "✓ valid (not saved)"
            await pilot.press("ctrl+s")
            await pilot.pause()
            sim = on_disk(store, "simulation", "double-flat")
            assert (sim["rules"], sim["rounds"], sim["seed"], sim["shard_rounds"]) == (
                "double-s17",
                20_000,
                11,
                5_000,
            )
            shoot(app, tmp_path, "platform-simulation-80x24")

            # run it on the platform
            await pilot.press("f2")
            await wait_until(pilot, lambda: isinstance(app.screen, RunScreen), 5, "run screen")
            run = app.screen
            await pilot.press("home")
            for _ in range(30):
                if run.chosen() == "double-flat":
                    break
                await pilot.press("down")
            plan = str(run.query_one("#plan", Static).render())
            assert plan.startswith("2D S17 DAS 1.5:1"), plan
            assert "20,000 rounds in 4 shards of 5,000, seed 11" in plan
            shoot(app, tmp_path, "platform-run-80x24")
            await pilot.press("ctrl+r")
            try:
                await wait_until(
                    pilot, lambda: isinstance(app.screen, ResultsScreen), 90, "the results"
                )
            except TimeoutError as exc:
                jobs = [(j.key, j.status, j.done, j.total, j.error) for j in app.jobs.values()]
                raise AssertionError(f"{exc}: jobs {jobs}, notifications {seen}") from exc
            await pilot.pause(0.3)
            job = app.screen.job
            table = app.screen.query_one("#summary-table", Static)
            shown = "\n".join(line.text for line in table.render_lines(table.region))
            shoot(app, tmp_path, "platform-results-80x24")
            await pilot.press("j")
            await pilot.pause()
            entry = app.history.get(job.job_id)
            return {"job": job, "shown": shown, "entry": entry, "seen": seen}

    out = asyncio.run(scenario())
    job = out["job"]
    assert job.where == "platform" and job.status == "completed" and job.done == 4
    with api.client(USER_TOKEN) as http:
        result = http.get(f"/api/results/{job.job_id}/").json()
    ev = result["summary"]["ev"]
    assert job.summary.ev == ev and job.summary.rounds == 20_000
    # the table on screen shows the platform's EV, and the interval
    assert f"{ev * 100:+.4f}% ± {result['summary']['ev_stderr'] * 100:.4f}%" in out["shown"]
    low, high = result["summary"]["ev_ci95_low"], result["summary"]["ev_ci95_high"]
    assert f"[{low * 100:+.4f}%, {high * 100:+.4f}%]" in out["shown"]
    # the job is in the local history, with the config the platform ran
    assert out["entry"].config == job.config and out["entry"].config.rules.decks == 2
    exported = list((tmp_path / "exports").glob(f"jost-double-flat-{job.job_id[:8]}-*.json"))
    assert len(exported) == 1 and f"exported the JSON to {exported[0]}" in out["seen"]
