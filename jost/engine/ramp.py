"""Optimal betting: the bet at each count from the EV and variance the simulator measures there.

A flat-bet run of the config (its count, deviations and wonging, one unit a spot) gives, per
count c, the share of rounds dealt played there ``p``, the mean net result per round ``m`` and
its variance ``v``. A bet of ``b`` units there adds ``p b m`` to the win rate and ``p b^2 (v +
m^2)`` to the second moment. The Kelly-proportional bet is ``b = s m / v`` (the Kelly bet for a
bankroll ``s``): with ``s = F B`` it is fraction F of Kelly for bankroll B, and since unclipped
it gives a risk of ruin exp(-2 B / s), ``s = 2 B / -ln R`` targets risk R. The bets are then
made to rise with the count (pooled where noise makes them fall), clipped to the spread, rounded
to the chip and held within the table's limits, as the table would. Clipping changes the risk,
so for a target the scale is lowered until the ramp's own figures meet it.

Because a round's cards and plays do not depend on the bet, the proposed ramp replayed with the
same seed wins and varies exactly as these sums predict (without wonging); a fresh seed is an
out-of-sample check.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import msgspec

from jost.contracts import Bankroll, Betting, SimulationConfig, Summary, TrueCountRow
from jost.engine.counting import table_bet
from jost.engine.local import simulate
from jost.engine.stats import ruin_formula, summarize

Progress = Callable[[int], None]

SCALE_STEPS = 400
"""Scales tried, geometrically down from the target's, when clipping breaks the risk target."""


class CountEdge(msgspec.Struct, frozen=True):
    """One count of the flat-bet run: ``share`` of rounds dealt played at it, ``mean`` and
    ``variance`` of a round's net result there at one unit a spot."""

    count: int
    share: float
    mean: float
    variance: float


class RampFigures(msgspec.Struct, kw_only=True):
    """A ramp's simulated figures, per round dealt, in units; ``score_stderr`` by the delta
    method from the win rate's standard error (rounds taken as independent)."""

    ramp: list[tuple[float, float]] | None
    avg_bet: float
    win_per_100: float
    sd_per_100: float
    score: float
    score_stderr: float
    n0: float | None
    ror: float
    trip_ror_simulated: float | None


class RampReport(msgspec.Struct, kw_only=True):
    """What ``jost ramp`` reports: the proposal and the config's own ramp, simulated with the
    same rounds and seed, and how the proposal was sized."""

    bankroll: float
    target_ror: float | None
    kelly: float | None
    spread: tuple[float, float]
    scale: float
    score_scale: float
    """The scale of the highest SCORE within the spread; ``scale`` is never above it."""
    target_met: bool
    predicted_ror: float
    proposed: RampFigures
    own: RampFigures
    rounds: int
    seed: int
    bets: dict[int, float]
    """The proposed bet in units at every count met."""


def count_edges(rows: list[TrueCountRow], rounds_dealt: int) -> list[CountEdge]:
    """The per-count figures of a flat-bet run (``avg_bet`` is one unit per spot played)."""
    return [
        CountEdge(
            count=r.true_count,
            share=r.rounds / rounds_dealt,
            mean=r.ev * r.avg_bet,
            variance=r.variance,
        )
        for r in rows
        if r.rounds
    ]


def rising(values: list[float], weights: list[float]) -> list[float]:
    """The weighted least-squares non-decreasing fit (pool adjacent violators): a ramp may not
    fall as the count rises, and where noise says it should the neighbours share one bet."""
    blocks: list[list[float]] = []  # [weighted sum, weight, length]
    for v, w in zip(values, weights, strict=True):
        blocks.append([v * w, w, 1])
        while len(blocks) > 1 and _mean(blocks[-2]) > _mean(blocks[-1]):
            s, w2, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += w2
            blocks[-1][2] += n
    out: list[float] = []
    for b in blocks:
        out.extend([_mean(b)] * int(b[2]))
    return out


def _mean(block: list[float]) -> float:
    return block[0] / block[1] if block[1] > 0 else 0.0


