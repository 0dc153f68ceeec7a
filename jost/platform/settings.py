"""Where the platform finds its broker, data and tokens. Read from the environment and the
command line; the service keeps no user records, only the tokens it is configured with."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from msgspec import Struct

DB_NAME = "projection.duckdb"
"""The projection's file in a data folder."""
EVENTS_TOPIC = "jost.events"
SHARDS_TOPIC = "jost.shards"


class Topics(Struct, frozen=True, kw_only=True):
    events: str = EVENTS_TOPIC
    shards: str = SHARDS_TOPIC
    events_partitions: int = 8
    shards_partitions: int = 64
    """Upper bound on the engine workers that can share the work at once."""


class Token(Struct, frozen=True, kw_only=True):
    key: str
    admin: bool = False

    @property
    def owner(self) -> str:
        """What the log records as a job's owner: a digest, so the log never holds a key."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:32]


def default_data_dir() -> Path:
    if env := os.environ.get("JOST_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "jost"


def tokens_from_env() -> list[Token]:
    """``JOST_TOKEN`` is the admin token; ``JOST_USER_TOKENS`` a comma-separated list of the
    players' tokens."""
    tokens: list[Token] = []
    if admin := os.environ.get("JOST_TOKEN"):
        tokens.append(Token(key=admin, admin=True))
    for key in os.environ.get("JOST_USER_TOKENS", "").split(","):
        if key.strip():
            tokens.append(Token(key=key.strip()))
    return tokens
