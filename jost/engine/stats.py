"""Sufficient statistics: from the kernel's arrays to a ``Tally``, exact merging, and the
summary every statistic is derived from (never from per-round lists)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from statistics import NormalDist

import numpy as np

from jost.contracts import (
    CountBin,
    Risk,
    ShardStats,
    SimulationConfig,
    Summary,
    Tally,
    TrueCountRow,
)
from jost.engine import layout

TALLY_FIELDS: tuple[str, ...] = Tally.__struct_fields__
BIN_FIELDS: tuple[str, ...] = CountBin.__struct_fields__
assert len(TALLY_FIELDS) == layout.N_OUT, "kernel outputs and Tally fields must line up"
assert len(BIN_FIELDS) == layout.N_BIN_FIELDS, "kernel bins and CountBin fields must line up"

Z95 = 1.959963984540054
QUANTILES = (0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99)


def tally_from_array(out: np.ndarray) -> Tally:
    return Tally(**{name: int(x) for name, x in zip(TALLY_FIELDS, out, strict=True)})


def bin_from_row(row: np.ndarray) -> CountBin:
    return CountBin(**{name: int(x) for name, x in zip(BIN_FIELDS, row, strict=True)})


def _add(structs: Iterable, cls: type) -> object:
    fields = cls.__struct_fields__
    sums = [0] * len(fields)
    for item in structs:
        for i, name in enumerate(fields):
            sums[i] += getattr(item, name)
    return cls(**dict(zip(fields, sums, strict=True)))


def merge(stats: Iterable[ShardStats]) -> ShardStats:
    """Exact and order-independent: every field is an integer sum."""
    stats = list(stats)
    if not stats:
        raise ValueError("merge needs at least one ShardStats")
    ticks = {s.ticks_per_unit for s in stats}
    if len(ticks) != 1:
        raise ValueError(f"cannot merge shards counted in different ticks: {sorted(ticks)}")
    counts = sorted({c for s in stats for c in s.by_count})
    trips: Counter[int] = Counter()
    for s in stats:
        trips.update(s.trip_results)
    return ShardStats(
        total=_add((s.total for s in stats), Tally),
        shards=sum(s.shards for s in stats),
        ticks_per_unit=ticks.pop(),
        by_count={
            c: _add((s.by_count[c] for s in stats if c in s.by_count), CountBin) for c in counts
        },
        trip_results=dict(sorted(trips.items())),
    )


def _ratio(net: int, net_sq: int, initial: int, initial_sq: int, cross: int, n: int):
    """EV per unit of initial bet (a ratio of sums) and its standard error by the delta
    method: var(net - ev * initial) / (n * mean initial^2). For flat bets this is the plain
    standard error of the mean."""
    ev = net / initial
    resid_sq = net_sq - 2 * ev * cross + ev * ev * initial_sq
    var_resid = max(resid_sq / n, 0.0) * n / max(n - 1, 1)
    return ev, math.sqrt(var_resid / n) / (initial / n)


def summarize(stats: ShardStats, config: SimulationConfig | None = None) -> Summary:
    """Every statistic of the merged shards. ``config`` adds what needs it: hourly figures
    (``table.rounds_per_hour``; 100 without one) and risk of ruin (``bankroll``)."""
    t = stats.total
    if t.rounds == 0:
        raise ValueError("no rounds played to summarize")
    unit = float(stats.ticks_per_unit)
    n = t.rounds
    dealt = t.rounds_dealt or n
    ev, ev_stderr = _ratio(t.net, t.net_sq, t.initial, t.initial_sq, t.net_x_initial, n)
    mean_net = t.net / n
    var_net = max(t.net_sq / n - mean_net * mean_net, 0.0) * n / max(n - 1, 1)
    # per round dealt (rounds sat out count, with a result of 0)
    win = t.net / dealt / unit
    var_dealt = max(t.net_sq / dealt - (t.net / dealt) ** 2, 0.0) / unit**2
    sd = math.sqrt(var_dealt)
    per_hour = config.table.rounds_per_hour if config is not None else 100.0
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
        "insurance_taken": t.insurance_taken / n,
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
        rounds_dealt=dealt,
        win_per_100=100 * win,
        sd_per_100=10 * sd,
        avg_bet=t.initial / n / unit,
        di=1000 * win / sd if sd > 0 else 0.0,
        score=math.copysign(1e6 * (win / sd) ** 2, win) if sd > 0 else 0.0,
        n0=(sd / win) ** 2 if win != 0 else None,
        ev_per_hour=win * per_hour,
        sd_per_hour=sd * math.sqrt(per_hour),
        by_true_count=_by_count(stats, dealt) if stats.by_count else None,
        risk=_risk(stats, config, win, var_dealt) if config and config.bankroll else None,
    )


def _by_count(stats: ShardStats, dealt: int) -> list[TrueCountRow]:
    unit = float(stats.ticks_per_unit)
    rows = []
    for count, b in sorted(stats.by_count.items()):
        if b.rounds == 0:
            ev, se, var, avg = 0.0, 0.0, 0.0, 0.0
        else:
            ev, se = _ratio(b.net, b.net_sq, b.initial, b.initial_sq, b.net_x_initial, b.rounds)
            mean = b.net / b.rounds
            var = max(b.net_sq / b.rounds - mean * mean, 0.0) / unit**2
            avg = b.initial / b.rounds / unit
        rows.append(
            TrueCountRow(
                true_count=count,
                frequency=b.rounds_dealt / dealt,
                ev=ev,
                ev_stderr=se,
                rounds=b.rounds,
                avg_bet=avg,
                variance=var,
            )
        )
    return rows


def ruin_formula(win: float, var: float, bankroll: float) -> float:
    """Risk of ever losing ``bankroll`` over infinite play, for a drift ``win`` and variance
    ``var`` per round (the diffusion approximation): exp(-2 win B / var), 1 when win <= 0."""
    if win <= 0 or var <= 0:
        return 1.0
    return math.exp(-2 * win * bankroll / var)


def trip_ruin_formula(win: float, var: float, bankroll: float, rounds: int) -> float:
    """Risk of losing ``bankroll`` within ``rounds`` rounds: the first-passage probability of
    a Brownian motion with that drift and variance to -bankroll."""
    if var <= 0:
        return 0.0 if win * rounds > -bankroll else 1.0
    s = math.sqrt(var * rounds)
    phi = NormalDist().cdf
    first = phi((-bankroll - win * rounds) / s)
    exponent = -2 * win * bankroll / var
    if exponent > 700:  # the second term vanishes against an overflowing factor
        return first
    return min(1.0, first + math.exp(exponent) * phi((-bankroll + win * rounds) / s))


def _risk(stats: ShardStats, config: SimulationConfig, win: float, var: float) -> Risk:
    bankroll = config.bankroll
    t = stats.total
    trips = t.trips
    simulated = t.trips_ruined / trips if trips else None
    stderr = math.sqrt(simulated * (1 - simulated) / trips) if trips else None
    return Risk(
        bankroll=bankroll.units,
        trip_rounds=bankroll.trip_rounds,
        ror_formula=ruin_formula(win, var, bankroll.units),
        trip_ror_formula=trip_ruin_formula(win, var, bankroll.units, bankroll.trip_rounds),
        trip_ror_simulated=simulated,
        trip_ror_stderr=stderr,
        trips=trips,
        quantiles=_quantiles(stats.trip_results),
    )


def _quantiles(histogram: dict[int, int]) -> dict[str, float]:
    """Quantiles of the trip results from their histogram of whole units (each result k
    stands for [k, k + 1): the lower edge is reported)."""
    total = sum(histogram.values())
    if total == 0:
        return {}
    out: dict[str, float] = {}
    items = sorted(histogram.items())
    for q in QUANTILES:
        target = q * total
        seen = 0
        for value, count in items:
            seen += count
            if seen >= target:
                out[f"p{round(q * 100):02d}"] = float(value)
                break
    return out