def ramp_bets(
    edges: list[CountEdge], scale: float, spread: tuple[float, float], betting: Betting
) -> list[float]:
    """The bet in units at each count: ``scale`` times mean over variance where the count
    pays, the spread's minimum where it does not; made rising, clipped, rounded as the table
    takes it (to whole units if the config names no chip)."""
    low, high = spread
    if betting.chip is None:  # without a chip a player bets whole units
        betting = msgspec.structs.replace(betting, chip=betting.unit)
    kelly = [scale * e.mean / e.variance if e.mean > 0 and e.variance > 0 else low for e in edges]
    fitted = rising(kelly, [e.share for e in edges])
    return [table_bet(betting, min(max(b, low), high)) / betting.unit for b in fitted]


def predict(edges: list[CountEdge], bets: list[float]) -> tuple[float, float]:
    """Win rate and variance per round dealt of betting ``bets`` at the edges' counts."""
    win = sum(e.share * b * e.mean for e, b in zip(edges, bets, strict=True))
    second = sum(
        e.share * b * b * (e.variance + e.mean**2) for e, b in zip(edges, bets, strict=True)
    )
    return win, max(second - win * win, 0.0)


class Sizing(msgspec.Struct, frozen=True):
    """How a ramp was sized: its ``scale``, ``bets`` by count, predicted risk of ruin, whether
    the target is met, and the scale of the highest SCORE within the spread."""

    scale: float
    bets: list[float]
    risk: float
    met: bool
    score_scale: float


def _score(edges: list[CountEdge], bets: list[float]) -> float:
    win, var = predict(edges, bets)
    return win * win / var if var > 0 and win > 0 else -math.inf


