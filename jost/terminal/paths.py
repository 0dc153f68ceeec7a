"""Where the terminal keeps the player's data: profiles (``JOST_PROFILES``) and its own state
(local job history, the saved login: ``JOST_TERMINAL_STATE``), else folders in the user's
data folder as platformdirs names it (``~/.local/share/jost/`` on Linux)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "jost"


def profiles_dir() -> Path:
    """The profiles folder: ``JOST_PROFILES``, else ``profiles/`` in the user's data folder."""
    if env := os.environ.get("JOST_PROFILES"):
        return Path(env).expanduser()
    return platformdirs.user_data_path(APP_NAME) / "profiles"


def state_dir() -> Path:
    """The terminal's own state: ``JOST_TERMINAL_STATE``, else ``terminal/`` in the user's
    data folder."""
    if env := os.environ.get("JOST_TERMINAL_STATE"):
        return Path(env).expanduser()
    return platformdirs.user_data_path(APP_NAME) / "terminal"
