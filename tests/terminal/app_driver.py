"""Driving the terminal app headlessly the way a player does, by keys (Textual's pilot), for
the ``test_app*`` tests: build an app on temporary folders, wait for it, move to a profile,
type into the editor, record notifications, keep screenshots.

Screenshots (``shoot``) go to ``TMP/screens/NAME.svg`` (the test's tmp_path) and are copied to
``tests/terminal/artifacts/`` (gitignored), where they stay after the run to be looked at."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import TextArea, Tree
from textual.widgets._footer import FooterKey, FooterLabel

from jost.contracts.sweeps import SweepResults, SweepRow, SweepStatus
from jost.profiles.hydrate import hydrate
from jost.profiles.store import ProfileStore
from jost.terminal.app import JostApp
from jost.terminal.history import JobHistory
from jost.terminal.output import run_local
from jost.terminal.sync import sync_defaults
from jost.terminal.tracked import TrackedJob

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def make_app(tmp_path: Path, url: str | None, token: str | None = None, **kw) -> JostApp:
    return JostApp(
        ProfileStore(tmp_path / "profiles"),
        JobHistory(tmp_path / "state"),
        url,
        token,
        export_dir=tmp_path / "exports",
        **kw,
    )


def finished_job(root: Path, profile: str, rounds: int, seed: int) -> TrackedJob:
    """A completed local run of default simulation ``profile`` (the packaged defaults
    installed in ``root``), as the app tracks it: ``local-1``, 1 s."""
    store = ProfileStore(root / "profiles")
    sync_defaults(store, None)
    config = hydrate(store, profile, rounds=rounds, seed=seed)
    return TrackedJob(
        key="local-1",
        profile=profile,
        where="local",
        config=config,
        status="completed",
        done=config.rounds,
        total=config.rounds,
        unit="rounds",
        seconds=1.0,
        summary=run_local(config),
    )


def closed_port_url() -> str:
    """A URL no platform answers at: a port just bound and released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def record_notifications(app: JostApp) -> list[str]:
    """Every notification's message from now on (screens and workers all go through
    ``App.notify``), whether or not the toast is still on screen."""
    seen: list[str] = []
    notify = app.notify

    def recording(message: str, **kw) -> None:
        seen.append(message)
        notify(message, **kw)

    app.notify = recording
    return seen


async def wait_until(
    pilot: Pilot, predicate: Callable[[], object], timeout: float, what: str
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        await pilot.pause(0.05)
    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")


async def footer(pilot: Pilot) -> dict[str, str]:
    """The keys the footer of the screen shown offers, key -> description (a group's keys:
    the group's label), each checked to be on screen whole."""
    await pilot.pause()
    await pilot.pause()
    screen = pilot.app.screen
    width = pilot.app.size.width
    keys = {}
    for item in screen.query(FooterKey):
        assert item.region.width > 0 and item.region.right <= width, (item.key, item.region)
        description = item.description
        if item.has_class("-grouped"):  # the keys of a group, then its label
            group = item.parent
            siblings = list(group.parent.children)
            label = siblings[siblings.index(group) + 1]
            assert isinstance(label, FooterLabel)
            description = str(label.render())
        keys[item.key] = description
    return keys


def shoot(app: JostApp, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "screens"
    folder.mkdir(exist_ok=True)
    path = Path(app.save_screenshot(f"{name}.svg", str(folder)))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(path, ARTIFACTS / path.name)
    return path


async def go_to_profile(pilot: Pilot, kind: str, name: str) -> None:
    """Move the browser's cursor to ``kind/name`` with the arrow keys."""
    tree = pilot.app.screen.query_one("#browser", Tree)
    tree.focus()
    await pilot.press("home")
    for _ in range(200):
        node = tree.cursor_node
        if (
            node is not None
            and node.data is not None
            and (node.data.kind, node.data.name)
            == (
                kind,
                name,
            )
        ):
            await pilot.pause()
            return
        await pilot.press("down")
    raise AssertionError(f"{kind}/{name} is not in the browser")


async def set_value(pilot: Pilot, key: str, literal: str) -> None:
    """In the focused editor, replace the JSON value of ``"key": ...`` (on its own line) by
    ``literal``, typed key by key: the cursor goes to the end of the old value, backspace
    deletes it, the new one is typed."""
    editor = pilot.app.screen.query_one("#editor", TextArea)
    assert editor.has_focus
    lines = editor.text.split("\n")
    marker = f'"{key}": '
    row = next(i for i, line in enumerate(lines) if marker in line)
    start = lines[row].index(marker) + len(marker)
    old = lines[row][start:].rstrip().removesuffix(",")
    editor.cursor_location = (row, start + len(old))
    await pilot.press(*["backspace"] * len(old), *literal)


def on_disk(store: ProfileStore, kind: str, name: str) -> dict:
    return json.loads(store.path(kind, name).read_bytes())


def fixed_sweep() -> tuple[SweepStatus, SweepResults]:
    """A sweep of 2 penetrations x 2 deck counts, three points completed and one running,
    with fixed figures (for snapshots: no platform, no clock)."""
    axes = {"rules.penetration": [0.7, 0.8], "rules.decks": [2, 6]}
    rows = []
    for index, (pen, decks) in enumerate((p, d) for p in axes["rules.penetration"] for d in [2, 6]):
        values = {"rules.penetration": pen, "rules.decks": decks}
        if index == 3:
            rows.append(
                SweepRow(index=index, job_id=f"job-{index}", values=values, status="running")
            )
            continue
        ev = -0.004 + 0.002 * index
        rows.append(
            SweepRow(
                index=index,
                job_id=f"job-{index}",
                values=values,
                status="completed",
                rounds=100_000,
                ev=ev,
                ev_stderr=0.003,
                ev_ci95_low=ev - 0.00588,
                ev_ci95_high=ev + 0.00588,
                win_per_100=ev * 100,
                sd_per_100=115.0 + index,
                score=0.25 * index,
                n0=40_000.0,
                ror=0.05,
            )
        )
    status = SweepStatus(
        sweep_id="3f9c2d4e-sweep",
        name="penetration by decks",
        status="running",
        axes=axes,
        points=4,
        points_completed=3,
        points_failed=0,
        points_cancelled=0,
        shards_done=9,
        shards_total=12,
        rounds=400_000,
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return status, SweepResults(
        sweep_id=status.sweep_id, status="running", axes=list(axes), rows=rows
    )
