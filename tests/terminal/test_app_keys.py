"""The keys of each screen and dialog in its footer, at 80x24, whole: the profiles screen
(Enter edits from the list, Esc goes back to it from the editor), the copy and quit dialogs;
Enter on a default says it is read-only; the header over the editor fits; the browser grows
with the screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_driver import footer, go_to_profile, make_app, record_notifications, wait_until
from textual.widgets import Static, TextArea

from jost.terminal.screens.dialogs import AskName, Confirm
from jost.terminal.sync import sync_defaults


def offline_app(tmp_path: Path):
    app = make_app(tmp_path, None, sync=False)
    sync_defaults(app.store, None)
    return app


def test_profiles_and_dialogs_show_their_keys(tmp_path: Path) -> None:
    async def scenario() -> None:
        app = offline_app(tmp_path)
        seen = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await go_to_profile(pilot, "simulation", "hilo-i18-6d-s17-das-ls-1-12")
            keys = await footer(pilot)
            assert keys["enter"] == "Edit" and "escape" not in keys, keys
            assert {"ctrl+s", "c", "d", "ctrl+q", "f1", "f2", "f3"} <= set(keys)
            # the header over the editor: the name cut if it must be, the state whole
            state = app.screen.query_one("#where-state", Static)
            assert str(state.render()) == "read-only · c copies"
            assert state.region.right <= 80
            assert state.content_region.width >= len("read-only · c copies")

            await pilot.press("enter")  # a default: read-only, said
            await pilot.pause()
            assert app.screen.query_one("#editor", TextArea).has_focus
            assert seen[-1] == (
                "simulation/hilo-i18-6d-s17-das-ls-1-12 is a default, read-only: c to copy"
            )
            keys = await footer(pilot)
            assert keys["escape"] == "List" and "enter" not in keys, keys
            await pilot.press("escape")
            assert "escape" not in await footer(pilot)

            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, AskName), 5, "the dialog")
            assert await footer(pilot) == {"enter": "OK", "escape": "Cancel"}
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, AskName), 5, "closed")

            app.drafts[("rules", "mine")] = "{}"  # an unsaved edit: quitting asks
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: isinstance(app.screen, Confirm), 5, "the question")
            assert await footer(pilot) == {"y": "Yes", "n": "No"}
            await pilot.press("n")

    asyncio.run(scenario())


def test_the_browser_grows_with_the_screen(tmp_path: Path) -> None:
    async def width(size: tuple[int, int]) -> int:
        app = offline_app(tmp_path)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            return app.screen.query_one("#browser").outer_size.width

    assert asyncio.run(width((80, 24))) >= 30
    assert asyncio.run(width((160, 40))) >= 48
