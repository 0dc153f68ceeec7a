"""Configs for platform tests. They carry their own chart (hit below 12, stand from 12; never
split) so the tests do not depend on the shipped chart files."""

from __future__ import annotations

from typing import Any

from jost.contracts import PAIR_ROWS, Chart

SIMPLE_CHART = Chart(
    name="stand-on-12",
    hard={str(t): ["H" if t < 12 else "S"] * 10 for t in range(4, 22)},
    soft={str(t): ["H" if t < 18 else "S"] * 10 for t in range(12, 22)},
    pairs={p: ["N"] * 10 for p in PAIR_ROWS},
)


def config(rounds: int, shard_rounds: int, seed: int) -> dict[str, Any]:
    import msgspec

    return {
        "rounds": rounds,
        "shard_rounds": shard_rounds,
        "seed": seed,
        "strategy": {"playing": msgspec.to_builtins(SIMPLE_CHART)},
    }
