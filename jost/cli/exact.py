"""``jost exact`` and ``jost strategy``: the exact house edge of a config's rules and the basic
strategy derived for them, computed by the combinatorial analyzer (no simulation)."""

from __future__ import annotations

import argparse

import msgspec

from jost.cli.config_file import ConfigError, fail, read_config
from jost.contracts import SimulationConfig
from jost.engine.exact import (
    POST_SPLIT,
    POST_SPLIT_CONVENTIONS,
    derive_chart,
    format_chart,
    hand_action_evs,
)
from jost.engine.exact_answers import exact_answer

OWN_CHART = "the config's own chart"


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


def _load(path: str) -> SimulationConfig | int:
    try:
        return read_config(path)
    except ConfigError as exc:
        return fail(str(exc))


def run_exact(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if isinstance(config, int):
        return config
    try:
        answer = exact_answer(
            config.rules,
            config.strategy,
            post_split=args.post_split,
            with_chart=True,
            own_chart=OWN_CHART,
        )
    except ValueError as exc:
        return fail(str(exc))
    derived = answer.derived_chart
    assert derived is not None  # asked for with_chart
    if args.json:
        out: dict[str, object] = {
            "ev_composition_dependent": answer.ev_composition_dependent,
            "ev_basic": answer.ev_basic,
            "chart": answer.chart,
            "ev_derived": answer.ev_derived,
            "derived_chart": derived.name,
            "post_split": answer.post_split,
            "post_split_description": answer.post_split_description,
            "ev_by_upcard": answer.ev_by_upcard,
        }
        print(msgspec.json.encode(out).decode())
        return 0
    played = "own" if answer.chart == OWN_CHART else answer.chart
    print(f"rules: {derived.name.removeprefix('derived ')}")
    print(f"EV, composition-dependent play: {100 * answer.ev_composition_dependent:+.4f}%")
    print(f"EV, chart played ({played}): {100 * answer.ev_basic:+.4f}%")
    print(f"EV, derived basic strategy:     {100 * answer.ev_derived:+.4f}%")
    print(f"post-split play: {answer.post_split} ({answer.post_split_description})")
    return 0


def run_strategy(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if isinstance(config, int):
        return config
    if (args.hand is None) != (args.upcard is None):
        return fail("--hand and --upcard go together")
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
        return fail(str(exc))
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
