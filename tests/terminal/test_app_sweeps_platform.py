"""A sweep from the terminal against a running embedded platform (a real broker, the API as a
granian subprocess, one ``jost worker``), driven by keys at 80x24: F4, n, a base profile at
20,000 rounds, two deck counts and the shard size as axes, submitted; the one progress bar
fills, the table on screen is the platform's table, the CSV exported is the platform's CSV;
back to the list, the sweep is there and opens again; a long sweep submitted elsewhere is
listed, opened and cancelled with ``x``.

Screenshots: ``TMP/screens/*.svg``, copied to ``tests/terminal/artifacts/`` (gitignored)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
from app_driver import make_app, record_notifications, shoot, wait_until
from conftest import platform_fixtures
from textual.widgets import DataTable, Input, ProgressBar

from jost.contracts import SimulationConfig
from jost.contracts.sweeps import SweepResults
from jost.profiles.hydrate import hydrate
from jost.terminal.screens.sweep_form import SweepFormScreen
from jost.terminal.screens.sweeps import SweepScreen, SweepsScreen, row_cells
from jost.terminal.sync import sync_defaults

USER_TOKEN = platform_fixtures.USER_TOKEN


def long_base(app) -> SimulationConfig:
    """The default game at 2,000 shards a point: no worker finishes it in a test."""
    config = hydrate(app.store, "basic-6d-s17-das-flat")
    return msgspec.structs.replace(config, rounds=1_000_000_000, shard_rounds=500_000)


async def type_into(pilot, widget: Input, text: str) -> None:
    widget.focus()
    widget.value = ""
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])


def test_a_sweep_submitted_followed_exported_and_reopened(
    tmp_path: Path, api, start_worker
) -> None:
    start_worker()

    async def scenario() -> dict:
        app = make_app(tmp_path, api.url, USER_TOKEN, sync=False)
        sync_defaults(app.store, None)
        seen = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f4")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepsScreen), 5, "list")
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepFormScreen), 5, "form")
            form = app.screen
            form.choose("basic-6d-s17-das-flat")
            await type_into(pilot, form.query_one("#name", Input), "decks")
            await type_into(pilot, form.query_one("#rounds", Input), "20000")
            await type_into(pilot, form.query_one("#seed", Input), "3")
            await pilot.press("ctrl+n")
            await wait_until(pilot, lambda: len(form.rows()) == 2, 5, "two axes")
            for row, (path, values) in zip(
                form.rows(), [("rules.decks", "2, 6"), ("shard_rounds", "10000")], strict=True
            ):
                await type_into(pilot, row.query_one(".path", Input), path)
                await type_into(pilot, row.query_one(".values", Input), values)
            await pilot.pause()
            assert form.points == 2 and not form.problem, form.problem
            shoot(app, tmp_path, "sweep-form-80x24")
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen), 20, "sweep")
            screen = app.screen
            try:
                await wait_until(
                    pilot,
                    lambda: screen.status is not None and screen.status.status == "completed",
                    90,
                    "the sweep to complete",
                )
            except TimeoutError as exc:
                raise AssertionError(f"{exc}: {screen.status}, {seen}") from exc
            await pilot.pause(0.3)
            bar = screen.query_one("#progress", ProgressBar)
            table = screen.query_one("#points", DataTable)
            shown = [table.get_row_at(i) for i in range(table.row_count)]
            shoot(app, tmp_path, "sweep-done-80x24")
            await pilot.press("2")
            await pilot.pause(0.3)
            shoot(app, tmp_path, "sweep-chart-80x24")
            await pilot.press("v")
            await wait_until(pilot, lambda: screen.exported, 20, "the export")
            await pilot.press("x")  # finished already: said, nothing sent
            await pilot.pause()
            sweep_id = screen.sweep_id

            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepsScreen), 5, "list")
            listing = app.screen
            await wait_until(pilot, lambda: sweep_id in listing.sweeps, 20, "the list")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen), 5, "reopened")
            reopened = app.screen
            await wait_until(pilot, lambda: reopened.results is not None, 20, "its table")
            again = reopened.query_one("#points", DataTable).row_count

            # a sweep submitted elsewhere, too long to finish: listed, opened, cancelled by x
            big = {
                "name": "long",
                "base": msgspec.to_builtins(long_base(app)),
                "axes": {"rules.decks": [2, 6]},
            }
            with api.client(USER_TOKEN) as http:
                long_id = http.post("/api/sweeps/", json=big).json()["sweep_id"]
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepsScreen), 5, "list")
            await pilot.press("r")
            await wait_until(pilot, lambda: long_id in listing.sweeps, 20, "the long sweep")
            await pilot.press("home", "enter")  # newest first
            await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen), 5, "opened")
            running = app.screen
            assert running.sweep_id == long_id
            await pilot.press("x")
            await wait_until(
                pilot,
                lambda: running.status is not None and running.status.status == "cancelled",
                30,
                "the sweep cancelled",
            )
            cancelled = running.status
            return {
                "sweep_id": sweep_id,
                "shown": shown,
                "bar": (bar.progress, bar.total),
                "exported": screen.exported,
                "seen": seen,
                "listed": listing.sweeps[sweep_id],
                "again": again,
                "cancelled": cancelled,
            }

    out = asyncio.run(scenario())
    sweep_id = out["sweep_id"]
    with api.client(USER_TOKEN) as http:
        answer = http.get(f"/api/sweeps/{sweep_id}/results/").content
        csv = http.get(f"/api/sweeps/{sweep_id}/results/", params={"format": "csv"}).text
    results = msgspec.json.decode(answer, type=SweepResults)
    assert results.axes == ["rules.decks", "shard_rounds"]
    assert [r.values["rules.decks"] for r in results.rows] == [2, 6]
    assert all(r.status == "completed" and r.rounds == 20_000 for r in results.rows)
    # the table on screen is the platform's, cell by cell
    assert out["shown"] == [list(row_cells(r)) for r in results.rows]
    assert out["bar"] == (4, 4)  # one bar: 2 points x 2 shards
    assert Path(out["exported"]).read_text() == csv
    assert f"exported the CSV to {out['exported']}" in out["seen"]
    assert "the sweep is completed already" in out["seen"]
    assert out["listed"].name == "decks" and out["listed"].points_completed == 2
    assert out["again"] == 2
    assert out["cancelled"].points_cancelled == 2
    assert "sweep " + out["cancelled"].sweep_id[:8] + " cancelled" in out["seen"]
