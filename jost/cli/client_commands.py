"""The terminal's platform commands: ``jost login``, ``sync``, ``submit``, ``jobs``, ``watch``,
``results``. The platform's address and token: ``--url``/``--token``, else ``JOST_URL``/
``JOST_TOKEN``, else what ``jost login`` saved.

Exit codes: 0 done; 1 the platform or the job (nothing answers, the token is refused, the job
is lost, failed or refused by the platform); 2 bad input (a profile or config file that is
invalid or missing). Each error is one line on standard error."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jost.cli.config_file import ConfigError, fail, read_config
from jost.cli.profiles import open_store
from jost.cli.simulate import count_table, result_table, with_overrides
from jost.contracts import TERMINAL_STATES, JobResult, JobStatus, SimulationConfig
from jost.engine.validate import check_runnable
from jost.profiles.hydrate import hydrate
from jost.profiles.store import ProfileError, ProfileStore, check_name
from jost.terminal.client import (
    BadTarget,
    PlatformClient,
    PlatformError,
    PlatformRefused,
    check_token,
    check_url,
    resolve_target,
    save_login,
)
from jost.terminal.history import HistoryEntry, JobHistory
from jost.terminal.output import chart_label, json_line, result_csv, result_json
from jost.terminal.paths import profiles_dir, state_dir
from jost.terminal.sync import sync_defaults

FOLLOW_WAIT = 1.0
"""How long one status read of a job followed waits on the platform for a change: short
enough that a timeout or Ctrl-C is seen soon."""


class JobError(Exception):
    """The job did not give a result (failed, cancelled, not finished in time)."""


def target_options(parser: argparse.ArgumentParser, token: bool = True) -> None:
    parser.add_argument("--url", help="the platform (default: JOST_URL, else jost login's)")
    if token:
        parser.add_argument("--token", help="the token (default: JOST_TOKEN, else jost login's)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("login", help="save the platform's address and token for later commands")
    p.add_argument("url", metavar="URL")
    p.add_argument("--token", required=True)
    p.set_defaults(handler=handled(_login))

    p = sub.add_parser(
        "sync", help="install the platform's default profiles (never over the player's)"
    )
    target_options(p, token=False)
    p.set_defaults(handler=handled(_sync))

    p = sub.add_parser(
        "submit", help="hydrate a simulation profile (or read a config file) and submit it"
    )
    p.add_argument("what", metavar="NAME|CONFIG.json", help="simulation profile or config file")
    target_options(p)
    p.add_argument("--rounds", type=int, help="rounds to play (overrides the profile)")
    p.add_argument("--seed", type=int, help="random seed (overrides the profile)")
    p.add_argument("--wait", action="store_true", help="show progress, then the results")
    p.add_argument("--json", action="store_true", help="with --wait: the result as one object")
    p.add_argument("--timeout", type=float, default=None, help="with --wait: give up after S s")
    p.set_defaults(handler=handled(_submit))

    p = sub.add_parser("jobs", help="the jobs this terminal submitted, with their live status")
    target_options(p)
    p.add_argument("--json", action="store_true", help="a JSON list")
    p.set_defaults(handler=handled(_jobs))

    p = sub.add_parser("watch", help="follow a job's progress, then print its results")
    p.add_argument("job", metavar="JOB")
    target_options(p)
    p.add_argument("--json", action="store_true", help="the result as one object")
    p.add_argument("--timeout", type=float, default=None, help="give up after S seconds")
    p.set_defaults(handler=handled(_watch))

    p = sub.add_parser("results", help="a finished job's results")
    p.add_argument("job", metavar="JOB")
    target_options(p)
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one object (jost simulate --json's)")
    form.add_argument("--csv", action="store_true", help="summary and by-count tables as CSV")
    p.set_defaults(handler=handled(_results))


def handled(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except (ProfileError, ConfigError, BadTarget) as exc:
            return fail(str(exc))
        except (PlatformError, JobError) as exc:
            print(f"jost: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("jost: interrupted", file=sys.stderr)
            return 130

    return run


def platform_client(args: argparse.Namespace, url: str | None = None) -> PlatformClient:
    target, token = resolve_target(url or args.url, getattr(args, "token", None))
    return PlatformClient(target, token)


LOGIN_CHECK_SECONDS = 5.0
"""How long ``jost login`` waits for the platform to try the token."""


def _login(args: argparse.Namespace) -> int:
    """Save the address and token; the address must be one, the token is tried (a token
    refused or a platform not answering is warned about, and saved all the same)."""
    try:
        url = check_url(args.url)
        token = check_token(args.token)
    except ValueError as exc:
        return fail(str(exc))
    try:
        with PlatformClient(url, token, timeout=LOGIN_CHECK_SECONDS) as client:
            client.jobs(limit=1)
    except PlatformRefused as exc:
        print(f"jost: warning: {exc}; saved all the same", file=sys.stderr)
    except PlatformError as exc:
        print(
            f"jost: warning: the token is not checked: {exc}; saved all the same", file=sys.stderr
        )
    path = save_login(url, token)
    print(f"saved the address and token in {path}", file=sys.stderr)
    return 0


def _sync(args: argparse.Namespace) -> int:
    store = ProfileStore(profiles_dir())  # no packaged copy first: the platform's is wanted
    try:
        target, token = resolve_target(args.url)
    except PlatformError:  # no address known: the packaged copy is what there is
        report = sync_defaults(store, None)
    else:
        with PlatformClient(target, token) as client:
            report = sync_defaults(store, client)
    if report.fallback:
        print(f"jost: {report.fallback}; installed the copy packaged with jost", file=sys.stderr)
    print(
        f"defaults from the {report.source}: {len(report.added)} added, "
        f"{len(report.updated)} updated, {report.unchanged} unchanged"
    )
    for label in report.skipped:
        print(f"  {label}: not installed, a profile of yours has that name")
    for label in report.kept:
        print(f"  {label}: kept, you changed this default's file")
    for line in report.invalid:
        print(f"  invalid, not installed: {line}")
    return 1 if report.fallback else 0


def _load(args: argparse.Namespace) -> tuple[SimulationConfig, str]:
    """The config to submit and what it came from: a config file (a path ending in .json or
    an existing file), else a simulation profile hydrated."""
    what = args.what
    if what.endswith(".json") or Path(what).is_file():
        config = with_overrides(read_config(what), rounds=args.rounds, seed=args.seed)
        try:
            check_runnable(config)
        except ValueError as exc:
            raise ConfigError(f"{what}: {exc}") from exc
        return config, what
    name = check_name(what.removeprefix("simulation/"))
    return hydrate(open_store(), name, rounds=args.rounds, seed=args.seed), f"simulation {name}"


def _submit(args: argparse.Namespace) -> int:
    try:
        config, source = _load(args)
    except (msgspec.ValidationError, ValueError) as exc:
        if isinstance(exc, ProfileError):
            raise
        return fail(str(exc))
    history = JobHistory(state_dir())
    with platform_client(args) as client:
        entry = history.begin(client.url, source, config)
        try:
            accepted = client.submit(config, entry.key)
        except PlatformRefused:
            history.drop(entry.key)  # refused: nothing to retry
            raise
        except PlatformError as exc:
            raise PlatformError(
                f"{exc}; the submission is kept: jost submit {args.what} again resubmits it "
                "under the same idempotency key, so it can never run twice"
            ) from exc
        history.accept(entry.key, accepted.job_id)
        if not args.wait:
            print(accepted.job_id)
            return 0
        print(f"job {accepted.job_id} submitted to {client.url}", file=sys.stderr)
        return _follow_and_print(client, accepted.job_id, config, args.json, args.timeout)


def _follow_and_print(
    client: PlatformClient,
    job_id: str,
    config: SimulationConfig | None,
    as_json: bool,
    timeout: float | None,
) -> int:
    status = _follow(client, job_id, timeout)
    if status.status != "completed":
        raise JobError(f"job {job_id} {status.status}: {status.error or 'no result'}")
    result = _result(client, job_id)
    config = config or _config_of(client, job_id)
    _print_result(result, status, config, "json" if as_json else "table")
    return 0


def _follow(client: PlatformClient, job_id: str, timeout: float | None) -> JobStatus:
    status = follow_changes(client, job_id, timeout)
    if status is None:
        raise JobError(
            f"job {job_id} not finished after {timeout:g} s; jost watch {job_id} follows it again"
        )
    return status


def follow_changes(
    client: PlatformClient,
    job_id: str,
    timeout: float | None,
    stop: threading.Event | None = None,
) -> JobStatus | None:
    """Follow a job until it is finished, drawing shards done / total on standard error when
    it is a terminal; None when ``timeout`` passes or ``stop`` is set first. Each read waits on
    the platform for the status to change (up to ``FOLLOW_WAIT`` seconds), instead of reading
    it five times a second: the job's end is seen as soon as it is folded, and a job is not
    slowed by its follower's reads."""
    deadline = None if timeout is None else time.monotonic() + timeout
    stop = stop or threading.Event()
    err = Console(stderr=True)
    status: JobStatus | None = None
    with Progress(
        TextColumn("[bold]job {task.fields[job]}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} / {task.fields[shards]} shards"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("job", total=None, job=job_id[:8], shards="?")
        while True:
            try:
                status = client.status_change(job_id, status, FOLLOW_WAIT)
            except PlatformRefused as exc:
                raise _lost(client, job_id, exc) from exc
            if status.shards_total:
                bar.update(
                    task,
                    total=status.shards_total,
                    completed=status.shards_done,
                    shards=f"{status.shards_total:,}",
                )
            if status.status in TERMINAL_STATES:
                return status
            if deadline is not None and time.monotonic() > deadline:
                return None
            if stop.is_set():
                return None


def _lost(client: PlatformClient, job_id: str, exc: PlatformRefused) -> PlatformError:
    if exc.status == 404:
        return PlatformError(
            f"the platform at {client.url} knows no job {job_id} (lost, or submitted with "
            "another token)"
        )
    return exc


def _status(client: PlatformClient, job_id: str) -> JobStatus:
    try:
        return client.status(job_id)
    except PlatformRefused as exc:
        raise _lost(client, job_id, exc) from exc


def _result(client: PlatformClient, job_id: str) -> JobResult:
    try:
        return client.result(job_id)
    except PlatformRefused as exc:
        raise _lost(client, job_id, exc) from exc


def _config_of(client: PlatformClient, job_id: str) -> SimulationConfig:
    """The config the platform recorded for the job (its JobSubmitted event)."""
    entry = JobHistory(state_dir()).get(job_id)
    if entry is not None:
        return entry.config
    try:
        events = client.events(job_id).events
    except PlatformRefused as exc:
        raise _lost(client, job_id, exc) from exc
    for logged in events:
        config = getattr(logged.event, "config", None)
        if isinstance(config, SimulationConfig):
            return config
    raise PlatformError(f"the platform at {client.url} has no submitted config for {job_id}")


def _print_result(
    result: JobResult, status: JobStatus, config: SimulationConfig, form: str
) -> None:
    seconds = (
        (status.finished_at - status.submitted_at).total_seconds()
        if status.finished_at is not None
        else 0.0
    )
    if form == "json":
        out = result_json(
            result.summary,
            config,
            shards=result.stats.shards,
            workers=None,
            seconds=round(seconds, 3),
        )
        sys.stdout.write(json_line(out))
    elif form == "csv":
        sys.stdout.write(result_csv(result.summary))
    else:
        console = Console()
        console.print(result_table(config, result.summary, chart_label(config), seconds))
        if result.summary.by_true_count:
            console.print(count_table(result.summary))
        print(f"job {result.job_id}")


def _entry_url(job_id: str) -> str | None:
    entry = JobHistory(state_dir()).get(job_id)
    return entry.url if entry is not None else None


def _job_id(job: str) -> str:
    """A job id, or the unique start of one in the local history."""
    entry = JobHistory(state_dir()).get(job)
    return entry.job_id if entry is not None and entry.job_id else job


def _watch(args: argparse.Namespace) -> int:
    job_id = _job_id(args.job)
    with platform_client(args, args.url or _entry_url(job_id)) as client:
        return _follow_and_print(client, job_id, None, args.json, args.timeout)


def _results(args: argparse.Namespace) -> int:
    job_id = _job_id(args.job)
    with platform_client(args, args.url or _entry_url(job_id)) as client:
        status = _status(client, job_id)
        if status.status != "completed":
            raise JobError(
                f"job {job_id} is {status.status} ({status.shards_done}/"
                f"{status.shards_total or '?'} shards): no results"
                + (f": {status.error}" if status.error else "")
            )
        result = _result(client, job_id)
        config = _config_of(client, job_id)
    form = "json" if args.json else "csv" if args.csv else "table"
    _print_result(result, status, config, form)
    return 0


def _jobs(args: argparse.Namespace) -> int:
    entries = JobHistory(state_dir()).list()
    statuses: dict[str, str] = {}
    notes: list[str] = []
    for url in sorted({e.url for e in entries if e.job_id}):
        try:
            with platform_client(args, args.url or url) as client:
                for e in entries:
                    if e.url == url and e.job_id:
                        statuses[e.job_id] = _live(client, e)
        except PlatformError as exc:
            notes.append(f"jost: {exc} (statuses of its jobs unknown)")
    if args.json:
        rows = [
            {
                "job_id": e.job_id,
                "url": e.url,
                "source": e.source,
                "submitted_at": e.submitted_at,
                "status": statuses.get(e.job_id or "", "unknown" if e.job_id else "pending"),
                "rounds": e.config.rounds,
            }
            for e in entries
        ]
        sys.stdout.write(json_line(rows))
    else:
        table = Table(title=f"jobs submitted from this terminal ({len(entries)})")
        for column in ("job", "submitted", "source", "rounds", "status", "platform"):
            table.add_column(column)
        for e in entries:
            status = statuses.get(e.job_id or "", "unknown" if e.job_id else "no answer yet")
            table.add_row(
                e.job_id or "-",
                e.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                e.source,
                f"{e.config.rounds:,}",
                status,
                e.url,
            )
        Console().print(table)
    for note in notes:
        print(note, file=sys.stderr)
    return 0


def _live(client: PlatformClient, entry: HistoryEntry) -> str:
    """A job's status as the platform reports it now; ``lost`` when it no longer knows it."""
    try:
        s = client.status(entry.job_id or "")
    except PlatformRefused as exc:
        return "lost" if exc.status == 404 else f"refused ({exc.status})"
    done = f" {s.shards_done}/{s.shards_total}" if s.shards_total and s.status == "running" else ""
    return s.status + done
