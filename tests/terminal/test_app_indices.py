"""The indices screen (F6) against a running embedded platform (a real broker, the API as a
granian subprocess, one ``jost worker``): a counting simulation's index plays generated on the
platform (one composition per count, so seconds), followed to the end, shown as a table equal
to the platform's answer, and saved into its strategy profile's deviations with ``ctrl+s``."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import httpx
import msgspec
from app_driver import footer, make_app, record_notifications, shoot, wait_until
from textual.widgets import DataTable, Input

from jost.cli import main
from jost.contracts import IndexPlay
from jost.profiles.hydrate import hydrate
from jost.terminal.screens.indices import IndicesScreen

_spec = importlib.util.spec_from_file_location(
    "platform_fixtures", Path(__file__).resolve().parents[1] / "platform" / "conftest.py"
)
platform_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(platform_fixtures)
broker = platform_fixtures.broker
api = platform_fixtures.api
start_worker = platform_fixtures.start_worker
USER_TOKEN = platform_fixtures.USER_TOKEN

SIMULATION = "hilo-i18-6d-s17-das-ls-1-12"


def test_generate_show_and_save_index_plays(tmp_path, api, start_worker, capsys) -> None:
    start_worker()
    shown: list[IndexPlay] = []

    async def scenario() -> None:
        app = make_app(tmp_path, api.url, USER_TOKEN)
        seen = record_notifications(app)
        store = app.store
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(
                pilot, lambda: any("defaults from the platform" in m for m in seen), 20, "sync"
            )
            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, IndicesScreen), 5, "F6")
            screen = app.screen
            screen.reload()
            keys = await footer(pilot)
            assert keys["ctrl+r"] == "Generate" and keys["ctrl+s"] == "Save to strategy"
            # a flat-betting basic-strategy simulation keeps no count: not offered
            offered = screen.query_one("#counted").option_count
            assert 0 < offered < len(store.names("simulation"))

            await pilot.press("ctrl+s")  # nothing generated yet
            await pilot.pause()
            assert any("generate index plays first" in m for m in seen)

            screen.choose(SIMULATION)
            screen.query_one("#per_count", Input).value = "1"
            screen.query_one("#seed", Input).value = "5"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: screen.result is not None, 180, "the index plays")
            await pilot.pause()
            shoot(app, tmp_path, "indices-100x30")
            result = screen.result
            shown.extend(result.deviations)
            table = screen.query_one("#plays", DataTable)
            assert table.row_count == len(result.deviations) > 20
            first = table.get_row_at(0)
            play = result.deviations[0]
            assert first[:3] == [play.hand, play.upcard, play.action]
            assert float(first[3]) == play.index

            # the same answer as the platform's own record of the analysis
            listed = httpx.get(
                f"{api.url}/api/indices/",
                headers={"Authorization": f"Token {USER_TOKEN}"},
                timeout=10,
            ).json()["analyses"]
            assert len(listed) == 1 and listed[0]["status"] == "completed"
            assert listed[0]["per_count"] == 1 and listed[0]["seed"] == 5
            platform = msgspec.convert(listed[0]["result"]["deviations"], list[IndexPlay])
            assert platform == result.deviations

            await pilot.press("ctrl+s")
            await pilot.pause()
            indices = f"{SIMULATION}-generated"
            assert any(f"saved indices/{indices}" in m for m in seen), seen
            saved = msgspec.json.decode(store.read_bytes("indices", indices), type=list[IndexPlay])
            assert saved == result.deviations
            # the simulation's strategy is a default (read-only): a copy names the plays
            strategy = store.load("strategy", "hilo-i18-fab4-generated")
            assert strategy.deviations == indices
            assert strategy.count == store.load("strategy", "hilo-i18-fab4").count

    asyncio.run(scenario())
    # what was saved is valid on disk (the strategy names the indices profile, which exists)
    store = make_app(tmp_path, None).store
    store.validate("strategy", "hilo-i18-fab4-generated")

    # jost indices --url: the same request is the same analysis (answered at once), and it
    # prints the same list as the local run would
    game = tmp_path / "game.json"
    game.write_bytes(msgspec.json.encode(hydrate(store, SIMULATION)))
    capsys.readouterr()
    args = ["indices", str(game), "--url", api.url, "--token", USER_TOKEN]
    assert main([*args, "--per-count", "1", "--seed", "5"]) == 0
    out, err = capsys.readouterr()
    assert msgspec.json.decode(out, type=list[IndexPlay]) == shown
    assert "exact values over compositions" in err
    listed = httpx.get(
        f"{api.url}/api/indices/", headers={"Authorization": f"Token {USER_TOKEN}"}, timeout=10
    ).json()
    assert listed["total"] == 1  # not run again
    flat = tmp_path / "flat.json"
    flat.write_text('{"rules": {"decks": 6}}')
    assert main(["indices", str(flat), "--url", api.url, "--token", USER_TOKEN]) == 1
    assert "strategy.count" in capsys.readouterr().err
