"""The platform fixtures (a real embedded broker, the API as a granian subprocess, ``jost
worker`` subprocesses) as tests/platform/conftest.py defines them, and ``player``: ``jost``
run as a player does, with the profiles and state folders in the test's tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from terminal_helpers import Player, platform_fixtures

broker = platform_fixtures.broker
api = platform_fixtures.api
start_worker = platform_fixtures.start_worker


@pytest.fixture
def player(tmp_path: Path) -> Player:
    return Player(tmp_path)
