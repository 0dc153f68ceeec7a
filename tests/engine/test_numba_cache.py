"""A second start must not recompile the kernel: numba's on-disk cache serves it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json
from jost.contracts import SimulationConfig
from jost.engine import kernel, run_shard
run_shard(SimulationConfig(rounds=1000, shard_rounds=1000), 0, 1000)
stats = kernel.play_rounds.stats
hits, misses = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
print(json.dumps({"hits": hits, "misses": misses}))
"""


def probe(cache_dir: Path) -> dict[str, int]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_start_loads_the_kernel_from_the_cache(tmp_path: Path) -> None:
    first = probe(tmp_path)
    second = probe(tmp_path)
    assert first["misses"] == 1 and first["hits"] == 0
    assert second == {"hits": 1, "misses": 0}
