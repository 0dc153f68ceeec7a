"""The profile editor, offline: defaults from the packaged copy, a copy of a default edited by
keys, validation as it is typed naming the field, save refused for an invalid document or a
default, the files on disk unchanged by a refused save.

Screenshots: ``TMP/screens/*.svg`` (the test's tmp_path), copied to
``tests/terminal/artifacts/`` (gitignored)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_driver import (
    go_to_profile,
    make_app,
    on_disk,
    record_notifications,
    set_value,
    shoot,
    wait_until,
)
from textual.widgets import Input, Static, TextArea

from jost.terminal.screens.dialogs import AskName


def check_line(app) -> str:
    return str(app.screen.query_one("#check", Static).render())


def test_invalid_edit_names_the_field_and_is_not_saved(tmp_path: Path) -> None:
    async def scenario() -> None:
        app = make_app(tmp_path, None)
        seen = record_notifications(app)
        store = app.store
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, store.has_defaults, 20, "the packaged defaults")
            await wait_until(
                pilot, lambda: any("packaged copy" in m for m in seen), 5, "the sync notice"
            )
            await go_to_profile(pilot, "rules", "6d-s17-das")
            editor = app.screen.query_one("#editor", TextArea)
            assert editor.read_only
            assert '"decks": 6' in editor.text

            # copy the default to edit it: c, then the name asked for
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, AskName), 5, "the dialog")
            assert app.screen.query_one(Input).value == "my-6d-s17-das"
            await pilot.press("enter")
            await wait_until(pilot, lambda: store.exists("rules", "my-6d-s17-das"), 5, "copy")
            await pilot.pause()
            assert not editor.read_only and editor.has_focus
            saved = store.path("rules", "my-6d-s17-das").read_bytes()

            # decks 9 is out of range: the line under the editor names the field, as typed
            await set_value(pilot, "decks", "9")
            await pilot.pause()
            assert check_line(app) == "✗ $.rules.decks: Expected `int` <= 8"
            shoot(app, tmp_path, "editor-invalid-80x24")

            await pilot.press("ctrl+s")
            await pilot.pause()
            assert any(
                m.startswith("not saved, rules/my-6d-s17-das is invalid: $.rules.decks")
                for m in seen
            ), seen
            assert store.path("rules", "my-6d-s17-das").read_bytes() == saved

            # broken JSON (a quote typed in place of the number): the position is named
            await set_value(pilot, "decks", '"')
            await pilot.pause()
            line = check_line(app)
            assert line.startswith("✗ $: ") and line.endswith(" at line 4, column 16"), line
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert store.path("rules", "my-6d-s17-das").read_bytes() == saved

            # the edit is kept when the player looks elsewhere, and comes back with the profile
            await go_to_profile(pilot, "rules", "8d-h17-das")
            await go_to_profile(pilot, "rules", "my-6d-s17-das")
            assert editor.text.count('"decks": "') == 1
            assert app.drafts[("rules", "my-6d-s17-das")] == editor.text

            # a valid value saves, atomically, the file changing to the typed document
            await pilot.press("enter")  # from the browser into the editor
            await set_value(pilot, "decks", "2")
            await pilot.pause()
            assert check_line(app) == "✓ valid (not saved)"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert on_disk(store, "rules", "my-6d-s17-das")["rules"]["decks"] == 2
            assert ("rules", "my-6d-s17-das") not in app.drafts
            assert check_line(app) == "✓ valid"

            # a default stays as it was: read-only editor, save refused
            default = store.path("rules", "6d-s17-das").read_bytes()
            await go_to_profile(pilot, "rules", "6d-s17-das")
            await pilot.press("enter")  # from the browser into the editor
            await pilot.press("x", "ctrl+s")
            await pilot.pause()
            assert any("6d-s17-das is a default and read-only" in m for m in seen), seen
            assert store.path("rules", "6d-s17-das").read_bytes() == default
            assert editor.text == default.decode()  # the x typed went nowhere
            shoot(app, tmp_path, "editor-default-80x24")

    asyncio.run(scenario())
