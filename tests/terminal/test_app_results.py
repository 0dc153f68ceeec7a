"""The results screen, offline: export (``j`` JSON, ``v`` CSV) to a new file each time, named
with the time, even for a local run whose label (``local-1``) starts again every session; the
notification names the file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from app_driver import finished_job, footer, make_app, record_notifications

from jost.terminal.screens.results import ResultsScreen
from jost.terminal.tracked import TrackedJob

PROFILE = "basic-6d-s17-das-flat"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> TrackedJob:
    return finished_job(tmp_path_factory.mktemp("finished"), PROFILE, rounds=5_000, seed=2)


def session(tmp_path: Path, job: TrackedJob, keys: list[str]) -> list[str]:
    """An app session showing ``job``'s results, the keys pressed; its notifications."""

    async def scenario() -> list[str]:
        app = make_app(tmp_path, None, sync=False)
        seen = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.push_screen(ResultsScreen(job))
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
        return seen

    return asyncio.run(scenario())


def test_export_never_replaces_an_earlier_one(tmp_path: Path, finished: TrackedJob) -> None:
    first = session(tmp_path, finished, ["j", "v"])
    second = session(tmp_path, finished, ["j", "j"])  # a new session: local-1 again
    exports = tmp_path / "exports"
    files = sorted(exports.iterdir())
    assert len([f for f in files if f.suffix == ".json"]) == 3, files
    assert len([f for f in files if f.suffix == ".csv"]) == 1, files
    assert all(f.name.startswith(f"jost-{PROFILE}-local-1-") for f in files)
    for f in files:
        if f.suffix == ".json":
            assert json.loads(f.read_text())["ev"] == finished.summary.ev
    said = [m for m in first + second if m.startswith("exported")]
    assert len(said) == 4
    assert {m.rsplit(" ", 1)[1] for m in said} == {str(f) for f in files}


def test_the_footer_shows_every_key_at_80x24(tmp_path: Path, finished: TrackedJob) -> None:
    async def scenario() -> dict[str, str]:
        app = make_app(tmp_path, None, sync=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.push_screen(ResultsScreen(finished))
            return await footer(pilot)

    keys = asyncio.run(scenario())
    assert {k: keys.get(k) for k in ("1", "2", "3", "4", "5")} == dict.fromkeys("12345", "Tabs")
    assert {"escape", "j", "v", "ctrl+q", "f1", "f2", "f3"} <= set(keys)
