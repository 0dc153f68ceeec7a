"""Running a whole simulation on this machine's cores. Shards run in threads: the kernel
releases the GIL (``nogil=True``), so threads use every core without pickling configs or
starting processes, and numba compiles (or loads its cache) once."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

from jost.contracts import ShardStats, SimulationConfig
from jost.engine.game import build_game
from jost.engine.shards import plan_shards, run_shard
from jost.engine.stats import merge

Progress = Callable[[int], None]
"""Called with the rounds of each shard as it finishes."""


def simulate(
    config: SimulationConfig, workers: int | None = None, progress: Progress | None = None
) -> ShardStats:
    """Run every shard of the config's plan on ``workers`` threads (default: all cores) and
    merge them. The result does not depend on ``workers`` or on the order shards finish."""
    plan = plan_shards(config)
    game = build_game(config)
    workers = max(1, min(workers or os.cpu_count() or 1, len(plan)))
    results: list[ShardStats] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jost-shard") as pool:
        futures = {
            pool.submit(run_shard, config, index, rounds, game): rounds
            for index, rounds in enumerate(plan)
        }
        for future in as_completed(futures):
            results.append(future.result())
            if progress is not None:
                progress(futures[future])
    return merge(results)
