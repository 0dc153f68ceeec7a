"""The whole platform on one machine (``jost up``, ``jost run``): the embedded broker with its
topics, the log restored from the archive, the API (granian, with the projector) and one
engine worker process per core under a supervisor; ready when the API answers and every
worker holds its partitions, so the first job never waits for a worker to join."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import msgspec

from jost.platform.settings import DB_NAME, Topics, duckdb_threads
from jost.platform.supervisor import (
    READY_ENV,
    RESTORED_ENV,
    DataDirLock,
    Supervisor,
    mark_stopping,
    ready_count,
)

API_FACTORY = "jost.platform.api.app:create_app"
JOST_COMMAND = [sys.executable, "-c", "from jost.cli import entry; entry()"]
"""``jost`` in a child process: the same interpreter, whether or not the script is on PATH."""
WORKER_COMMAND = [sys.executable, "-m", "jost.platform.consumers.worker"]
"""The engine workers without the CLI around them (``jost worker`` runs the same functions):
it imports only what a worker needs, so they join their groups sooner; given a count, it forks
that many workers once it has loaded the kernel (``consumers.pool``)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def granian_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        # uvloop (a dependency): asyncio's own loop cost a tenth of the submits per second.
        "--loop",
        "uvloop",
        # Idle connections are dropped after 5 s without headers, and a worker holds up to
        # 4,096 at once: a thousand silent sockets no longer shut everyone else out.
        "--http1-header-read-timeout",
        "5000",
        "--backlog",
        "4096",
        API_FACTORY,
    ]


def admin_token(data_dir: Path) -> tuple[str, bool]:
    """JOST_TOKEN if set; else the token this data folder was given on its first start.
    Returns the token and whether it was just created."""
    if env := os.environ.get("JOST_TOKEN"):
        return env, False
    path = data_dir / "settings.json"
    if path.exists():
        return json.loads(path.read_text())["admin_token"], False
    token = secrets.token_urlsafe(24)
    path.write_text(json.dumps({"admin_token": token}))
    path.chmod(0o600)
    return token, True


class EmbeddedPlatform(msgspec.Struct, frozen=True, kw_only=True):
    """A running single-machine platform, as ``embedded_platform`` yields it."""

    url: str
    token: str
    token_created: bool
    bootstrap: str
    data_dir: Path
    supervisor: Supervisor
    resumed: int
    """Unfinished jobs restored from the archive at start."""


@contextlib.contextmanager
def embedded_platform(
    *,
    host: str,
    port: int,
    data_dir: Path,
    workers: int,
    stop: threading.Event,
    output: IO[bytes] | None = None,
    health_timeout: float = 90.0,
) -> Iterator[EmbeddedPlatform]:
    """The embedded broker with its topics, the log restored from the archive (every
    unfinished job resumes), then the API and ``workers`` engine worker processes under a
    supervisor that restarts any that dies; everything is stopped on exit. ``output``
    receives the children's logs (default: this process's stdout/stderr). Yields once the
    API answers and every worker holds its partitions. Raises ``AlreadyRunning`` when a
    platform runs on ``data_dir``, RuntimeError when the API or a worker does not start."""
    from jost.platform.embedded import EmbeddedBroker
    from jost.platform.topics import create_embedded_topics

    # A setting the API would refuse is refused before anything starts (a child that
    # cannot start is restarted, and the others wait for it).
    duckdb_threads()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://{host}:{port}"
    lock = DataDirLock(data_dir, url)
    try:
        token, created = admin_token(data_dir)
        with EmbeddedBroker() as broker, tempfile.TemporaryDirectory(prefix="jost-ready-") as ready:
            topics = Topics()
            create_embedded_topics(broker, topics)
            restored = Path(ready, "restored")
            env = {
                **os.environ,
                "JOST_BOOTSTRAP": broker.bootstrap,
                "JOST_DATA_DIR": str(data_dir),
                "JOST_TOKEN": token,
                READY_ENV: ready,
                RESTORED_ENV: str(restored),
            }
            children = [("api", granian_command(host, port))]
            children.append(("workers", [*WORKER_COMMAND, str(workers)]))
            # The children first: their start (a second of imports and loading on each
            # core) runs while this process restores the log.
            supervisor = Supervisor(children, env, output).start()
            try:
                # Imported once the children are on their way (DuckDB's import is 0.06 s).
                from jost.platform.log import EventLog
                from jost.platform.recovery import restore

                event_log = EventLog(broker.bootstrap, topics)
                try:
                    resumed = restore(data_dir / DB_NAME, event_log, broker.log_id)
                finally:
                    event_log.close()
                restored.touch()
                _wait_started(url, Path(ready), workers, stop, supervisor, health_timeout)
                yield EmbeddedPlatform(
                    url=url,
                    token=token,
                    token_created=created,
                    bootstrap=broker.bootstrap,
                    data_dir=data_dir,
                    supervisor=supervisor,
                    resumed=len(resumed),
                )
            finally:
                mark_stopping(Path(ready))
                supervisor.stop()
    finally:
        lock.release()


def _wait_started(
    url: str,
    ready: Path,
    workers: int,
    stop: threading.Event,
    supervisor: Supervisor,
    timeout: float,
) -> None:
    """Wait until the API answers and every worker holds its partitions in its groups:
    a worker that joins later makes its group rebalance, which stalls every member (and a
    job in flight) while the group forms again."""
    deadline = time.monotonic() + timeout
    healthy = False
    while not stop.is_set():
        if time.monotonic() > deadline:
            raise RuntimeError(
                "the API did not become healthy"
                if not healthy
                else f"only {ready_count(ready)} of {workers} workers joined"
            )
        if supervisor.child("api").restarts >= 3:
            raise RuntimeError("the API did not become healthy (it keeps dying at start)")
        healthy = healthy or _answers(f"{url}/api/health/")
        if healthy and ready_count(ready) >= workers:
            return
        stop.wait(0.005)
    raise RuntimeError("interrupted while starting")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
