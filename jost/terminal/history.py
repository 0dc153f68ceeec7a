"""The jobs this terminal submitted: ``history.json`` in the state folder, written atomically
under a lock (two ``jost`` commands at once lose nothing).

Idempotency: a submission is recorded *before* it is sent, with a random nonce; its
Idempotency-Key is a digest of the hydrated config and that nonce. When the platform's answer
never arrives (a timeout, the platform down), the entry stays pending, and the next submit of
the same config to the same platform reuses it, so the platform sees the same key and
returns the job it may already have accepted instead of running it twice. Once the platform
answered with a job id the submission is done: submitting the same config again is a new
job (a new nonce)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from msgspec import Struct

from jost.contracts import SimulationConfig
from jost.files import atomic_write

HISTORY_FILE = "history.json"


class HistoryEntry(Struct, kw_only=True):
    key: str
    """The Idempotency-Key the submission is sent under."""
    url: str
    source: str
    """What was submitted: ``simulation NAME`` or the config file's path."""
    submitted_at: datetime
    config: SimulationConfig
    job_id: str | None = None
    """None while no answer came back (pending)."""


def idempotency_key(config: SimulationConfig, nonce: str) -> str:
    data = msgspec.json.encode(config) + b"\n" + nonce.encode()
    return "jost-" + hashlib.sha256(data).hexdigest()[:40]


class JobHistory:
    def __init__(self, state: Path) -> None:
        self.state = Path(state)
        self.path = self.state / HISTORY_FILE

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.state.mkdir(parents=True, exist_ok=True)
        with (self.state / ".history.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> list[HistoryEntry]:
        try:
            return msgspec.json.decode(self.path.read_bytes(), type=list[HistoryEntry])
        except FileNotFoundError:
            return []

    def _write(self, entries: list[HistoryEntry]) -> None:
        atomic_write(self.path, msgspec.json.format(msgspec.json.encode(entries)), 0o600)

    def list(self) -> list[HistoryEntry]:
        """Newest first."""
        return sorted(self._read(), key=lambda e: e.submitted_at, reverse=True)

    def get(self, job_id: str) -> HistoryEntry | None:
        """The entry of ``job_id`` (or of the one job id starting with it)."""
        entries = [e for e in self._read() if e.job_id is not None]
        exact = [e for e in entries if e.job_id == job_id]
        if exact:
            return exact[0]
        matches = [e for e in entries if e.job_id and e.job_id.startswith(job_id)]
        return matches[0] if len(matches) == 1 else None

    def begin(self, url: str, source: str, config: SimulationConfig) -> HistoryEntry:
        """The pending entry to submit ``config`` under: the one left by a submission that got
        no answer (same platform, same config), else a new one with a new nonce."""
        with self._locked():
            entries = self._read()
            for entry in entries:
                if entry.job_id is None and entry.url == url and entry.config == config:
                    return entry
            entry = HistoryEntry(
                key=idempotency_key(config, secrets.token_hex(16)),
                url=url,
                source=source,
                submitted_at=datetime.now(UTC),
                config=config,
            )
            self._write([*entries, entry])
            return entry

    def accept(self, key: str, job_id: str) -> None:
        """The platform answered the submission under ``key`` with ``job_id``."""
        with self._locked():
            entries = self._read()
            for entry in entries:
                if entry.key == key:
                    entry.job_id = job_id
            self._write(entries)

    def drop(self, key: str) -> None:
        """A pending submission not to be sent again: the platform refused it, or the app ran
        it locally instead."""
        with self._locked():
            self._write([e for e in self._read() if not (e.key == key and e.job_id is None)])

    def add(self, entry: HistoryEntry) -> None:
        with self._locked():
            self._write([*self._read(), entry])
