"""``jost up`` (everything on one machine, on the embedded broker), and the pieces alone for a
real deployment: ``jost api``, ``jost worker``, ``jost projector``; ``jost replay`` rebuilds a
projection and compares it with the live one."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import duckdb
import msgspec

from jost.platform.settings import DB_NAME, Topics, default_data_dir
from jost.platform.supervisor import AlreadyRunning, DataDirLock, Supervisor

API_FACTORY = "jost.platform.api.app:create_app"
JOST_COMMAND = [sys.executable, "-c", "import sys; from jost.cli import main; sys.exit(main())"]
"""``jost`` in a child process: the same interpreter, whether or not the script is on PATH."""


def register(subparsers: argparse._SubParsersAction) -> None:
    up = subparsers.add_parser("up", help="start the whole platform on the embedded broker")
    _add_http_args(up)
    up.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="engine worker processes (default: one per core)",
    )
    up.set_defaults(handler=cmd_up)

    api = subparsers.add_parser("api", help="serve the HTTP API and its projection")
    _add_http_args(api)
    _add_bootstrap(api)
    api.set_defaults(handler=cmd_api)

    worker = subparsers.add_parser("worker", help="run a planner, engine worker and completion")
    _add_bootstrap(worker)
    worker.add_argument(
        "--session-timeout-ms",
        type=int,
        default=6000,
        help="how fast the group notices this worker died",
    )
    worker.set_defaults(handler=cmd_worker)

    projector = subparsers.add_parser("projector", help="fold the log into a DuckDB file")
    _add_bootstrap(projector)
    projector.add_argument("--db", type=Path, required=True)
    projector.set_defaults(handler=cmd_projector)

    replay = subparsers.add_parser("replay", help="rebuild a projection into a new file")
    replay.add_argument("--into", type=Path, required=True, help="the new DuckDB file")
    source = replay.add_mutually_exclusive_group()
    source.add_argument(
        "--bootstrap",
        default=os.environ.get("JOST_BOOTSTRAP"),
        help="read the log from this broker (default: JOST_BOOTSTRAP)",
    )
    source.add_argument(
        "--from-archive",
        type=Path,
        help="read the events archived in this projection instead of the log",
    )
    replay.add_argument(
        "--compare", type=Path, help="the live projection to compare with (default: the archive)"
    )
    replay.set_defaults(handler=cmd_replay)


def _add_http_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="DuckDB file and settings (default: JOST_DATA_DIR, else the user's data folder)",
    )


def _add_bootstrap(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("JOST_BOOTSTRAP"),
        help="broker address host:port (default: JOST_BOOTSTRAP)",
    )


def _require_bootstrap(args: argparse.Namespace) -> str:
    if not args.bootstrap:
        raise SystemExit("give --bootstrap host:port or set JOST_BOOTSTRAP")
    return args.bootstrap


def _admin_token(data_dir: Path) -> tuple[str, bool]:
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
        # Idle connections are dropped after 5 s without headers, and a worker holds up to
        # 4,096 at once: a thousand silent sockets no longer shut everyone else out.
        "--http1-header-read-timeout",
        "5000",
        "--backlog",
        "4096",
        API_FACTORY,
    ]


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
    unfinished job resumes), then the API (granian, with the projector) and ``workers`` engine
    worker processes under a supervisor that restarts any that dies; everything is stopped on
    exit. ``output`` receives the children's logs (default: this process's stdout/stderr).
    Raises ``AlreadyRunning`` when a platform runs on ``data_dir``, RuntimeError when the API
    does not become healthy."""
    from jost.platform.embedded import EmbeddedBroker
    from jost.platform.log import EventLog
    from jost.platform.recovery import restore
    from jost.platform.topics import create_embedded_topics

    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://{host}:{port}"
    lock = DataDirLock(data_dir, url)
    try:
        token, created = _admin_token(data_dir)
        with EmbeddedBroker() as broker:
            topics = Topics()
            create_embedded_topics(broker, topics)
            event_log = EventLog(broker.bootstrap, topics)
            try:
                resumed = restore(data_dir / DB_NAME, event_log, broker.log_id)
            finally:
                event_log.close()
            env = {
                **os.environ,
                "JOST_BOOTSTRAP": broker.bootstrap,
                "JOST_DATA_DIR": str(data_dir),
                "JOST_TOKEN": token,
            }
            children = [("api", granian_command(host, port))]
            children += [(f"worker-{i + 1}", [*JOST_COMMAND, "worker"]) for i in range(workers)]
            supervisor = Supervisor(children, env, output).start()
            try:
                if not _wait_healthy(f"{url}/api/health/", stop, supervisor, health_timeout):
                    raise RuntimeError("the API did not become healthy")
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
                supervisor.stop()
    finally:
        lock.release()


def stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so the caller can shut its children down in order."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def cmd_up(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir or default_data_dir()
    stop = stop_on_signals()
    try:
        with embedded_platform(
            host=args.host, port=args.port, data_dir=data_dir, workers=args.workers, stop=stop
        ) as platform:
            print(
                f"JOST platform at {platform.url}  (broker {platform.bootstrap}, embedded: the "
                f"log is kept in memory; every accepted job and every result persists in "
                f"{data_dir / DB_NAME})"
            )
            if platform.resumed:
                print(f"resumed {platform.resumed} unfinished jobs from the archive")
            print(f"admin token{' (new)' if platform.token_created else ''}: {platform.token}")
            print(f"  curl -H 'Authorization: Token {platform.token}' {platform.url}/api/jobs/")
            print(
                f"{args.workers} engine workers, restarted if they die. Ctrl-C stops everything.",
                flush=True,
            )
            stop.wait()
            return 0
    except AlreadyRunning as exc:
        print(f"jost up: {exc}", file=sys.stderr)
        return 1
    except (RuntimeError, duckdb.Error) as exc:
        if stop.is_set():
            return 0
        print(f"jost up: {exc}; stopping", file=sys.stderr)
        return 1


def _wait_healthy(url: str, stop: threading.Event, supervisor: Supervisor, timeout: float) -> bool:
    """Wait for the API to answer; False on timeout, or when it keeps dying at start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        if supervisor.child("api").restarts >= 3:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        stop.wait(0.2)
    return False


def cmd_api(args: argparse.Namespace) -> int:
    from jost.platform.topics import ensure_topics

    bootstrap = _require_bootstrap(args)
    if not os.environ.get("JOST_TOKEN"):
        raise SystemExit("set JOST_TOKEN (the admin token) for the API")
    ensure_topics(bootstrap, Topics())
    env = {**os.environ, "JOST_BOOTSTRAP": bootstrap}
    if args.data_dir:
        env["JOST_DATA_DIR"] = str(args.data_dir)
    command = granian_command(args.host, args.port)
    os.execve(command[0], command, env)
    return 0  # not reached


def cmd_worker(args: argparse.Namespace) -> int:
    from jost.platform import lifeline
    from jost.platform.consumers.app import serve
    from jost.platform.consumers.groups import GroupTiming

    bootstrap = _require_bootstrap(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    session = args.session_timeout_ms
    timing = GroupTiming(session_timeout_ms=session, heartbeat_interval_ms=max(100, session // 6))
    lifeline.watch()
    asyncio.run(serve(bootstrap, Topics(), timing=timing))
    return 0


def cmd_projector(args: argparse.Namespace) -> int:
    from jost.platform.projection import Projection
    from jost.platform.projector import Projector

    bootstrap = _require_bootstrap(args)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    projection = Projection(args.db)
    projector = Projector(projection, bootstrap, Topics().events).start()
    try:
        while not stop.wait(1.0):
            if projector.error is not None:
                print(f"projector stopped: {projector.error}", file=sys.stderr)
                return 1
    finally:
        projector.stop()
        projection.close()
    print(f"applied {projector.events_applied} events")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from jost.platform.replay import compare, replay_from_archive, replay_from_log

    if args.into.exists():
        raise SystemExit(f"{args.into} exists: replay builds a new file")
    topic = Topics().events
    started = time.perf_counter()
    if args.from_archive:
        applied = replay_from_archive(args.from_archive, args.into, topic)
        source = f"the archive in {args.from_archive}"
    elif args.bootstrap:
        applied = replay_from_log(args.bootstrap, topic, args.into)
        source = f"the log at {args.bootstrap}"
    else:
        raise SystemExit("give --bootstrap (replay the log) or --from-archive FILE")
    print(
        f"replayed {applied} events from {source} into {args.into} "
        f"in {time.perf_counter() - started:.2f} s"
    )
    live = args.compare or args.from_archive
    if live is None:
        return 0
    try:
        equal = compare(live, args.into)
    except Exception as exc:  # typically: the API holds the live file open
        print(f"cannot compare with {live}: {exc}", file=sys.stderr)
        return 2
    for table, same in equal.items():
        print(f"  {table:8} {'equal' if same else 'DIFFERENT'}")
    return 0 if all(equal.values()) else 1
