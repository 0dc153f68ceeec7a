"""Compare ``jost simulate CONFIG --json`` with the reference game, key by key.

    python -m tests.reference.compare CONFIG.json --ref-rounds N --eng-rounds M --seed S

runs the engine (a subprocess) and the reference (all cores), prints a table of z values and
exits 1 when any |z| exceeds the family-wise limit (:func:`z_limit`). Keys: win_per_100,
sd_per_100, avg_bet, ev, the engine's per-round ``frequencies`` (win, loss, push, blackjack,
bust, double, split, surrender, insurance...) and, per count at the bet, frequency and ev.
Each comparison:

    z = (engine - reference) / sqrt(se_eng^2 + se_ref^2)

The reference's standard errors are batch means over blocks of consecutive rounds (the delta
method for ratios). The engine reports ``ev_stderr`` overall and per count; for the other keys
its error is taken as the reference's scaled by sqrt(n_ref / n_eng), which is why the engine is
run with many more rounds than the reference.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

from tests.reference.game import RefResult, estimates, parse_config, play

CHUNKS = 8
"""The reference's rounds are split into this many independent streams (whatever the number of
cores, so that a seed gives the same numbers on every machine)."""
BLOCKS_PER_CHUNK = 25
FAMILY_ALPHA = 0.001
"""The chance that a correct engine fails one setup's comparisons, all keys together."""


