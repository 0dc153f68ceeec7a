"""The simulation engine: a complete config in, exact statistics out.

``plan_shards`` splits a job into shards, ``run_shard`` plays one (deterministic for a config,
seed and shard index), ``merge`` adds shard statistics exactly and ``summarize`` derives EV,
standard error, SD and frequencies from them. ``simulate`` does all of it on local cores.
"""

from jost.engine.local import simulate
from jost.engine.shards import plan_shards, run_shard
from jost.engine.stats import merge, summarize

__all__ = ["merge", "plan_shards", "run_shard", "simulate", "summarize"]
