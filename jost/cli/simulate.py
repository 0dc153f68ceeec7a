"""``jost simulate``: run a simulation on this machine's cores and print its result."""

from __future__ import annotations

import argparse
import os
import sys
import time

import msgspec
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from jost.cli.config_file import ConfigError, fail, profile_names, read_config, read_profile
from jost.contracts import SimulationConfig, Summary, decode_config
from jost.engine.bands import count_bands
from jost.engine.playing import resolve_playing
from jost.engine.validate import check_runnable, shard_count
from jost.terminal.output import json_line, result_json, run_local


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate a game locally on all cores",
        description="Simulate a game on this machine (no platform needed) and print the result.",
    )
    p.add_argument("config", nargs="?", help="config JSON file (default: the shipped default game)")
    p.add_argument(
        "--profile",
        help=f"a shipped profile instead of a config file: {', '.join(profile_names())}",
    )
    p.add_argument("--rounds", type=int, help="rounds to play (overrides the config)")
    p.add_argument("--seed", type=int, help="random seed (overrides the config)")
    p.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(handler=run)


def with_overrides(config: SimulationConfig, **changes: int | None) -> SimulationConfig:
    """Apply command-line overrides, validating the result as if it came from the file."""
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        return config
    raw = msgspec.to_builtins(config)
    raw.update(changes)
    return decode_config(msgspec.json.encode(raw))


def run(args: argparse.Namespace) -> int:
    try:
        if args.profile and args.config:
            raise ConfigError("give a config file or --profile, not both")
        config = read_profile(args.profile).config if args.profile else read_config(args.config)
        config = with_overrides(config, rounds=args.rounds, seed=args.seed)
        check_runnable(config)
        chart = resolve_playing(config.strategy, config.rules)
    except (ConfigError, msgspec.ValidationError, ValueError) as exc:
        return fail(str(exc))
    if args.workers is not None and args.workers < 1:
        return fail("--workers must be at least 1")

    workers = args.workers or os.cpu_count() or 1
    started = time.perf_counter()
    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]simulating"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} / {task.total:,.0f} rounds"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("simulate", total=config.rounds)
        summary = run_local(config, lambda n: bar.advance(task, n), workers)
    seconds = time.perf_counter() - started

    if args.json:
        out = result_json(
            summary,
            config,
            shards=shard_count(config),
            workers=workers,
            seconds=round(seconds, 3),
        )
        sys.stdout.write(json_line(out))
    else:
        out = Console()
        out.print(result_table(config, summary, chart.name or "custom", seconds))
        if summary.by_true_count:
            out.print(count_table(summary))
    return 0


def count_table(s: Summary) -> Table:
    """EV by the count at the bet, with a bar per count: where the edge comes from. The
    counts beyond ``COUNT_RANGE`` are gathered into its end rows (``count_bands``)."""
    t = Table(title="by count at the bet", header_style="bold")
    for name in ("count", "frequency", "avg bet", "EV ± SE"):
        t.add_column(name, justify="right")
    t.add_column("EV", justify="left")
    bins = count_bands(s.by_true_count)
    scale = max((abs(b.ev) for b in bins if b.rounds), default=0.0) or 1.0
    for b in bins:
        if not b.rounds:  # dealt, never played (wonged out): no EV
            t.add_row(b.label, f"{b.frequency * 100:.2f}%", "-", "-", "")
            continue
        width = round(abs(b.ev) / scale * 20)
        bar = (
            ("[red]" + "█" * width + "[/red]")
            if b.ev < 0
            else ("[green]" + "█" * width + "[/green]")
        )
        t.add_row(
            b.label,
            f"{b.frequency * 100:.2f}%",
            f"{b.avg_bet:.4g}",
            f"{b.ev * 100:+.2f}% ± {b.ev_stderr * 100:.2f}%",
            bar,
        )
    return t


def result_table(config: SimulationConfig, s: Summary, chart: str, seconds: float) -> Table:
    r = config.rules
    title = (
        f"{r.decks} deck{'s' if r.decks > 1 else ''}, {'H17' if r.dealer_hits_soft_17 else 'S17'}"
        f"{', DAS' if r.double_after_split else ''}, BJ pays {r.blackjack_pays:g}:1, "
        f"{r.shuffle.replace('_', ' ')}, chart {chart}"
    )
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("statistic")
    t.add_column("value", justify="right")
    t.add_row("rounds", f"{s.rounds:,}")
    t.add_row("EV per initial bet", f"{s.ev * 100:+.4f}% ± {s.ev_stderr * 100:.4f}% (1 SE)")
    t.add_row("95% interval", f"[{s.ev_ci95_low * 100:+.4f}%, {s.ev_ci95_high * 100:+.4f}%]")
    t.add_row("EV per round (units)", f"{s.ev_per_round:+.5f}")
    t.add_row("SD per round (units)", f"{s.sd_per_round:.4f}")
    t.add_row("total / initial wager", f"{s.wager_ratio:.4f}")
    if config.strategy.count is not None or config.betting.wonging is not None:
        t.add_row("rounds dealt / played", f"{s.rounds_dealt:,} / {s.rounds:,}")
        t.add_row("average initial bet (units)", f"{s.avg_bet:.3f}")
    t.add_row("win per 100 rounds (units)", f"{s.win_per_100:+.3f}")
    t.add_row("SD per 100 rounds (units)", f"{s.sd_per_100:.3f}")
    t.add_row(
        f"win / SD per hour ({config.table.rounds_per_hour:g} rounds)",
        f"{s.ev_per_hour:+.3f} / {s.sd_per_hour:.3f}",
    )
    t.add_row("DI / SCORE", f"{s.di:+.3f} / {s.score:+.2f}")
    t.add_row("N0 (rounds)", f"{s.n0:,.0f}" if s.n0 is not None else "-")
    if s.risk is not None:
        r = s.risk
        t.add_row(f"risk of ruin, {r.bankroll:g} units", f"{r.ror_formula * 100:.2f}% (formula)")
        simulated = (
            f", {r.trip_ror_simulated * 100:.2f}% ± {r.trip_ror_stderr * 100:.2f}% simulated "
            f"over {r.trips:,} trips"
            if r.trip_ror_simulated is not None
            else ""
        )
        t.add_row(
            f"  within a trip of {r.trip_rounds:,} rounds",
            f"{r.trip_ror_formula * 100:.2f}% (formula){simulated}",
        )
        if r.quantiles:
            q = r.quantiles
            t.add_row(
                "  trip result 5% / 50% / 95%", f"{q['p05']:+g} / {q['p50']:+g} / {q['p95']:+g}"
            )
    for name, value in s.frequencies.items():
        t.add_row(f"{name.replace('_', ' ')} per round", f"{value * 100:.3f}%")
    t.add_row("time", f"{seconds:.2f} s ({s.rounds / seconds / 1e6:.2f} M rounds/s)")
    return t
