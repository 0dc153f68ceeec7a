"""The sweeps screens offline, by keys at 80x24: the list says sweeps need a platform; the form
checks each axis as it is typed and shows what is wrong under that axis (values that are not
JSON, a path that is not one, a value the config refuses, named by its place), counts the
points; a sweep's screen shows its table and chart from fixed data; every footer fits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
from app_driver import fixed_sweep, footer, make_app, record_notifications, wait_until
from textual.widgets import DataTable, Input, Static

from jost.terminal.screens.sweep_form import AxisRow, SweepFormScreen, parse_values
from jost.terminal.screens.sweeps import SweepScreen, SweepsScreen
from jost.terminal.screens.threads import on_screen
from jost.terminal.sync import sync_defaults

APP_KEYS = {"ctrl+q", "f1", "f2", "f3", "f4"}


def offline_app(tmp_path: Path):
    app = make_app(tmp_path, None, sync=False)
    sync_defaults(app.store, None)
    return app


def test_values_are_json_between_commas_or_bare_words() -> None:
    assert parse_values("0.7, 0.8") == [0.7, 0.8]
    assert parse_values(" 2,6 ") == [2, 6]
    assert parse_values("[[1,1],[2,4]], [[1,2],[3,8]]") == [[[1, 1], [2, 4]], [[1, 2], [3, 8]]]
    assert parse_values("late, none") == ["late", "none"]
    assert parse_values('"hi_lo", true') == ["hi_lo", True]


def problem(row: AxisRow) -> str:
    note = row.query_one(".problem", Static)
    return str(note.render()) if note.display else ""


def invalid(row: AxisRow) -> set[str]:
    return {name for name in ("path", "values") if row.query_one(f".{name}").has_class("-invalid")}


async def type_into(pilot, widget: Input, text: str) -> None:
    """Clear ``widget`` and type ``text`` into it key by key."""
    widget.focus()
    widget.value = ""
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])
    await pilot.pause()


def test_the_form_checks_each_axis_where_it_is_typed(tmp_path: Path) -> None:
    async def scenario() -> None:
        app = offline_app(tmp_path)
        seen = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f4")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepsScreen), 5, "sweeps")
            note = str(app.screen.query_one("#note", Static).render())
            assert note.startswith("Sweeps run on the platform"), note
            assert {"n", "r"} | APP_KEYS <= set(await footer(pilot))

            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepFormScreen), 5, "form")
            form = app.screen
            assert {"escape", "ctrl+r", "ctrl+n"} | APP_KEYS <= set(await footer(pilot))
            form.choose("basic-6d-s17-das-flat")
            row = form.rows()[0]
            path, values = row.query_one(".path", Input), row.query_one(".values", Input)

            await type_into(pilot, path, "rules.decks")
            await type_into(pilot, values, "2, 6, 9")
            said = problem(row)
            assert said == "✗ value 3 (9): Expected `int` <= 8 - at $.rules.decks", said
            assert invalid(row) == {"values"}
            assert form.problem

            await pilot.press("backspace", "backspace", "backspace")
            await pilot.pause()
            assert problem(row) == "" and invalid(row) == set()
            plan = str(form.query_one("#plan", Static).render())
            assert plan.startswith("2 points (2), each:\n6D S17 DAS"), plan

            await type_into(pilot, values, "2, [6")
            assert problem(row).startswith("✗ not JSON values"), problem(row)
            assert invalid(row) == {"values"}

            await type_into(pilot, values, "2, 6")
            await type_into(pilot, path, "Rules decks")
            assert problem(row) == "✗ a config field by its dotted path: rules.penetration"
            assert invalid(row) == {"path"}

            await type_into(pilot, path, "rules.deck")
            said = problem(row)
            assert said == "✗ Object contains unknown field `deck` - at $.rules", said
            assert invalid(row) == {"path"}

            await type_into(pilot, path, "rules.decks")
            await pilot.press("ctrl+n")
            await wait_until(pilot, lambda: len(form.rows()) == 2, 5, "a second axis")
            second = form.rows()[1]
            await type_into(pilot, second.query_one(".path", Input), "rules.penetration")
            await type_into(pilot, second.query_one(".values", Input), "0.7, 0.8, 0.9")
            plan = str(form.query_one("#plan", Static).render())
            assert plan.startswith("6 points (2 x 3), each:"), plan
            assert form.points == 6

            # more than INLINE_POINTS points: checked by a worker, its answer shown when it comes
            pens = ", ".join(f"{0.5 + 0.01 * i:.2f}" for i in range(30))
            values.value = "1, 2, 3, 4, 5, 6, 7, 8"
            second.query_one(".values", Input).value = pens + ", 1.5"
            await wait_until(
                pilot, lambda: problem(second).startswith("✗ value 31 (1.5): "), 10, "refusal"
            )
            second.query_one(".values", Input).value = pens
            await wait_until(pilot, lambda: not form.problem, 10, "the check")
            plan = str(form.query_one("#plan", Static).render())
            assert plan.startswith("240 points (8 x 30), each:"), plan
            values.value = "2, 6"
            second.query_one(".values", Input).value = "0.7, 0.8, 0.9"
            await pilot.pause()
            assert form.points == 6 and not form.problem

            await pilot.press("ctrl+r")  # no platform address: said, nothing sent
            await pilot.pause()
            assert seen[-1].startswith("sweeps run on the platform"), seen
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, SweepsScreen), 5, "back")

    asyncio.run(scenario())


def test_a_sweep_shows_its_table_and_chart(tmp_path: Path) -> None:
    status, results = fixed_sweep()

    async def scenario() -> None:
        app = offline_app(tmp_path)
        seen = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.push_screen(SweepScreen(status.sweep_id, status.name, status, results))
            await pilot.pause()
            screen = app.screen
            keys = await footer(pilot)
            assert {"escape", "1", "2", "v", "x"} | APP_KEYS <= set(keys), keys
            table = screen.query_one("#points", DataTable)
            assert table.row_count == 4
            first = table.get_row_at(0)
            assert first[:6] == ["0", "0.7", "2", "completed", "-0.400%", "[-0.988, +0.188]"]
            assert table.get_row_at(3)[3:5] == ["running", "-"]
            line = str(screen.query_one("#status", Static).render())
            assert line == "running · points 3/4 completed · shards 9/12 · 400,000 rounds"
            await pilot.press("2")
            await pilot.pause()
            assert screen.query_one("#tabs").active == "chart"
            await pilot.press("v")
            await pilot.pause()
            assert seen[-1].startswith("no platform address"), seen

    asyncio.run(scenario())


def test_an_answer_that_arrives_after_the_screen_closed_is_dropped(tmp_path: Path) -> None:
    """A follower thread's answer on its way when the player pressed Escape: dropped (it had
    failed on its first query, and the app ended with it), while an open screen shows it."""
    status, results = fixed_sweep()
    later = msgspec.structs.replace(status, status="completed")

    async def scenario() -> None:
        app = offline_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = SweepScreen(status.sweep_id, status.name, status, results)
            await app.push_screen(screen)
            await pilot.pause()
            shown = []
            await asyncio.to_thread(on_screen, screen, lambda s: shown.append(s), later)
            await pilot.pause()
            assert shown == [later]
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is not screen, 5, "the screen closed")
            await asyncio.to_thread(on_screen, screen, screen.show, later, results)
            await pilot.pause()
            assert app.return_value is None and app.is_running

    asyncio.run(scenario())
