"""``jost indices``: the index plays that fit a config's rules, chart and count system, printed
as the config's ``deviations`` list (computed by the exact analyzer; see jost.engine.indices)."""

from __future__ import annotations

import argparse
import sys
import time

import msgspec

from jost.cli.config_file import ConfigError, fail, read_config
from jost.contracts.indices import GeneratedIndices, IndicesRequest
from jost.engine.indices import generate
from jost.terminal.client import BadTarget, PlatformClient, PlatformError, resolve_target

POLL_SECONDS = 0.5


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "indices",
        help="index plays for a config's rules and count system (exact analysis)",
        description="Compute, for the config's rules, chart (strategy.playing) and count system "
        "(strategy.count), the count from which each deviation from the chart pays, within "
        "10 counts of the neutral count: hard, soft, pairs, surrender, doubling and "
        "insurance. The list printed pastes into the config's strategy.deviations.",
    )
    p.add_argument("config", help="config JSON file (strategy.count set)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--per-count",
        type=int,
        default=12,
        metavar="N",
        help="compositions analysed exactly per count (default 12; more is slower and steadier)",
    )
    p.add_argument("--seed", type=int, default=2026, help="seed of the random deals")
    where = p.add_argument_group(
        "on the platform", "run it as a job of the platform's workers instead of here"
    )
    where.add_argument("--url", help="the platform (implies --remote)")
    where.add_argument(
        "--remote",
        action="store_true",
        help="on the platform at JOST_URL (else jost login's), with JOST_TOKEN (else login's)",
    )
    where.add_argument("--token", help="the token (default: JOST_TOKEN, else jost login's)")
    p.set_defaults(handler=run_indices)


def run_indices(args: argparse.Namespace) -> int:
    try:
        config = read_config(args.config)
    except ConfigError as exc:
        return fail(str(exc))
    if args.per_count < 1:
        return fail("--per-count must be at least 1")
    try:
        if args.url or args.remote:
            result = _remote(
                args, IndicesRequest(config=config, per_count=args.per_count, seed=args.seed)
            )
        else:
            result = generate(config, per_count=args.per_count, seed=args.seed, progress=_progress)
    except (ValueError, BadTarget) as exc:
        return fail(str(exc))
    except PlatformError as exc:
        print(f"jost: {exc}", file=sys.stderr)
        return 1
    finally:
        if sys.stderr.isatty():
            print(file=sys.stderr)
    if args.json:
        print(msgspec.json.encode(result).decode())
        return 0
    # How they were found goes to standard error, so standard output is the list alone and
    # pastes (or pipes) into a config's strategy.deviations as it is.
    print(
        f"{result.count_system}, indices on the {result.count_kind}: {result.method}",
        file=sys.stderr,
    )
    print(f"{result.compositions} compositions analysed in {result.seconds:.0f} s", file=sys.stderr)
    print("[")
    lines = [msgspec.json.encode(play).decode() for play in result.deviations]
    print(",\n".join(f"  {line}" for line in lines))
    print("]")
    return 0


def _remote(args: argparse.Namespace, request: IndicesRequest) -> GeneratedIndices:
    """Submit the analysis to the platform and follow it to its result."""
    url, token = resolve_target(args.url, args.token)
    with PlatformClient(url, token) as client:
        analysis_id = client.submit_indices(request).analysis_id
        while True:
            status = client.analysis(analysis_id)
            if status.status == "completed" and status.result is not None:
                return status.result
            if status.status == "failed":
                raise PlatformError(f"analysis {analysis_id} failed: {status.error}")
            _progress(status.compositions_done, status.compositions_total or 0)
            time.sleep(POLL_SECONDS)


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\ranalysing compositions: {done}/{total}", end="", file=sys.stderr, flush=True)
