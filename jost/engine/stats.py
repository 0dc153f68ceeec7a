"""Sufficient statistics: from the kernel's array to a ``Tally``, exact merging, and the
summary every statistic is derived from (never from per-round lists)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import msgspec
import numpy as np

from jost.contracts import TICKS_PER_UNIT, ShardStats, Summary, Tally
from jost.engine import kernel as k

TALLY_FIELDS: tuple[str, ...] = Tally.__struct_fields__
assert len(TALLY_FIELDS) == k.N_OUT, "kernel outputs and Tally fields must line up"

Z95 = 1.959963984540054


def tally_from_array(out: np.ndarray) -> Tally:
    return Tally(**{name: int(out[i]) for i, name in enumerate(TALLY_FIELDS)})


def add_tallies(tallies: Iterable[Tally]) -> Tally:
    sums = dict.fromkeys(TALLY_FIELDS, 0)
    for tally in tallies:
        for name in TALLY_FIELDS:
            sums[name] += getattr(tally, name)
    return Tally(**sums)


def merge(stats: Iterable[ShardStats]) -> ShardStats:
    """Exact and order-independent: every field is an integer sum."""
    stats = list(stats)
    if not stats:
        raise ValueError("merge needs at least one ShardStats")
    return ShardStats(
        total=add_tallies(s.total for s in stats), shards=sum(s.shards for s in stats)
    )


def summarize(stats: ShardStats) -> Summary:
    t = stats.total
    if t.rounds == 0:
        raise ValueError("no rounds to summarize")
    n = t.rounds
    unit = float(TICKS_PER_UNIT)
    ev = t.net / t.initial
    # Ratio estimator of net / initial bet; its variance by the delta method, from the sums of
    # squares and cross products (exact for flat bets, where it is var(net) / bet^2 / n).
    mean_bet = t.initial / n
    resid_sq = t.net_sq - 2 * ev * t.net_x_initial + ev * ev * t.initial_sq
    var_resid = max(resid_sq / n, 0.0) * n / max(n - 1, 1)
    ev_stderr = math.sqrt(var_resid / n) / mean_bet
    mean_net = t.net / n
    var_net = max(t.net_sq / n - mean_net * mean_net, 0.0) * n / max(n - 1, 1)
    freq = {
        "win": t.wins / n,
        "loss": t.losses / n,
        "push": t.pushes / n,
        "blackjack": t.blackjacks / n,
        "dealer_blackjack": t.dealer_blackjacks / n,
        "bust": t.busts / n,
        "double": t.doubles / n,
        "split": t.splits / n,
        "surrender": t.surrenders / n,
        "insurance_offered": t.insurance_offered / n,
    }
    return Summary(
        rounds=n,
        hands=t.hands,
        ev=ev,
        ev_stderr=ev_stderr,
        ev_ci95_low=ev - Z95 * ev_stderr,
        ev_ci95_high=ev + Z95 * ev_stderr,
        ev_per_round=mean_net / unit,
        sd_per_round=math.sqrt(var_net) / unit,
        total_initial_bet=t.initial / unit,
        total_wagered=t.wagered / unit,
        wager_ratio=t.wagered / t.initial,
        frequencies=freq,
    )


def summary_dict(summary: Summary) -> dict:
    return msgspec.to_builtins(summary)
