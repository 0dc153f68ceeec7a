"""``GET /api/defaults/``: the standard profiles of every kind, no token needed."""

from __future__ import annotations

from typing import Any

from litestar import get

from jost.defaults.standard import standard_profiles


@get("/api/defaults/", sync_to_thread=True)
def defaults() -> dict[str, dict[str, Any]]:
    """``{kind: {name: profile}}`` for the kinds rules, strategy, betting, simulation, chart,
    count and indices: the shipped charts, count systems and index sets, real casino rule
    sets, strategies, bet ramps and the simulations combining them (``jost/defaults/``). The
    terminal installs them as read-only defaults. Read at request time, so new data files
    show without a restart."""
    return standard_profiles()
