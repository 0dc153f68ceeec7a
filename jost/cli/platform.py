"""``jost up`` (everything on one machine, on the embedded broker), and the pieces alone for a
real deployment: ``jost api``, ``jost worker``, ``jost projector``; ``jost replay`` rebuilds a
projection and compares it with the live one."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb

from jost.platform.consumers.groups import GroupTiming
from jost.platform.settings import DB_NAME, Topics, default_data_dir
from jost.platform.signals import stop_on_signals
from jost.platform.standalone import (
    JOST_COMMAND,
    embedded_platform,
    free_port,
    granian_command,
)
from jost.platform.supervisor import AlreadyRunning

__all__ = ["JOST_COMMAND", "free_port"]  # the terminal's tests start ``jost`` through these


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
        default=GroupTiming().session_timeout_ms,
        help="how fast the group notices this worker died",
    )
    worker.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes, forked from one that loaded the kernel once (default: 1)",
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
            print(f"workbench: {platform.url}/workbench/  (sign in with a token)")
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
    bootstrap = _require_bootstrap(args)
    if args.processes < 1:
        raise SystemExit("--processes must be at least 1")
    if args.processes > 1:
        from jost.platform.consumers.pool import run_pool

        return run_pool(bootstrap, args.processes, args.session_timeout_ms)
    from jost.platform.consumers.worker import main

    return main(bootstrap, args.session_timeout_ms)


def cmd_projector(args: argparse.Namespace) -> int:
    from jost.platform.projector import run_until_stopped

    return run_until_stopped(args.db, _require_bootstrap(args))


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
