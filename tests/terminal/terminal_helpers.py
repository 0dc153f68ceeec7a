"""Helpers of the terminal's tests: the platform's test fixtures module (tests/platform/
conftest.py, loaded by path under its own name, since both folders' conftest modules are
named "conftest") and ``Player``, ``jost`` run as a player does. A module of its own so that
tests import it by a name no other folder uses."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

from jost.cli.platform import JOST_COMMAND

REPO = Path(__file__).resolve().parents[2]

_spec = importlib.util.spec_from_file_location(
    "jost_platform_fixtures", REPO / "tests" / "platform" / "conftest.py"
)
platform_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(platform_fixtures)


class Player:
    """``jost`` run as a subprocess with ``JOST_PROFILES`` and ``JOST_TERMINAL_STATE`` in a
    temporary folder and no platform address or token from the environment."""

    def __init__(self, tmp_path: Path) -> None:
        self.profiles = tmp_path / "profiles"
        self.state = tmp_path / "state"
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("JOST_URL", "JOST_TOKEN", "EDITOR")
        }
        self.env.update(JOST_PROFILES=str(self.profiles), JOST_TERMINAL_STATE=str(self.state))

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*JOST_COMMAND, *args],
            input=input,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            cwd=REPO,
            timeout=300,
        )