def z_limit(n: int, alpha: float = FAMILY_ALPHA) -> float:
    """The |z| a set of ``n`` comparisons may reach: Bonferroni, two-sided, family-wise
    ``alpha`` (4.3 for 50 keys at 0.1%). A setup compares 40-60 keys, so a flat limit such as
    3 would fail a correct engine in most runs."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(n, 1)))


@dataclass(frozen=True)
class Comparison:
    key: str
    engine: float
    reference: float
    se_engine: float
    se_reference: float

    @property
    def z(self) -> float:
        se = math.hypot(self.se_engine, self.se_reference)
        if se == 0:
            return 0.0 if self.engine == self.reference else math.inf
        return (self.engine - self.reference) / se


def jost_executable() -> str:
    beside = Path(sys.executable).parent / "jost"
    if beside.exists():
        return str(beside)
    found = shutil.which("jost")
    if found is None:
        raise RuntimeError("the jost command is not installed")
    return found


def engine_command(config_path: str | Path, rounds: int, seed: int) -> list[str]:
    return [
        jost_executable(),
        "simulate",
        str(config_path),
        "--json",
        "--rounds",
        str(rounds),
        "--seed",
        str(seed),
    ]


def run_engine(config_path: str | Path, rounds: int, seed: int) -> dict[str, Any]:
    done = subprocess.run(
        engine_command(config_path, rounds, seed), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"jost simulate failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def _play_chunk(job: tuple[dict[str, Any], int, str, int]) -> RefResult:
    config, rounds, seed, blocks = job
    return play(config, rounds, seed, blocks)


def run_reference(
    config: dict[str, Any],
    rounds: int,
    seed: int,
    processes: int | None = None,
    chunks: int = CHUNKS,
    blocks_per_chunk: int = BLOCKS_PER_CHUNK,
) -> RefResult:
    """``rounds`` reference rounds in ``chunks`` independent streams (seeded by ``seed`` and the
    chunk's index), on ``processes`` cores (default: all), block sums merged."""
    parse_config(config)  # reject an unsupported config here, not in the workers
    jobs = [
        (
            config,
            rounds * (i + 1) // chunks - rounds * i // chunks,
            f"ref:{seed}:{i}",
            blocks_per_chunk,
        )
        for i in range(chunks)
    ]
    processes = min(processes or os.cpu_count() or 1, chunks)
    if processes == 1:
        parts = [_play_chunk(job) for job in jobs]
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ctx.Pool(processes) as pool:
            parts = pool.map(_play_chunk, jobs)
    return RefResult.merge(parts)


def comparisons(
    engine: dict[str, Any],
    reference: RefResult,
    min_count_rounds: int = 2000,
    events: bool = True,
) -> list[Comparison]:
    """The keys compared: win_per_100, sd_per_100, avg_bet, ev; with ``events``, the engine's
    per-round ``frequencies`` (win, loss, push, blackjack, double, split, ...); frequency and ev
    at every count with at least ``min_count_rounds`` reference rounds that the engine reports
    too (except the engine's lowest and highest rows, which may gather the counts beyond its
    tracked range)."""
    ref = estimates(reference, min_rounds=min_count_rounds)
    scale = math.sqrt(reference.rounds / engine["rounds"])
    out = []
    for key in ("win_per_100", "sd_per_100", "avg_bet"):
        r = ref[key]
        out.append(Comparison(key, engine[key], r.value, r.se * scale, r.se))
    r = ref["ev"]
    out.append(Comparison("ev", engine["ev"], r.value, engine["ev_stderr"], r.se))
    if events:
        for name, value in engine.get("frequencies", {}).items():
            r = ref.get(f"freq.{name}")
            if r is not None:
                out.append(Comparison(f"freq.{name}", value, r.value, r.se * scale, r.se))
    rows = engine.get("by_true_count") or []
    inner = rows[1:-1]
    for row in inner:
        c = row["true_count"]
        f, e = ref.get(f"frequency[{c:+d}]"), ref.get(f"ev[{c:+d}]")
        if f is None or e is None:
            continue
        out.append(Comparison(f"frequency[{c:+d}]", row["frequency"], f.value, f.se * scale, f.se))
        out.append(Comparison(f"ev[{c:+d}]", row["ev"], e.value, row["ev_stderr"], e.se))
    return out


def format_table(results: list[Comparison]) -> str:
    limit = z_limit(len(results))
    lines = [f"{'key':<24}{'engine':>14}{'reference':>14}{'se eng':>12}{'se ref':>12}{'z':>8}"]
    for c in results:
        flag = f"  <-- |z| > {limit:.2f}" if abs(c.z) > limit else ""
        lines.append(
            f"{c.key:<24}{c.engine:>14.6f}{c.reference:>14.6f}{c.se_engine:>12.6f}"
            f"{c.se_reference:>12.6f}{c.z:>+8.2f}{flag}"
        )
    return "\n".join(lines)


def compare(
    config: dict[str, Any] | str | Path,
    ref_rounds: int,
    eng_rounds: int,
    seed: int,
    processes: int | None = None,
    min_count_rounds: int = 2000,
    verbose: bool = False,
) -> list[Comparison]:
    """Run both sides on ``config`` (a dict or a JSON file) and compare them."""
    if isinstance(config, (str, Path)):
        path = Path(config)
        data = json.loads(path.read_text())
        engine = _engine_and_print(path, eng_rounds, seed, verbose)
    else:
        data = config
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "config.json"
            path.write_text(json.dumps(config))
            engine = _engine_and_print(path, eng_rounds, seed, verbose)
    reference = run_reference(data, ref_rounds, seed, processes)
    results = comparisons(engine, reference, min_count_rounds)
    if verbose:
        print(
            f"reference: {reference.rounds:,} rounds in {len(reference.blocks)} blocks, "
            f"{reference.mid_round_shuffles} mid-round reshuffles; engine: {engine['rounds']:,}"
        )
        print(format_table(results))
    return results


def _engine_and_print(path: Path, rounds: int, seed: int, verbose: bool) -> dict[str, Any]:
    if verbose:
        print("engine:", " ".join(engine_command(path, rounds, seed)))
    return run_engine(path, rounds, seed)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tests.reference.compare",
        description="Compare jost simulate with the independent reference game.",
    )
    p.add_argument("config", help="config JSON file")
    p.add_argument("--ref-rounds", type=int, default=2_000_000)
    p.add_argument("--eng-rounds", type=int, default=50_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--processes", type=int, default=None, help="reference processes")
    p.add_argument("--min-count-rounds", type=int, default=2000)
    args = p.parse_args(argv)
    results = compare(
        args.config,
        args.ref_rounds,
        args.eng_rounds,
        args.seed,
        processes=args.processes,
        min_count_rounds=args.min_count_rounds,
        verbose=True,
    )
    worst = max(results, key=lambda c: abs(c.z))
    limit = z_limit(len(results))
    print(f"worst: {worst.key} z = {worst.z:+.2f} (limit {limit:.2f} for {len(results)} keys)")
    return 1 if abs(worst.z) > limit else 0


if __name__ == "__main__":
    sys.exit(main())