def score_scale(
    edges: list[CountEdge], start: float, spread: tuple[float, float], betting: Betting
) -> float:
    """The scale whose ramp has the highest predicted SCORE within the spread: unclipped, any
    scale gives the same SCORE; clipped, past this one a ramp adds risk faster than win."""
    scales = [start * 0.98**i for i in range(-SCALE_STEPS // 2, SCALE_STEPS)]
    return max(scales, key=lambda x: _score(edges, ramp_bets(edges, x, spread, betting)))


def size_ramp(
    edges: list[CountEdge],
    bankroll: float,
    spread: tuple[float, float],
    betting: Betting,
    ror: float | None = None,
    kelly: float | None = None,
) -> Sizing:
    """Size the ramp for the bankroll. The scale is ``kelly`` times the bankroll, or
    2 B / -ln R for a target risk R, but never past the SCORE-optimal scale (a bigger one only
    moves the clipped ramp towards a jump to the top bet, at a lower SCORE and win per unit of
    risk). With ``ror`` it is then lowered, if clipping pushed the risk over R, to the largest
    scale that meets it (or, if none does, to the one of least risk)."""
    if (ror is None) == (kelly is None):
        raise ValueError("give exactly one of a target risk of ruin or a Kelly fraction")
    if ror is not None and not 0 < ror < 1:
        raise ValueError(f"risk of ruin {ror:g}: need 0 < R < 1")
    target = kelly * bankroll if kelly is not None else 2 * bankroll / -math.log(ror)  # type: ignore[arg-type]
    best_score = score_scale(edges, target, spread, betting)
    start = min(target, best_score)
    best: Sizing | None = None
    for i in range(SCALE_STEPS):
        scale = start * 0.98**i
        bets = ramp_bets(edges, scale, spread, betting)
        risk = ruin_formula(*predict(edges, bets), bankroll)
        if ror is None or risk <= ror:
            return Sizing(scale, bets, risk, True, best_score)
        if best is None or risk < best.risk:
            best = Sizing(scale, bets, risk, False, best_score)
    assert best is not None
    return best


def ramp_pairs(edges: list[CountEdge], bets: list[float]) -> list[tuple[float, float]]:
    """The bets as the config's ``betting.ramp``: a pair where the bet changes (below the
    first pair the engine bets one unit, so the lowest count gets a pair unless it bets one)."""
    pairs: list[tuple[float, float]] = []
    current = 1.0
    for e, b in zip(edges, bets, strict=True):
        if b != current or (not pairs and b != 1.0):
            pairs.append((float(e.count), b))
            current = b
    return pairs or [(float(edges[0].count), bets[0])]


def default_spread(betting: Betting) -> tuple[float, float]:
    """The spread of the config's own ramp: one unit (below its first pair) to its top."""
    if not betting.ramp:
        raise ValueError("the config has no ramp: give the spread (--spread MIN-MAX)")
    units = [1.0] + [u for _, u in betting.ramp]
    return min(units), max(units)


def with_betting(
    config: SimulationConfig, ramp: list[tuple[float, float]] | None, bankroll: float
) -> SimulationConfig:
    trip = config.bankroll.trip_rounds if config.bankroll else Bankroll(units=1).trip_rounds
    return msgspec.structs.replace(
        config,
        betting=msgspec.structs.replace(config.betting, ramp=ramp),
        bankroll=Bankroll(units=bankroll, trip_rounds=trip),
    )


def figures(ramp: list[tuple[float, float]] | None, s: Summary) -> RampFigures:
    win = s.win_per_100 / 100
    sd = s.sd_per_100 / 10
    dealt = s.rounds_dealt or s.rounds
    # SCORE = 1e6 (w/sd)^2; SE(w) = sd / sqrt(N): SE(SCORE) = 2e6 |w| / (sd sqrt N)
    score_se = 2e6 * abs(win) / (sd * math.sqrt(dealt)) if sd > 0 else 0.0
    assert s.risk is not None
    return RampFigures(
        ramp=ramp,
        avg_bet=s.avg_bet,
        win_per_100=s.win_per_100,
        sd_per_100=s.sd_per_100,
        score=s.score,
        score_stderr=score_se,
        n0=s.n0,
        ror=s.risk.ror_formula,
        trip_ror_simulated=s.risk.trip_ror_simulated,
    )


def optimal_ramp(
    config: SimulationConfig,
    bankroll: float,
    ror: float | None = None,
    kelly: float | None = None,
    spread: tuple[float, float] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    check_seed: int | None = None,
) -> RampReport:
    """Measure the config's counts flat, size the ramp, and simulate it beside the config's
    own ramp with the same rounds and seed (``check_seed``: replay both with another seed
    instead, out of sample). Three simulations of ``config.rounds`` each."""
    if config.strategy.count is None:
        raise ValueError("optimal betting needs a count: set strategy.count")
    spread = spread or default_spread(config.betting)
    if not 0 < spread[0] <= spread[1]:
        raise ValueError(f"spread {spread[0]:g}-{spread[1]:g}: need 0 < MIN <= MAX")
    # one unit a spot, whatever the table's limits and chips would make of it
    flat_betting = Betting(unit=config.betting.unit, wonging=config.betting.wonging)
    flat_config = msgspec.structs.replace(config, betting=flat_betting, bankroll=None)
    flat = summarize(simulate(flat_config, workers, progress))
    edges = count_edges(flat.by_true_count or [], flat.rounds_dealt or flat.rounds)
    if not edges:
        raise ValueError("the flat-bet run met no count")
    sized = size_ramp(edges, bankroll, spread, config.betting, ror, kelly)
    pairs = ramp_pairs(edges, sized.bets)
    replay = config if check_seed is None else msgspec.structs.replace(config, seed=check_seed)
    proposed_config = with_betting(replay, pairs, bankroll)
    proposed = summarize(simulate(proposed_config, workers, progress), proposed_config)
    own_config = with_betting(replay, config.betting.ramp, bankroll)
    own = summarize(simulate(own_config, workers, progress), own_config)
    return RampReport(
        bankroll=bankroll,
        target_ror=ror,
        kelly=kelly,
        spread=spread,
        scale=sized.scale,
        score_scale=sized.score_scale,
        target_met=sized.met,
        predicted_ror=sized.risk,
        proposed=figures(pairs, proposed),
        own=figures(config.betting.ramp, own),
        rounds=replay.rounds,
        seed=replay.seed,
        bets={e.count: b for e, b in zip(edges, sized.bets, strict=True)},
    )
