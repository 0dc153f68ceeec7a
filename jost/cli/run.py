"""``jost run``: the main job through the platform. Starts the embedded platform (as ``jost up``
does), submits a config over HTTP like any client, shows the job's progress from its status,
prints its result and shuts everything down."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import threading
import time
from pathlib import Path

import msgspec
from rich.console import Console

from jost.cli.config_file import ConfigError, fail, read_config
from jost.cli.simulate import with_overrides
from jost.engine.playing import resolve_playing
from jost.engine.validate import check_runnable
from jost.platform.settings import default_data_dir
from jost.platform.signals import stop_on_signals
from jost.platform.standalone import embedded_platform, free_port

CLIENT_MODULES = ("jost.cli.client_commands", "jost.terminal.client")
"""What the run needs once the platform is up (0.2 s of imports: httpx, the profiles):
imported while the platform starts, so the platform's processes start that much sooner."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a job on the embedded platform and print its result (the main job)",
        description=(
            "Start the embedded platform (broker, API, one engine worker per core), submit the "
            "config over HTTP, show its progress, print its result and stop everything."
        ),
    )
    p.add_argument("config", nargs="?", help="config JSON file (default: the shipped default game)")
    p.add_argument("--rounds", type=int, help="rounds to play (overrides the config)")
    p.add_argument("--seed", type=int, help="random seed (overrides the config)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="engine worker processes (default: one per core)",
    )
    p.add_argument(
        "--port", type=int, default=0, help="API port on 127.0.0.1 (default: any free port)"
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="DuckDB file and settings (default: JOST_DATA_DIR, else the user's data folder)",
    )
    p.add_argument("--timeout", type=float, default=3600.0, help="give up after this many seconds")
    p.set_defaults(handler=_handled_run)


def _handled_run(args: argparse.Namespace) -> int:
    from jost.cli.client_commands import handled

    return handled(run)(args)


def _import_client() -> None:
    for name in CLIENT_MODULES:
        importlib.import_module(name)


def run(args: argparse.Namespace) -> int:
    try:
        config = read_config(args.config)
        config = with_overrides(config, rounds=args.rounds, seed=args.seed)
        # The platform's submit makes the same check; made here, a bad config is refused
        # before anything starts. It loads no kernel, so this process never imports numba
        # (unless the config asks the exact analyzer for a derived chart).
        check_runnable(config)
        chart = resolve_playing(config.strategy, config.rules)
    except (ConfigError, msgspec.ValidationError, ValueError) as exc:
        return fail(str(exc))
    if args.workers < 1:
        return fail("--workers must be at least 1")

    data_dir: Path = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    stop = stop_on_signals()
    # The platform's own logs would bury the result: they go to a file, named on failure.
    log_path = data_dir / "run.log"
    started = time.perf_counter()
    client_imports = threading.Thread(target=_import_client, name="jost-imports", daemon=True)
    client_imports.start()
    err = Console(stderr=True)
    with log_path.open("wb") as log, contextlib.ExitStack() as running:
        try:
            with err.status("starting the platform (broker, API, engine workers)"):
                platform = running.enter_context(
                    embedded_platform(
                        host="127.0.0.1",
                        port=args.port or free_port(),
                        data_dir=data_dir,
                        workers=args.workers,
                        stop=stop,
                        output=log,
                    )
                )
            client_imports.join()
            from jost.cli.client_commands import follow_changes
            from jost.terminal.client import PlatformClient

            with PlatformClient(platform.url, platform.token, timeout=30) as client:
                job_id = client.submit(config, None).job_id
                status = follow_changes(client, job_id, args.timeout, stop)
                if status is None:
                    raise TimeoutError(
                        "interrupted"
                        if stop.is_set()
                        else f"job {job_id} not finished after {args.timeout:g} s"
                    )
                result = client.result(job_id) if status.status == "completed" else None
        except Exception as exc:
            from jost.terminal.client import PlatformError, PlatformRefused

            if isinstance(exc, PlatformRefused):
                # The platform's own check refused the job, naming the field: ``handled``
                # reports it as for jost submit (exit 1) once the platform is stopped; its
                # log adds nothing.
                raise
            if not isinstance(exc, RuntimeError | OSError | TimeoutError | PlatformError):
                raise
            if stop.is_set():
                print("jost run: interrupted; stopped the platform", file=sys.stderr)
                return 130
            print(f"jost run: {exc} (platform log: {log_path})", file=sys.stderr)
            return 1
        if result is None:
            print(
                f"jost run: job {job_id} {status.status}: {status.error or 'no result'}",
                file=sys.stderr,
            )
            return 1
        # Stopping the platform is part of the run: the total printed includes it.
    seconds = time.perf_counter() - started
    # The job's own time, from its submit to its result (the platform was ready, every
    # worker's kernel loaded): the speed shown is the platform's, not its start-up's.
    job_seconds = (status.finished_at - status.submitted_at).total_seconds()
    if args.json:
        out = msgspec.to_builtins(result.summary)
        out.update(
            chart=chart.name or "custom",
            seed=config.seed,
            shards=status.shards_total,
            workers=args.workers,
            seconds=round(seconds, 3),
            job_seconds=round(job_seconds, 3),
            job_id=job_id,
        )
        if result.exact is not None:
            out["exact"] = msgspec.to_builtins(result.exact)
        sys.stdout.write(msgspec.json.encode(out).decode() + "\n")
    else:
        from jost.cli.simulate import result_table

        table = result_table(config, result.summary, chart.name or "custom", job_seconds)
        table.add_row("platform start + job + stop", f"{seconds:.2f} s")
        if result.exact is not None:
            x = result.exact
            where = (
                "off the top" if x.off_the_top else "off the top; the shuffle adds its own effect"
            )
            table.add_row(
                f"exact EV ({where})",
                f"{x.ev_exact * 100:+.4f}% (simulated is {x.difference_se:+.2f} SE from it)",
            )
        Console().print(table)
        print(f"job {job_id}; results kept in {data_dir / 'projection.duckdb'}")
    return 0
