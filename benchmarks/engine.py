"""Engine speed: rounds per second per core for the default game, for every_round shuffling, and
for a counter's game (Hi-Lo, I18 + Fab 4, a 1-12 ramp: the hilo-i18-6d-h17-das-ls-1-12 profile).

Compile time is excluded (a warm-up shard runs first; with numba's cache a second start only
loads machine code, and the warm-up time is printed so that shows). Absolute speeds drift with
the machine's load, so with ``--floor`` the shared floor kernel (shuffle, deal, hit/stand only)
runs in the same process run and the ratio to it is the figure to compare across days.

    python benchmarks/engine.py [--rounds N] [--repeat R] [--floor PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import msgspec

from jost.cli.config_file import read_config, read_profile
from jost.contracts import SimulationConfig
from jost.engine.game import build_game
from jost.engine.shards import run_shard

COUNTING_PROFILE = "hilo-i18-6d-h17-das-ls-1-12"
DEFAULT_FLOOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "floor_kernel.py"


def rate(config: SimulationConfig, rounds: int, repeat: int) -> float:
    """Best of ``repeat`` single-thread runs, in rounds per second."""
    game = build_game(config)
    best = 0.0
    for i in range(repeat):
        started = time.perf_counter()
        run_shard(config, i + 1, rounds, game)
        best = max(best, rounds / (time.perf_counter() - started))
    return best


def floor_rate(path: Path) -> float | None:
    if not path.exists():
        return None
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, check=True
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["rounds_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--floor", type=Path, default=DEFAULT_FLOOR, help="floor kernel script")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    config = read_config(None)
    raw = msgspec.to_builtins(config)
    raw["rules"]["shuffle"] = "every_round"
    every_round = msgspec.convert(raw, SimulationConfig)

    started = time.perf_counter()
    run_shard(config, 0, 10_000)
    warmup = time.perf_counter() - started

    counter = read_profile(COUNTING_PROFILE).config
    run_shard(counter, 0, 10_000)

    cut_card = rate(config, args.rounds, args.repeat)
    fresh = rate(every_round, args.rounds, args.repeat)
    counting = rate(counter, args.rounds, args.repeat)
    floor = floor_rate(args.floor)
    result = {
        "rounds_per_second_per_core": round(cut_card),
        "every_round_rounds_per_second_per_core": round(fresh),
        "every_round_slowdown": round(cut_card / fresh, 3),
        "counting_rounds_per_second_per_core": round(counting),
        "counting_cost": round(1 - counting / cut_card, 3),
        "warmup_seconds": round(warmup, 3),
        "floor_rounds_per_second": round(floor) if floor else None,
        "ratio_to_floor": round(cut_card / floor, 3) if floor else None,
        "rounds": args.rounds,
        "repeat": args.repeat,
    }
    command = f"python benchmarks/engine.py --rounds {args.rounds} --repeat {args.repeat}"
    if args.json:
        print(json.dumps(result))
        return
    print("default game: 6 decks, S17, DAS, 3:2, 75% cut card, basic strategy, 1 seat, flat bet")
    print(f"  cut card     {cut_card / 1e6:8.2f} M rounds/s per core")
    print(f"  every round  {fresh / 1e6:8.2f} M rounds/s per core ({cut_card / fresh:.2f}x slower)")
    print(
        f"  counting     {counting / 1e6:8.2f} M rounds/s per core "
        f"({(1 - counting / cut_card) * 100:.0f}% slower: {COUNTING_PROFILE})"
    )
    print(f"  warm-up      {warmup:8.3f} s (compile, or cache load on a second start)")
    if floor:
        print(f"  floor kernel {floor / 1e6:8.2f} M rounds/s -> ratio {cut_card / floor:.3f}")
    print(f"reproduce: {command}")


if __name__ == "__main__":
    main()
