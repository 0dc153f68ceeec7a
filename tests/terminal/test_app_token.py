"""A wrong token, or none, at the app's start: the jobs of the history it follows are each
refused, and the player is told once, not once per job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from app_driver import make_app, record_notifications, wait_until
from terminal_helpers import TokenStub

from jost.contracts import SimulationConfig
from jost.terminal.history import HistoryEntry


@pytest.mark.parametrize("token", ["wrong", None])
def test_a_refused_token_is_said_once(tmp_path: Path, token: str | None) -> None:
    async def scenario(url: str) -> tuple[list[str], list[str]]:
        app = make_app(tmp_path, url, token)
        for n in range(3):
            app.history.add(
                HistoryEntry(
                    key=f"key-{n}",
                    url=url,
                    source="simulation basic-6d-s17-das-flat",
                    submitted_at=datetime.now(UTC),
                    config=SimulationConfig(seed=n),
                    job_id=f"job-{n}",
                )
            )
        seen = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(
                pilot,
                lambda: all(j.status == "refused" for j in app.jobs.values()),
                20,
                "the three jobs refused",
            )
            await wait_until(
                pilot, lambda: any("defaults from the" in m for m in seen), 20, "the sync"
            )
            await pilot.pause(0.3)
            return seen, [j.error for j in app.jobs.values()]

    with TokenStub() as stub:
        seen, errors = asyncio.run(scenario(stub.url))
    refused = [m for m in seen if "401)" in m]
    assert len(refused) == 1, seen
    expected = "no token given" if token is None else "refused the token (401)"
    assert expected in refused[0]
    # each job keeps its own reason
    assert len(errors) == 3 and all(expected in e for e in errors)
