"""``jost sweep SWEEP.json``: submit a sweep (a base config and axes) to the platform, follow it
(points done / total and shards, on standard error), then print its table, one row per point;
``--json`` prints SweepResults, ``--csv FILE`` writes the platform's CSV. ``jost sweep --watch
SWEEP_ID`` follows a sweep already submitted. Address, token and exit codes as ``jost submit``
(2 a bad sweep file, naming the field; 1 the platform unreachable, or the sweep not completed).
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

import msgspec
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jost.cli.client_commands import JobError, handled, platform_client, target_options
from jost.cli.config_file import ConfigError, fail
from jost.contracts.sweeps import SweepResults, SweepSpec, SweepStatus
from jost.engine.errors import ConfigRejected
from jost.engine.sweep import expand
from jost.terminal.client import PlatformClient, PlatformError, PlatformRefused
from jost.terminal.output import json_line

POLL_SECONDS = 0.5


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="run a sweep (a base config and axes) on the platform, then its table"
    )
    p.add_argument("file", metavar="SWEEP.json", nargs="?", help="the sweep to submit")
    p.add_argument("--watch", metavar="SWEEP_ID", help="follow a sweep submitted before")
    target_options(p)
    p.add_argument(
        "--idempotency-key",
        help="submit under this key: the same key and file give the same sweep, never twice",
    )
    p.add_argument("--json", action="store_true", help="print the results as SweepResults JSON")
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    p.add_argument("--no-wait", action="store_true", help="print the sweep's id and return")
    p.set_defaults(handler=handled(_sweep))


def read_sweep(path: str) -> SweepSpec:
    """The sweep file, decoded strictly and every point checked as the platform checks it:
    ``ConfigError`` names the field (``$.axes["rules.decks"][1]``)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from exc
    try:
        spec = msgspec.json.decode(data, type=SweepSpec)
    except msgspec.DecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    try:
        expand(spec)
    except ConfigRejected as exc:
        raise ConfigError(f"{path}: {exc.reason} - at {exc.field}") from exc
    return spec


def _sweep(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.watch is None):
        return fail("give a sweep file (SWEEP.json) or --watch SWEEP_ID, not both")
    with platform_client(args) as client:
        if args.watch is not None:
            sweep_id = args.watch
        else:
            spec = read_sweep(args.file)
            key = args.idempotency_key or uuid.uuid4().hex
            try:
                accepted = client.submit_sweep(spec, key)
            except PlatformRefused:
                raise
            except KeyboardInterrupt:
                print(
                    f"jost: interrupted; the sweep may be submitted: jost sweep {args.file} "
                    f"--idempotency-key {key} follows it without running it twice",
                    file=sys.stderr,
                )
                return 130
            except PlatformError as exc:
                raise PlatformError(
                    f"{exc}; jost sweep {args.file} --idempotency-key {key} submits it again "
                    "and can never run it twice"
                ) from exc
            sweep_id = accepted.sweep_id
            if args.no_wait:
                print(sweep_id)
                return 0
            print(
                f"sweep {sweep_id} submitted to {client.url} ({len(accepted.points)} points)",
                file=sys.stderr,
            )
        try:
            status = follow_sweep(client, sweep_id)
        except KeyboardInterrupt:
            print(
                f"jost: stopped watching; sweep {sweep_id} runs on. "
                f"jost sweep --watch {sweep_id} follows it again",
                file=sys.stderr,
            )
            return 130
        results = client.sweep_results(sweep_id)
        if args.csv is not None:
            args.csv.write_text(client.sweep_csv(sweep_id))
    if args.json:
        sys.stdout.write(json_line(results))
    else:
        out = Console()
        if not out.is_terminal:  # a file or a pipe: the whole table, never squeezed
            out = Console(width=200)
        out.print(results_table(results, status))
    if status.status != "completed":
        raise JobError(
            f"sweep {sweep_id} {status.status}: {status.points_completed} of {status.points} "
            f"points completed ({status.points_failed} failed, "
            f"{status.points_cancelled} cancelled)"
        )
    return 0


def follow_sweep(client: PlatformClient, sweep_id: str) -> SweepStatus:
    """Poll the sweep's status until it finished, drawing points and shards done on standard
    error when it is a terminal."""
    err = Console(stderr=True)
    try:
        status = client.sweep_status(sweep_id)
    except PlatformRefused as exc:
        if exc.status == 404:
            raise PlatformError(
                f"the platform at {client.url} knows no sweep {sweep_id} (or it is another token's)"
            ) from exc
        raise
    with Progress(
        TextColumn(f"[bold]sweep {sweep_id[:8]}"),
        BarColumn(),
        TextColumn("{task.fields[points]} points"),
        TextColumn("{task.completed:,.0f} / {task.total:,.0f} shards"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("sweep", total=status.shards_total, points="")
        while True:
            finished = status.points_completed + status.points_failed + status.points_cancelled
            bar.update(
                task,
                total=status.shards_total,
                completed=status.shards_done,
                points=f"{finished} / {status.points}",
            )
            if status.status != "running":
                return status
            time.sleep(POLL_SECONDS)
            status = client.sweep_status(sweep_id)


def _number(value: float | None, form: str) -> str:
    return "-" if value is None else format(value, form)


def results_table(results: SweepResults, status: SweepStatus) -> Table:
    title = (
        f"sweep {status.name or results.sweep_id}: {status.points} points, "
        f"{status.rounds:,} rounds, {status.status}"
    )
    t = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD)
    t.add_column("#", justify="right", no_wrap=True)
    for axis in results.axes:
        widest = max((len(_value(r.values.get(axis))) for r in results.rows), default=1)
        t.add_column(axis, justify="right", overflow="fold", min_width=min(widest, 30))
    for name in ("EV % ± 95%", "win/100", "SD/100", "SCORE", "N0", "RoR"):
        t.add_column(name, justify="right", no_wrap=True)
    for row in results.rows:
        values = [_value(row.values.get(a)) for a in results.axes]
        if row.ev is None:
            t.add_row(str(row.index), *values, row.status, *["-"] * 5)
            continue
        half = (
            (row.ev_ci95_high - row.ev_ci95_low) / 2
            if row.ev_ci95_low is not None and row.ev_ci95_high is not None
            else None
        )
        t.add_row(
            str(row.index),
            *values,
            f"{row.ev * 100:+.3f} ± {half * 100:.3f}" if half is not None else f"{row.ev:+.3f}",
            _number(row.win_per_100, "+.2f"),
            _number(row.sd_per_100, ".2f"),
            _number(row.score, "+.2f"),
            _number(row.n0, ",.0f"),
            "-" if row.ror is None else f"{row.ror * 100:.2f}%",
        )
    return t


def _value(value: object) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return msgspec.json.encode(value).decode()
