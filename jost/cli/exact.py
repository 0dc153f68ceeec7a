"""``jost exact`` and ``jost strategy``: the exact house edge of a config's rules and the basic
strategy derived for them, computed by the combinatorial analyzer (no simulation)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from jost.contracts import SimulationConfig, decode_config
from jost.engine.charts import resolve_playing
from jost.engine.exact import (
    POST_SPLIT,
    POST_SPLIT_CONVENTIONS,
    analyze,
    chart_ev,
    derive_chart,
    format_chart,
    hand_action_evs,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "exact",
        help="exact house edge of a config's rules (combinatorial analysis)",
        description="Compute the exact EV of the config's rules off the top of a full shoe: "
        "optimal composition-dependent play, the chart the simulator plays for the config "
        "(strategy.playing: 'basic' is the shipped chart for the rules) and the basic "
        "strategy derived for the rules.",
    )
    p.add_argument("config", help="config JSON file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--post-split",
        choices=sorted(POST_SPLIT_CONVENTIONS),
        default=POST_SPLIT,
        help=f"play of split hands in the composition-dependent EV (default {POST_SPLIT})",
    )
    p.set_defaults(handler=run_exact)

    s = sub.add_parser(
        "strategy",
        help="basic strategy derived for a config's rules",
        description="Print the total-dependent basic strategy derived for the config's rules; "
        "with --hand and --upcard, the exact EV of each action for that hand.",
    )
    s.add_argument("config", help="config JSON file")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--hand", help='two cards, e.g. "T,6" (A, 2..9, T)')
    s.add_argument("--upcard", help="the dealer's upcard, e.g. T")
    s.add_argument(
        "--post-split",
        choices=sorted(POST_SPLIT_CONVENTIONS),
        default=POST_SPLIT,
        help=f"play of split hands in a split's value (default {POST_SPLIT})",
    )
    s.set_defaults(handler=run_strategy)


def _fail(message: str) -> int:
    print(f"jost: {message}", file=sys.stderr)
    return 2


def _read(path: str) -> SimulationConfig:
    """Raises OSError or msgspec.DecodeError (ValidationError included)."""
    return decode_config(Path(path).read_bytes())


def _load(path: str) -> SimulationConfig | int:
    try:
        return _read(path)
    except OSError as exc:
        return _fail(f"{path}: cannot read: {exc.strerror}")
    except msgspec.DecodeError as exc:
        return _fail(f"{path}: invalid config: {exc}")


def run_exact(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if isinstance(config, int):
        return config
    try:
        result = analyze(config.rules, post_split=args.post_split)
        played = resolve_playing(config.strategy, config.rules)
        played_ev = chart_ev(config.rules, played)
    except ValueError as exc:
        return _fail(str(exc))
    if args.json:
        out: dict[str, object] = {
            "ev_composition_dependent": result.ev_composition_dependent,
            "ev_basic": played_ev,
            "chart": played.name or "the config's own chart",
            "ev_derived": result.ev_basic,
            "derived_chart": result.chart.name,
            "post_split": result.post_split,
            "post_split_description": result.post_split_description,
            "ev_by_upcard": result.ev_by_upcard,
        }
        print(msgspec.json.encode(out).decode())
        return 0
    print(f"rules: {result.chart.name.removeprefix('derived ')}")
    print(f"EV, composition-dependent play: {100 * result.ev_composition_dependent:+.4f}%")
    print(f"EV, chart played ({played.name or 'own'}): {100 * played_ev:+.4f}%")
    print(f"EV, derived basic strategy:     {100 * result.ev_basic:+.4f}%")
    print(f"post-split play: {result.post_split} ({result.post_split_description})")
    return 0


def run_strategy(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if isinstance(config, int):
        return config
    if (args.hand is None) != (args.upcard is None):
        return _fail("--hand and --upcard go together")
    rules = config.rules
    try:
        if args.hand is not None:
            ps = args.post_split
            values = hand_action_evs(rules, args.hand, args.upcard, post_split=ps)
            decision = hand_action_evs(
                rules, args.hand, args.upcard, given_no_blackjack=True, post_split=ps
            )
        else:
            chart = derive_chart(rules)
    except ValueError as exc:
        return _fail(str(exc))
    if args.hand is not None:
        best = max(values, key=values.__getitem__)
        if args.json:
            out = {
                "hand": args.hand,
                "upcard": args.upcard,
                "ev": values,
                "ev_given_no_dealer_blackjack": decision,
                "best": best,
                "post_split": ps,
            }
            print(msgspec.json.encode(out).decode())
            return 0
        print(
            f"{args.hand} against {args.upcard} "
            f"(EV per initial bet; round / at decision; split hands: {ps})"
        )
        for name, value in sorted(values.items(), key=lambda kv: -kv[1]):
            mark = "  <- best" if name == best else ""
            print(f"  {name:<10} {value:+.6f}   {decision[name]:+.6f}{mark}")
        return 0
    if args.json:
        print(msgspec.json.encode(chart).decode())
        return 0
    print(chart.name)
    print()
    print(format_chart(chart, rules))
    return 0
