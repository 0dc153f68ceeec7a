"""The simulation engine: a complete config in, exact statistics out.

``plan_shards`` splits a job into shards, ``run_shard`` plays one (deterministic for a config,
seed and shard index), ``merge`` adds shard statistics exactly and ``summarize`` derives EV,
standard error, SD and frequencies from them. ``simulate`` does all of it on local cores.

The names load on first use (PEP 562): ``simulate``, ``run_shard`` and ``plan_shards`` live
beside the numba kernel, and importing a submodule (``jost.engine.validate``, say) runs this
file first, so eager imports here would load numba (~0.35 s) into every process that only
builds or checks a game.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jost.engine.local import simulate
    from jost.engine.shards import plan_shards, run_shard
    from jost.engine.stats import merge, summarize

_HOMES = {
    "merge": "jost.engine.stats",
    "plan_shards": "jost.engine.shards",
    "run_shard": "jost.engine.shards",
    "simulate": "jost.engine.local",
    "summarize": "jost.engine.stats",
}
"""Each public name and the module that defines it."""

__all__ = ["merge", "plan_shards", "run_shard", "simulate", "summarize"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        # An AttributeError also lets ``from jost.engine import kernel`` import the submodule.
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next look-up is an ordinary global
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
