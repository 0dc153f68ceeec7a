"""Where the platform finds its broker, data and configured tokens. Read from the environment
and the command line; the tokens an admin issues while the platform runs are facts in the log
(``jost.platform.tokens``)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from msgspec import Struct

DB_NAME = "projection.duckdb"
"""The projection's file in a data folder."""
EVENTS_TOPIC = "jost.events"
SHARDS_TOPIC = "jost.shards"


def client_settings(bootstrap: str) -> dict[str, Any]:
    """What every Kafka client of the platform starts from: the broker, and a short first
    reconnect backoff. librdkafka (2.16) drops its bootstrap connection once the metadata
    names the brokers; a request in flight on it then waits for a connection to the named
    broker, which librdkafka opens at most once per half of ``reconnect.backoff.ms``: 1 new
    client in 20 took 53 ms for its first metadata call at the default 100 ms, at most 14 ms
    at 10 ms (200 clients each, on the embedded broker). The backoff still doubles with each
    failed attempt, up to ``reconnect.backoff.max.ms``."""
    return {"bootstrap.servers": bootstrap, "reconnect.backoff.ms": 10}


class Topics(Struct, frozen=True, kw_only=True):
    events: str = EVENTS_TOPIC
    shards: str = SHARDS_TOPIC
    events_partitions: int = 8
    shards_partitions: int = 64
    """Upper bound on the engine workers that can share the work at once."""


def key_digest(key: str) -> str:
    """A token's key as the platform keeps it: its hex sha256 (the key is 256 random bits or
    a configured secret, so the digest gives nothing away)."""
    return hashlib.sha256(key.encode()).hexdigest()


def owner_of(digest: str) -> str:
    """What the log records as a job's owner: the start of the key's digest."""
    return digest[:32]


class Token(Struct, frozen=True, kw_only=True):
    """A configured token (``JOST_TOKEN``, ``JOST_USER_TOKENS``)."""

    key: str
    admin: bool = False

    @property
    def digest(self) -> str:
        return key_digest(self.key)

    @property
    def owner(self) -> str:
        return owner_of(self.digest)


DUCKDB_THREADS_DEFAULT = 1
"""DuckDB's threads for the projection (``JOST_DUCKDB_THREADS``). One: the projection's
work is many small transactions (a submit's record, a fold), whose cost with two threads
was mostly the threads' hand-offs (an empty transaction 0.15 ms of CPU, 0.07 ms with one;
a backlog folded at 45-53 k facts/s, 52-55 k with one); a machine with cores to spare for
players' heavy SQL may give it more."""


class SettingRefused(RuntimeError, ValueError):
    """An environment setting that is no value of its kind. A RuntimeError too, so that
    ``jost up`` and ``jost run``, which report a platform that cannot start, name it in one
    line instead of a traceback."""


def duckdb_threads() -> int:
    """The threads a projection's DuckDB runs queries on (``JOST_DUCKDB_THREADS``)."""
    text = os.environ.get("JOST_DUCKDB_THREADS", "")
    if not text:
        return DUCKDB_THREADS_DEFAULT
    if not text.isdigit() or int(text) < 1:
        raise SettingRefused(
            f"JOST_DUCKDB_THREADS must be a whole number of at least 1, not {text!r}"
        )
    return int(text)


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
