"""``jost ramp``: the bet at each count for a bankroll and a risk, simulated beside the
config's own ramp."""

from __future__ import annotations

import argparse
import sys
import time

import msgspec
from rich.console import Console
from rich.table import Table

from jost.cli.config_file import ConfigError, fail, profile_names, read_config, read_profile
from jost.cli.simulate import with_overrides
from jost.engine.ramp import RampFigures, RampReport, optimal_ramp
from jost.engine.validate import check_runnable
from jost.terminal.output import json_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ramp",
        help="derive the bet at each count for a bankroll and risk (Kelly-proportional)",
        description=(
            "Simulate the config flat to measure EV and variance at each count, derive the "
            "Kelly-proportional bet there for the bankroll (within the spread, table limits and "
            "chip), then simulate that ramp and the config's own with the same seed."
        ),
    )
    p.add_argument("config", nargs="?", help="config JSON file with a count")
    p.add_argument("--profile", help=f"a shipped profile: {', '.join(profile_names())}")
    p.add_argument("--bankroll", type=float, required=True, help="bankroll in units")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--ror", type=float, help="target risk of ruin (default 0.05)")
    target.add_argument("--kelly", type=float, help="Kelly fraction, e.g. 0.5 for half Kelly")
    p.add_argument("--spread", help="MIN-MAX units (default: the config's own ramp's)")
    p.add_argument("--rounds", type=int, help="rounds of each of the three simulations")
    p.add_argument("--seed", type=int, help="random seed (overrides the config)")
    p.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(handler=run)


def parse_spread(text: str) -> tuple[float, float]:
    low, sep, high = text.partition("-")
    try:
        if not sep:
            raise ValueError
        return float(low), float(high)
    except ValueError:
        raise ConfigError(f"--spread {text!r}: write MIN-MAX, e.g. 1-12") from None


def run(args: argparse.Namespace) -> int:
    try:
        if args.profile and args.config:
            raise ConfigError("give a config file or --profile, not both")
        if not args.profile and not args.config:
            raise ConfigError("give a config file (or --profile)")
        config = read_profile(args.profile).config if args.profile else read_config(args.config)
        config = with_overrides(config, rounds=args.rounds, seed=args.seed)
        check_runnable(config)
        if args.bankroll <= 0:
            raise ConfigError("--bankroll must be positive")
        if args.kelly is not None and args.kelly <= 0:
            raise ConfigError("--kelly must be positive")
        ror = args.ror if args.ror is not None or args.kelly is not None else 0.05
        if ror is not None and not 0 < ror < 1:
            raise ConfigError("--ror must be between 0 and 1")
        spread = parse_spread(args.spread) if args.spread else None
        started = time.perf_counter()
        report = optimal_ramp(
            config, args.bankroll, ror=ror, kelly=args.kelly, spread=spread, workers=args.workers
        )
    except (ConfigError, msgspec.ValidationError, ValueError) as exc:
        return fail(str(exc))
    seconds = time.perf_counter() - started
    if args.json:
        out = msgspec.to_builtins(report)
        out["seconds"] = round(seconds, 3)
        sys.stdout.write(json_line(out))
        return 0
    console = Console()
    console.print(comparison_table(report, seconds))
    console.print(bets_table(report))
    console.print('"ramp": ' + msgspec.json.encode(report.proposed.ramp).decode())
    if not report.target_met:
        console.print(
            f"[yellow]no ramp within the spread meets risk {report.target_ror:g} at "
            f"{report.bankroll:g} units; this one has the least risk found[/yellow]"
        )
    return 0


def comparison_table(r: RampReport, seconds: float) -> Table:
    aim = f"risk of ruin {r.target_ror:g}" if r.kelly is None else f"{r.kelly:g} Kelly"
    t = Table(
        title=(
            f"ramp for {r.bankroll:g} units, {aim}, spread {r.spread[0]:g}-{r.spread[1]:g} "
            f"({r.rounds:,} rounds each, seed {r.seed}, {seconds:.1f} s)"
        ),
        header_style="bold",
    )
    t.add_column("statistic")
    t.add_column("proposed", justify="right")
    t.add_column("config's own", justify="right")
    rows: list[tuple[str, str, str]] = [
        ("ramp", _ramp_text(r.proposed), _ramp_text(r.own)),
        ("average bet (units)", f"{r.proposed.avg_bet:.3f}", f"{r.own.avg_bet:.3f}"),
        ("win per 100 rounds", f"{r.proposed.win_per_100:+.3f}", f"{r.own.win_per_100:+.3f}"),
        ("SD per 100 rounds", f"{r.proposed.sd_per_100:.3f}", f"{r.own.sd_per_100:.3f}"),
        ("SCORE ± SE", _score(r.proposed), _score(r.own)),
        ("N0 (rounds)", _n0(r.proposed), _n0(r.own)),
        (
            f"risk of ruin, {r.bankroll:g} units",
            f"{r.proposed.ror * 100:.2f}%",
            f"{r.own.ror * 100:.2f}%",
        ),
    ]
    for row in rows:
        t.add_row(*row)
    t.add_row("Kelly scale (SCORE-optimal)", f"{r.scale:,.0f} ({r.score_scale:,.0f})", "")
    return t


def bets_table(r: RampReport) -> Table:
    t = Table(title="proposed bet by count", header_style="bold")
    t.add_column("count", justify="right")
    t.add_column("units", justify="right")
    last = None
    for count, units in r.bets.items():
        if units != last:
            t.add_row(f"{count:+d}", f"{units:g}")
            last = units
    return t


def _ramp_text(f: RampFigures) -> str:
    if not f.ramp:
        return "flat"
    return " ".join(f"{c:+g}:{u:g}" for c, u in f.ramp)


def _score(f: RampFigures) -> str:
    return f"{f.score:.2f} ± {f.score_stderr:.2f}"


def _n0(f: RampFigures) -> str:
    return f"{f.n0:,.0f}" if f.n0 is not None else "-"
