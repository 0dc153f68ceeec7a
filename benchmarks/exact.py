"""Exact analyzer speed: seconds for one full analysis (composition-dependent EV, derived basic
strategy and its EV, dealer probabilities, every hand's action values) of 1, 2, 6 and 8 decks,
S17 DAS (the other rules at their defaults), cold and warm.

Cold: a fresh interpreter importing the analyzer and running it once (numba's on-disk cache
makes this a load, not a compile, after the very first run on a machine). Warm: best of
``--repeat`` runs in a process that has run it once already, so compile time is excluded.
Absolute times drift with the machine's load (it has two cores, and the upcards run on them in
parallel).

    python benchmarks/exact.py [--repeat R] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from jost.contracts import Rules
from jost.engine.exact import analyze

DECKS = (1, 2, 6, 8)
COMMAND = "python benchmarks/exact.py"


def rules_for(decks: int) -> Rules:
    return Rules(decks=decks, dealer_hits_soft_17=False, double_after_split=True)


def warm(decks: int, repeat: int) -> tuple[float, float]:
    """Best wall seconds of ``repeat`` runs after one warm-up run, and the CD EV."""
    rules = rules_for(decks)
    result = analyze(rules)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        analyze(rules)
        best = min(best, time.perf_counter() - started)
    return best, result.ev_composition_dependent


def cold(decks: int) -> float:
    """Seconds for import plus the first analysis, in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter();"
        "from jost.contracts import Rules; from jost.engine.exact import analyze;"
        f"analyze(Rules(decks={decks}, dealer_hits_soft_17=False, double_after_split=True));"
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per deck count")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    figures: dict[str, float | str] = {}
    for decks in DECKS:
        name = "deck" if decks == 1 else "decks"
        figures[f"seconds_{decks}_{name}_cold"] = round(cold(decks), 4)
        seconds, ev = warm(decks, args.repeat)
        figures[f"seconds_{decks}_{name}_warm"] = round(seconds, 4)
        figures[f"ev_cd_{decks}_{name}"] = ev
    figures["command"] = COMMAND + (" --json" if args.json else "")
    if args.json:
        print(json.dumps(figures))
        return
    print(f"exact analysis, S17 DAS (best of {args.repeat} warm runs)")
    print(f"{'decks':>5} {'cold s':>8} {'warm s':>8} {'CD EV %':>10}")
    for decks in DECKS:
        name = "deck" if decks == 1 else "decks"
        print(
            f"{decks:>5} {figures[f'seconds_{decks}_{name}_cold']:>8.3f} "
            f"{figures[f'seconds_{decks}_{name}_warm']:>8.3f} "
            f"{100 * float(figures[f'ev_cd_{decks}_{name}']):>+10.4f}"
        )
    print(f"reproduce: {figures['command']}")


if __name__ == "__main__":
    main()
