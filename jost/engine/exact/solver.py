"""The analysis of one dealer upcard: every hand's action values, composition-dependent and
under a total-dependent chart, and the chart column best for the rules.

All values inside are *joint* expectations per unit of the hand's initial bet: under a peeking
dealer (and ENHC where only the original bet is lost, which is the same game) the result times
the indicator "dealer has no blackjack", so that decisions and sums stay linear; the round value
subtracts the probability of a dealer blackjack. Under ENHC-all the dealer's blackjack is simply
one of the dealer's outcomes.

Post-split conventions (``POST_SPLIT_CONVENTIONS`` in ``__init__``): each split hand is valued
on its own cards with the shoe reduced by the pair cards split so far (``k`` extra pair cards
removed); the cards drawn to the other split hands are not taken into account, and resplits
are taken whenever allowed. What differs is the play of the split hands in composition-dependent
EVs: optimal for each ``k`` (``PS_PER_LEVEL``), the play optimal for the same cards before any
split (``PS_PRE_SPLIT``), or the play optimal for the first split (``k = 1``) at every level
(``PS_FIRST_SPLIT``). Chart play (``ev_basic``) is the chart's whatever the convention.

``solve_upcard`` is its phases in order, each a helper inlined into it and passing its arrays
as NamedTuples: the split contexts, the entries (hand and context), the dealer's rows, the
moves between entries, the composition-dependent values, the play of split hands and their
draws, the two-card hands, then the chart (valued, or improved pass by pass until it holds)
and its EV.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from jost.engine.codes import (
    DOUBLE,
    DOUBLE_STAND,
    HIT,
    KEEP,
    NO_ROW,
    NO_SPLIT,
    SPLIT,
    SPLIT_DAS,
    STAND,
    SURRENDER,
    SURRENDER_EARLY,
    SURRENDER_LATE,
    SURRENDER_NONE,
)
from jost.engine.exact.dealer import BATCH, MAX_DRAW, N_OUTCOMES, DealerTable, dealer_joint_batch
from jost.engine.exact.hands import HandLattice

# params indices.
P_ENHC_ALL, P_DAS, P_MAX_HANDS, P_RSA, P_HSA, P_SURRENDER, P_POST_SPLIT = 0, 1, 2, 3, 4, 5, 6
N_PARAMS = 7
PS_PER_LEVEL, PS_PRE_SPLIT, PS_FIRST_SPLIT = 0, 1, 2

# Columns of the per-hand action table (what each action is worth; chart codes are
# jost.engine.codes').
A_STAND, A_HIT, A_DOUBLE, A_SPLIT, A_SURRENDER, A_NATURAL = 0, 1, 2, 3, 4, 5
N_ACTIONS = 6

MAX_ITERATIONS = 30


class ChartArrays(NamedTuple):
    """A chart as codes (``jost.engine.codes``): play codes by hard and soft total, pair codes
    by pair rank index, surrender codes by total and pair rank index (NO_ROW where the chart
    has no row). The whole chart has a row per upcard (index 0 = ace), ``[upcard, total]``;
    the solver reads one upcard's column (``column``), the same fields one dimension down."""

    hard: np.ndarray
    soft: np.ndarray
    pairs: np.ndarray
    sur_hard: np.ndarray
    sur_soft: np.ndarray
    sur_pairs: np.ndarray

    def column(self, up: int) -> ChartArrays:
        """Upcard ``up``'s column, views the solver reads and (deriving) writes."""
        return ChartArrays(*(table[up] for table in self))

    @staticmethod
    def empty() -> ChartArrays:
        return ChartArrays(
            np.zeros((10, 22), np.int64),
            np.zeros((10, 22), np.int64),
            np.zeros((10, 10), np.int64),
            np.full((10, 22), NO_ROW, np.int64),
            np.full((10, 22), NO_ROW, np.int64),
            np.full((10, 10), NO_ROW, np.int64),
        )


class Opening(NamedTuple):
    """The two-card hands against this upcard: ``prob[a, b]`` the probability of the hand of
    rank indices a <= b, ``pbj[a, b]`` that of a dealer blackjack behind it."""

    prob: np.ndarray
    pbj: np.ndarray


class ChartValues(NamedTuple):
    """Values under the chart: per entry ``cval`` (played by the chart) and ``chit`` (hit,
    then the chart); per pair rank ``split`` (split and played by the chart, NaN: no split)."""

    cval: np.ndarray
    chit: np.ndarray
    split: np.ndarray


class UpcardOut(NamedTuple):
    """What the analysis of one upcard fills: ``actions[a, b, column]``, ``prob[a, b]`` and
    ``ev`` = (composition-dependent EV, the chart's EV, chart passes)."""

    actions: np.ndarray
    prob: np.ndarray
    ev: np.ndarray


class Contexts(NamedTuple):
    """Context 0 holds the unsplit hands; context ``1 + pair * kmax + (k - 1)`` the hands of a
    split pair with ``k`` pair cards besides the hand's own removed (k + 1 hands so far).
    ``pair[c]``/``k[c]`` describe context c (pair -1: unused); ``top[p]`` is the most hands
    pair p may be split into."""

    pair: np.ndarray
    k: np.ndarray
    top: np.ndarray
    kmax: int


class Entries(NamedTuple):
    """The (context, hand) pairs that can occur, by decreasing hard total so that a hand's
    successors come before it: ``idx[c, i]`` is the entry of hand i in context c (-1: none);
    entry e is hand ``node[e]`` in context ``ctx[e]`` and reads the dealer row ``slot[e]``;
    ``lv_start[h]:lv_end[h]`` are the entries of hard total h."""

    idx: np.ndarray
    ctx: np.ndarray
    node: np.ndarray
    slot: np.ndarray
    lv_start: np.ndarray
    lv_end: np.ndarray
    n_slots: int


class Moves(NamedTuple):
    """Per entry: the entry each card leads to (-1: bust or none), the card's probability,
    the value of busting on it, the value of standing, and whether the hand may double or must
    stand (a split ace that may not be hit)."""

    child: np.ndarray
    prob: np.ndarray
    bust: np.ndarray
    stand: np.ndarray
    dbl_ok: np.ndarray
    hold: np.ndarray


class Values(NamedTuple):
    """Composition-dependent values per entry: hit (then play on optimally), double, best."""

    hit: np.ndarray
    dbl: np.ndarray
    best: np.ndarray


@njit(cache=True, nogil=True)
def _soft_total(hard: int, has_ace: bool) -> tuple[int, bool]:
    if has_ace and hard + 10 <= 21:
        return hard + 10, True
    return hard, False


@njit(cache=True, nogil=True)
def _stand(dd: np.ndarray, total: int, enhc_all: bool) -> float:
    """Joint value of standing on ``total`` against the dealer's outcome row ``dd``."""
    v = dd[5]
    for o in range(5):
        d = 17 + o
        if total > d:
            v += dd[o]
        elif total < d:
            v -= dd[o]
    if enhc_all:
        v -= dd[6]
    return v


@njit(cache=True, nogil=True)
def _code(hard_c: np.ndarray, soft_c: np.ndarray, hard: int, has_ace: bool) -> int:
    total, soft = _soft_total(hard, has_ace)
    if soft:
        return soft_c[total]
    return hard_c[total]


@njit(cache=True, nogil=True)
def _split_value(pair: int, top: int, v: np.ndarray, ph: np.ndarray) -> float:
    """Expected total of the split hands: hands are completed left to right; a hand at level h
    (h hands so far) draws from ``ph[h]``; drawing the pair card below ``top`` hands resplits,
    anything else completes the hand with value ``v[h, card]``."""
    f = np.zeros((top + 2, top + 2))
    for h in range(top, 1, -1):
        done = 0.0
        for c in range(10):
            if c != pair or h == top:
                done += ph[h, c] * v[h, c]
        for q in range(1, h + 1):
            if h == top:
                f[h, q] = q * done
            else:
                f[h, q] = ph[h, pair] * f[h + 1, q + 1] + done + (1.0 - ph[h, pair]) * f[h, q - 1]
    return f[2, 2]


@njit(cache=True, nogil=True)
def _split_values(
    values: np.ndarray,
    shoe: np.ndarray,
    top: np.ndarray,
    kmax: int,
    l_two: np.ndarray,
    idx: np.ndarray,
    ph: np.ndarray,
    max_hands: int,
    out: np.ndarray,
) -> None:
    """Each pair's split value into ``out`` (NaN where it cannot be split), the split hands
    worth ``values`` (per hand of the lattice) once complete: the composition-dependent
    values, or the chart's."""
    out[:] = np.nan
    if max_hands < 2:
        return
    vv = np.zeros((max_hands + 2, 10))
    for p in range(10):
        if shoe[p] < 2:
            continue
        vv[:, :] = 0.0
        for h in range(2, top[p] + 1):
            c = 1 + p * kmax + h - 2
            for r in range(10):
                i = l_two[p, r]
                if i >= 0 and idx[c, i] >= 0:
                    vv[h, r] = values[idx[c, i]]
        out[p] = _split_value(p, top[p], vv, ph[p])


@njit(cache=True, nogil=True)
def _split_levels(pair: int, top: int, ph: np.ndarray) -> np.ndarray:
    """Expected number of draws made at each level h of the split process."""
    pi = np.zeros((top + 2, top + 2))
    pi[2, 2] = 1.0
    draws = np.zeros(top + 2)
    for h in range(2, top + 1):
        for q in range(h, 0, -1):
            m = pi[h, q]
            if m == 0.0:
                continue
            draws[h] += m
            if h < top:
                pi[h + 1, q + 1] += m * ph[h, pair]
                pi[h, q - 1] += m * (1.0 - ph[h, pair])
            else:
                pi[h, q - 1] += m
    return draws


# Inlined: as a called function it cost about 5% of benchmarks/exact.py warm.
@njit(inline="always")
def _drawn(
    e: int, value: np.ndarray, e_prob: np.ndarray, e_child: np.ndarray, e_bust: np.ndarray
) -> float:
    """The expected value of node ``e`` after one more card: ``value`` of the hand each card
    leads to, or that card's bust value where it busts the hand."""
    x = 0.0
    for r in range(10):
        pr = e_prob[e, r]
        if pr == 0.0:
            continue
        ch = e_child[e, r]
        x += pr * (value[ch] if ch >= 0 else e_bust[e, r])
    return x


# The phases of solve_upcard, in order. Inlined: the solver is one compiled function, as before
# it was split, so the phases cost nothing as calls.


@njit(inline="always")
def _contexts(shoe: np.ndarray, params: np.ndarray) -> Contexts:
    max_hands = params[P_MAX_HANDS]
    rsa = params[P_RSA] == 1
    kmax = max(max_hands - 1, 1)
    n_ctx = 1 + 10 * kmax
    ctx_pair = np.full(n_ctx, -1, np.int64)
    ctx_k = np.zeros(n_ctx, np.int64)
    top = np.zeros(10, np.int64)
    for p in range(10):
        top[p] = max_hands
        if p == 0 and not rsa:
            top[p] = min(max_hands, 2)
        if max_hands >= 2 and shoe[p] >= 2:
            for k in range(1, top[p]):
                c = 1 + p * kmax + k - 1
                ctx_pair[c] = p
                ctx_k[c] = k
    ctx_pair[0] = -1
    return Contexts(ctx_pair, ctx_k, top, kmax)


@njit(inline="always")
def _entries(shoe: np.ndarray, lat: HandLattice, cx: Contexts) -> Entries:
    """Each entry reads a dealer row ("slot"); a split hand with the pair card still addable
    shares the row of that bigger hand one level down."""
    n = lat.hard.shape[0]
    n_ctx = cx.pair.shape[0]
    idx = np.full((n_ctx, n), -1, np.int64)
    cap = n_ctx * n
    e_ctx = np.empty(cap, np.int64)
    e_node = np.empty(cap, np.int64)
    e_slot = np.empty(cap, np.int64)
    lv_start = np.zeros(23, np.int64)
    lv_end = np.zeros(23, np.int64)
    n_e = 0
    n_slots = 0
    j = 0
    while j < n:
        h = lat.hard[lat.order[j]]
        j_end = j
        while j_end < n and lat.hard[lat.order[j_end]] == h:
            j_end += 1
        lv_start[h] = n_e
        for c in range(n_ctx):
            if c > 0 and cx.pair[c] < 0:
                continue
            p = cx.pair[c]
            k = cx.k[c]
            for jj in range(j, j_end):
                i = lat.order[jj]
                if lat.cards[i] < 2 or (c > 0 and lat.counts[i, p] == 0):
                    continue
                ok = True
                for r in range(10):
                    if lat.counts[i, r] + (k if r == p else 0) > shoe[r]:
                        ok = False
                if not ok:
                    continue
                slot = -1
                if c > 0:
                    ch = lat.child[i, p]
                    if ch >= 0:
                        prev = idx[0 if k == 1 else c - 1, ch]
                        if prev >= 0:
                            slot = e_slot[prev]
                if slot < 0:
                    slot = n_slots
                    n_slots += 1
                idx[c, i] = n_e
                e_ctx[n_e] = c
                e_node[n_e] = i
                e_slot[n_e] = slot
                n_e += 1
        lv_end[h] = n_e
        j = j_end
    return Entries(idx, e_ctx[:n_e], e_node[:n_e], e_slot[:n_e], lv_start, lv_end, n_slots)


@njit(inline="always")
def _dealer_rows(
    shoe: np.ndarray, dealer: DealerTable, lat: HandLattice, cx: Contexts, en: Entries
) -> np.ndarray:
    """The dealer's outcomes for every slot's shoe, a batch of shoes at a time."""
    n_slots = en.n_slots
    n_e = en.ctx.shape[0]
    dd = np.zeros((n_slots, N_OUTCOMES))
    slot_entry = np.full(n_slots, -1, np.int64)
    for e in range(n_e):
        if slot_entry[en.slot[e]] < 0:
            slot_entry[en.slot[e]] = e
    counts_b = np.zeros((10, BATCH), np.int64)
    val = np.empty((dealer.parent.shape[0], BATCH))
    inv_ff = np.empty((MAX_DRAW + 2, BATCH))
    base_b = np.empty(BATCH)
    out_b = np.empty((N_OUTCOMES, BATCH))
    for s0 in range(0, n_slots, BATCH):
        nb = min(BATCH, n_slots - s0)
        for b in range(nb):
            e = slot_entry[s0 + b]
            i = en.node[e]
            for r in range(10):
                counts_b[r, b] = shoe[r] - lat.counts[i, r]
            if en.ctx[e] > 0:
                counts_b[cx.pair[en.ctx[e]], b] -= cx.k[en.ctx[e]]
        dealer_joint_batch(counts_b, nb, dealer, val, inv_ff, base_b, out_b)
        for b in range(nb):
            for o in range(N_OUTCOMES):
                dd[s0 + b, o] = out_b[o, b]
    return dd


@njit(inline="always")
def _moves(
    shoe: np.ndarray,
    bj: int,
    params: np.ndarray,
    double_ok: np.ndarray,
    lat: HandLattice,
    cx: Contexts,
    en: Entries,
    dd: np.ndarray,
) -> Moves:
    enhc_all = params[P_ENHC_ALL] == 1
    das = params[P_DAS] == 1
    hsa = params[P_HSA] == 1
    n_total = 0
    for r in range(10):
        n_total += shoe[r]
    n_e = en.ctx.shape[0]
    e_child = np.full((n_e, 10), -1, np.int64)
    e_prob = np.zeros((n_e, 10))
    e_bust = np.zeros((n_e, 10))
    stand = np.zeros(n_e)
    dbl_ok = np.zeros(n_e, np.bool_)
    hold = np.zeros(n_e, np.bool_)
    removed = np.zeros(10, np.int64)
    for e in range(n_e):
        c = en.ctx[e]
        i = en.node[e]
        p = cx.pair[c]
        k = cx.k[c]
        size = 0
        for r in range(10):
            removed[r] = lat.counts[i, r] + (k if r == p else 0)
            size += removed[r]
        rest = n_total - size
        for r in range(10):
            avail = shoe[r] - removed[r]
            if avail > 0 and rest > 0:
                e_prob[e, r] = avail / rest
            ch = lat.child[i, r]
            if ch >= 0:
                e_child[e, r] = en.idx[c, ch]
            if enhc_all or bj < 0 or rest <= 1:
                e_bust[e, r] = -1.0
            else:
                tens = shoe[bj] - removed[bj] - (1 if r == bj else 0)
                e_bust[e, r] = -(1.0 - tens / (rest - 1))
        total, soft = _soft_total(lat.hard[i], lat.counts[i, 0] > 0)
        stand[e] = _stand(dd[en.slot[e]], total, enhc_all)
        if lat.cards[i] == 2:
            if c > 0 and p == 0 and not hsa:
                hold[e] = True
            else:
                ok = double_ok[total, 1 if soft else 0] != 0
                dbl_ok[e] = ok and (c == 0 or das)
    return Moves(e_child, e_prob, e_bust, stand, dbl_ok, hold)


@njit(inline="always")
def _best_values(mv: Moves) -> Values:
    """Composition-dependent values, successors first."""
    n_e = mv.stand.shape[0]
    hit = np.zeros(n_e)
    dbl = np.zeros(n_e)
    best = np.zeros(n_e)
    for e in range(n_e):
        x = _drawn(e, best, mv.prob, mv.child, mv.bust)
        hit[e] = x
        dbl[e] = 2.0 * _drawn(e, mv.stand, mv.prob, mv.child, mv.bust)
        b = max(mv.stand[e], x)
        if mv.dbl_ok[e]:
            b = max(b, dbl[e])
        if mv.hold[e]:
            b = mv.stand[e]
        best[e] = b
    return Values(hit, dbl, best)


@njit(inline="always")
def _split_play(params: np.ndarray, cx: Contexts, en: Entries, mv: Moves, v: Values) -> np.ndarray:
    """The value of split hands played under the post-split convention: optimal for its own
    context (``best``), or the decision optimal in a reference context for the same cards
    (before the split, or at the first split) valued in the hand's own context."""
    mode = params[P_POST_SPLIT]
    split_v = v.best
    if mode != PS_PER_LEVEL:
        split_v = v.best.copy()
        for e in range(en.ctx.shape[0]):
            c = en.ctx[e]
            if c == 0 or mv.hold[e]:
                continue
            i = en.node[e]
            ref = en.idx[0, i] if mode == PS_PRE_SPLIT else en.idx[1 + cx.pair[c] * cx.kmax, i]
            x = _drawn(e, split_v, mv.prob, mv.child, mv.bust)
            value = mv.stand[e]
            chosen = mv.stand[ref]
            if v.hit[ref] > chosen:
                chosen = v.hit[ref]
                value = x
            if mv.dbl_ok[e] and mv.dbl_ok[ref] and v.dbl[ref] > chosen:
                value = v.dbl[e]
            split_v[e] = value
    return split_v


@njit(inline="always")
def _split_draws(shoe: np.ndarray, n_total: int, cx: Contexts, max_hands: int) -> np.ndarray:
    """``ph[p, h, r]``: the probability that a split hand of pair p at level h draws rank r;
    shared by both strategies."""
    ph = np.zeros((10, max_hands + 2, 10))
    for p in range(10):
        for h in range(2, cx.top[p] + 1):
            rest = n_total - h
            if shoe[p] - h < 0 or rest <= 0:
                continue
            for r in range(10):
                avail = shoe[r] - (h if r == p else 0)
                if avail > 0:
                    ph[p, h, r] = avail / rest
    return ph


@njit(inline="always")
def _two_card_hands(
    shoe: np.ndarray,
    n_total: int,
    bj: int,
    params: np.ndarray,
    pays: float,
    lat: HandLattice,
    en: Entries,
    mv: Moves,
    v: Values,
    split_cd: np.ndarray,
    out: UpcardOut,
    op: Opening,
) -> float:
    """The two-card hands (``op``, whose ``prob`` is ``out.prob``): their probabilities, the
    dealer's blackjack probability behind them and the round value of each action. Returns
    the composition-dependent EV."""
    pbj = op.pbj
    enhc_all = params[P_ENHC_ALL] == 1
    surrender = params[P_SURRENDER]
    ev_cd = 0.0
    for a in range(10):
        for b in range(a, 10):
            for x in range(N_ACTIONS):
                out.actions[a, b, x] = np.nan
            out.prob[a, b] = 0.0
            i = lat.two[a, b]
            if i < 0 or en.idx[0, i] < 0 or n_total < 2:
                continue
            e = en.idx[0, i]
            q = shoe[a] / n_total * (shoe[b] - (1 if a == b else 0)) / (n_total - 1)
            if a != b:
                q *= 2.0
            out.prob[a, b] = q
            if bj >= 0:
                pbj[a, b] = (shoe[bj] - lat.counts[i, bj]) / (n_total - 2)
            lose = 0.0 if enhc_all else pbj[a, b]
            if a == 0 and b == 9:
                val = (1.0 - pbj[a, b]) * pays
                out.actions[a, b, A_NATURAL] = val
                ev_cd += q * val
                continue
            val = mv.stand[e] - lose
            out.actions[a, b, A_STAND] = val
            out.actions[a, b, A_HIT] = v.hit[e] - lose
            val = max(val, v.hit[e] - lose)
            if mv.dbl_ok[e]:
                out.actions[a, b, A_DOUBLE] = v.dbl[e] - lose
                val = max(val, v.dbl[e] - lose)
            if a == b and not np.isnan(split_cd[a]):
                out.actions[a, b, A_SPLIT] = split_cd[a] - lose
                val = max(val, split_cd[a] - lose)
            if surrender == SURRENDER_LATE:
                s = -pbj[a, b] - 0.5 * (1.0 - pbj[a, b])
                out.actions[a, b, A_SURRENDER] = s
                val = max(val, s)
            elif surrender == SURRENDER_EARLY:
                out.actions[a, b, A_SURRENDER] = -0.5
                val = max(val, -0.5)
            ev_cd += q * val
    return ev_cd


@njit(inline="always")
def _starting_chart(up: int, chart: ChartArrays) -> None:
    """A first guess to improve from: hit to 12-16 against 7 or more (and an ace), else
    stand on 12 and up; soft hands hit to 17; never split or surrender."""
    for t in range(22):
        chart.hard[t] = HIT if t <= 11 else STAND
        if 12 <= t <= 16 and (up == 0 or up >= 6):
            chart.hard[t] = HIT
        chart.soft[t] = HIT if t <= 17 else STAND
        chart.sur_hard[t] = KEEP
        chart.sur_soft[t] = KEEP
    for p in range(10):
        chart.pairs[p] = NO_SPLIT
        chart.sur_pairs[p] = KEEP


@njit(inline="always")
def _fallback_weights(prob: np.ndarray, lat: HandLattice, en: Entries, mv: Moves) -> np.ndarray:
    """Weights for totals the chart never reaches: every unsplit hand hits to 21."""
    n_e = en.ctx.shape[0]
    fallback = np.zeros(n_e)
    for a in range(10):
        for b in range(a, 10):
            i = lat.two[a, b]
            if prob[a, b] > 0.0 and not (a == 0 and b == 9):
                fallback[en.idx[0, i]] += prob[a, b]
    for e in range(n_e - 1, -1, -1):
        w = fallback[e]
        if w == 0.0:
            continue
        for r in range(10):
            ch = mv.child[e, r]
            if ch >= 0:
                fallback[ch] += w * mv.prob[e, r]
    return fallback


@njit(inline="always")
def _keep_chart(chart: ChartArrays, old: np.ndarray) -> None:
    old[0, :] = chart.hard
    old[1, :] = chart.soft
    old[2, :10] = chart.pairs
    old[3, :] = chart.sur_hard
    old[4, :] = chart.sur_soft
    old[5, :10] = chart.sur_pairs


@njit(inline="always")
def _chart_unchanged(chart: ChartArrays, old: np.ndarray) -> bool:
    same = True
    for t in range(22):
        if old[0, t] != chart.hard[t] or old[1, t] != chart.soft[t]:
            same = False
        if old[3, t] != chart.sur_hard[t] or old[4, t] != chart.sur_soft[t]:
            same = False
    for p in range(10):
        if old[2, p] != chart.pairs[p] or old[5, p] != chart.sur_pairs[p]:
            same = False
    return same


@njit(inline="always")
def _derive_cells(
    h: int,
    chart: ChartArrays,
    lat: HandLattice,
    en: Entries,
    mv: Moves,
    v: Values,
    chit: np.ndarray,
    reach: np.ndarray,
    fallback: np.ndarray,
    acc: np.ndarray,
    fb: np.ndarray,
) -> None:
    """The chart's cells for hard total ``h`` (and soft total ``h + 10``): the action best over
    the hands that reach them under the chart (by ``fallback`` where none does)."""
    acc[:, :] = 0.0
    fb[:, :] = 0.0
    for e in range(en.lv_start[h], en.lv_end[h]):
        if mv.hold[e]:
            continue
        i = en.node[e]
        cell = 1 if (lat.counts[i, 0] > 0 and h <= 11) else 0
        w = reach[e]
        wf = fallback[e]
        if mv.dbl_ok[e]:
            acc[cell, 2] += w * v.dbl[e]
            acc[cell, 3] += w * chit[e]
            acc[cell, 4] += w * mv.stand[e]
            fb[cell, 2] += wf * v.dbl[e]
            fb[cell, 3] += wf * chit[e]
            fb[cell, 4] += wf * mv.stand[e]
        else:
            acc[cell, 0] += w * chit[e]
            acc[cell, 1] += w * mv.stand[e]
            fb[cell, 0] += wf * chit[e]
            fb[cell, 1] += wf * mv.stand[e]
    for cell in range(2):
        if (cell == 0 and h < 4) or (cell == 1 and h > 11):
            continue
        use = acc[cell]
        weight = 0.0
        for x in range(5):
            weight += abs(use[x])
        if weight == 0.0:
            use = fb[cell]
        opt_h = use[0] + use[3]
        opt_s = use[1] + use[4]
        opt_d = use[0] + use[2]
        opt_ds = use[1] + use[2]
        code = HIT if opt_h > opt_s else STAND
        top_v = max(opt_h, opt_s)
        if max(opt_d, opt_ds) > top_v + 1e-13 * (1.0 + abs(top_v)):
            code = DOUBLE if opt_d >= opt_ds else DOUBLE_STAND
        if cell == 0:
            chart.hard[h] = code
        else:
            chart.soft[h + 10] = code


@njit(inline="always")
def _chart_values(
    derive: bool,
    chart: ChartArrays,
    lat: HandLattice,
    en: Entries,
    mv: Moves,
    v: Values,
    reach: np.ndarray,
    fallback: np.ndarray,
    cv: ChartValues,
) -> None:
    """Each entry's value under the chart (``cv.cval``; ``cv.chit`` hitting), totals from 21
    down so successors come first; deriving, each total's cells are chosen before its hands
    are valued."""
    chit = cv.chit
    cval = cv.cval
    acc = np.zeros((2, 5))
    fb = np.zeros((2, 5))
    for h in range(21, 1, -1):
        if en.lv_end[h] == en.lv_start[h]:
            continue
        for e in range(en.lv_start[h], en.lv_end[h]):
            chit[e] = _drawn(e, cval, mv.prob, mv.child, mv.bust)
        if derive:
            _derive_cells(h, chart, lat, en, mv, v, chit, reach, fallback, acc, fb)
        for e in range(en.lv_start[h], en.lv_end[h]):
            code = _code(chart.hard, chart.soft, h, lat.counts[en.node[e], 0] > 0)
            if mv.hold[e]:
                cval[e] = mv.stand[e]
            elif mv.dbl_ok[e] and code >= DOUBLE:
                cval[e] = v.dbl[e]
            elif code in (HIT, DOUBLE):
                cval[e] = chit[e]
            else:
                cval[e] = mv.stand[e]


@njit(inline="always")
def _pair_decisions(chart: ChartArrays, lat: HandLattice, en: Entries, cv: ChartValues) -> None:
    for p in range(10):
        e = en.idx[0, lat.two[p, p]] if lat.two[p, p] >= 0 else -1
        better = e >= 0 and not np.isnan(cv.split[p]) and cv.split[p] > cv.cval[e] + 1e-13
        chart.pairs[p] = SPLIT if better else NO_SPLIT


@njit(inline="always")
def _surrender_decisions(
    params: np.ndarray,
    chart: ChartArrays,
    op: Opening,
    lat: HandLattice,
    en: Entries,
    cv: ChartValues,
) -> None:
    """Surrender a pair where that beats playing it on; a total where it does on average over
    the two-card hands of that total."""
    enhc_all = params[P_ENHC_ALL] == 1
    surrender = params[P_SURRENDER]
    prob, pbj, cval, split_ch = op.prob, op.pbj, cv.cval, cv.split
    sum_h = np.zeros(22)
    sum_s = np.zeros(22)
    for a in range(10):
        for b in range(a, 10):
            q = prob[a, b]
            if q == 0.0 or (a == 0 and b == 9):
                continue
            i = lat.two[a, b]
            lose = 0.0 if enhc_all else pbj[a, b]
            cont = cval[en.idx[0, i]] - lose
            if a == b and chart.pairs[a] == SPLIT:
                cont = split_ch[a] - lose
            if surrender == SURRENDER_EARLY:
                diff = -0.5 - cont
            else:
                diff = -pbj[a, b] - 0.5 * (1.0 - pbj[a, b]) - cont
            if a == b:
                chart.sur_pairs[a] = SURRENDER if diff > 1e-13 else KEEP
            else:
                total, soft = _soft_total(lat.hard[i], a == 0)
                if soft:
                    sum_s[total] += q * diff
                else:
                    sum_h[total] += q * diff
    for t in range(22):
        chart.sur_hard[t] = SURRENDER if sum_h[t] > 1e-15 else KEEP
        chart.sur_soft[t] = SURRENDER if sum_s[t] > 1e-15 else KEEP


@njit(inline="always")
def _chart_ev(
    params: np.ndarray,
    pays: float,
    chart: ChartArrays,
    op: Opening,
    lat: HandLattice,
    en: Entries,
    cv: ChartValues,
) -> float:
    """The chart's EV for this upcard."""
    enhc_all = params[P_ENHC_ALL] == 1
    das = params[P_DAS] == 1
    surrender = params[P_SURRENDER]
    prob, pbj, cval, split_ch = op.prob, op.pbj, cv.cval, cv.split
    ev_chart = 0.0
    for a in range(10):
        for b in range(a, 10):
            q = prob[a, b]
            if q == 0.0:
                continue
            i = lat.two[a, b]
            if a == 0 and b == 9:
                ev_chart += q * (1.0 - pbj[a, b]) * pays
                continue
            lose = 0.0 if enhc_all else pbj[a, b]
            if surrender != SURRENDER_NONE and _surrenders(
                a, b, lat.hard[i], chart.sur_hard, chart.sur_soft, chart.sur_pairs
            ):
                if surrender == SURRENDER_EARLY:
                    ev_chart -= q * 0.5
                else:
                    ev_chart += q * (-pbj[a, b] - 0.5 * (1.0 - pbj[a, b]))
            elif a == b and _splits(chart.pairs[a], das) and not np.isnan(split_ch[a]):
                ev_chart += q * (split_ch[a] - lose)
            else:
                ev_chart += q * (cval[en.idx[0, i]] - lose)
    return ev_chart


@njit(cache=True, nogil=True)
def solve_upcard(
    shoe: np.ndarray,
    up: int,
    dealer: DealerTable,
    lat: HandLattice,
    params: np.ndarray,
    double_ok: np.ndarray,
    pays: float,
    derive: bool,
    chart: ChartArrays,
    out: UpcardOut,
) -> None:
    """Analyse upcard ``up`` (rank index) drawing from ``shoe`` (the upcard removed), with the
    dealer's table for the upcard, the hand lattice of the shoe, the rules (``params``, and
    ``double_ok``, ``jost.engine.codes.double_table``).

    Fills ``out.actions[a, b]`` (round values of each action for the two-card hand of rank
    indices a <= b, NaN where not available), ``out.prob[a, b]`` (probability of the hand given
    the upcard) and ``out.ev`` = (composition-dependent EV, EV of the chart, chart passes) for
    this upcard. The ``chart`` column is read, and with ``derive`` replaced by the column best
    for the rules (total-dependent: one action per total, pair and upcard)."""
    max_hands = params[P_MAX_HANDS]
    surrender = params[P_SURRENDER]
    bj = -1  # the rank that makes a dealer blackjack behind this upcard
    if up == 0:
        bj = 9
    elif up == 9:
        bj = 0
    n_total = 0
    for r in range(10):
        n_total += shoe[r]

    cx = _contexts(shoe, params)
    en = _entries(shoe, lat, cx)
    dd = _dealer_rows(shoe, dealer, lat, cx, en)
    mv = _moves(shoe, bj, params, double_ok, lat, cx, en, dd)

    # Composition-dependent play.
    v = _best_values(mv)
    split_v = _split_play(params, cx, en, mv, v)
    ph = _split_draws(shoe, n_total, cx, max_hands)
    split_cd = np.full(10, np.nan)
    _split_values(split_v, shoe, cx.top, cx.kmax, lat.two, en.idx, ph, max_hands, split_cd)
    op = Opening(out.prob, np.zeros((10, 10)))
    out.ev[0] = _two_card_hands(shoe, n_total, bj, params, pays, lat, en, mv, v, split_cd, out, op)

    # Total-dependent play: value the chart column, or improve it until it is stable.
    n_e = en.ctx.shape[0]
    cv = ChartValues(np.zeros(n_e), np.zeros(n_e), np.full(10, np.nan))
    reach = np.zeros(n_e)
    fallback = np.zeros(n_e)
    if derive:
        _starting_chart(up, chart)
        fallback = _fallback_weights(out.prob, lat, en, mv)
    old = np.empty((6, 22), np.int64)
    passes = 0
    iterations = MAX_ITERATIONS if derive else 1
    for _ in range(iterations):
        passes += 1
        _keep_chart(chart, old)
        if derive:
            _reach(shoe, params, out.prob, lat, cx, en, mv, ph, chart, reach)
        _chart_values(derive, chart, lat, en, mv, v, reach, fallback, cv)
        # Splits under the chart, then (deriving) the pair and surrender decisions.
        _split_values(cv.cval, shoe, cx.top, cx.kmax, lat.two, en.idx, ph, max_hands, cv.split)
        if not derive:
            break
        _pair_decisions(chart, lat, en, cv)
        if surrender != SURRENDER_NONE:
            _surrender_decisions(params, chart, op, lat, en, cv)
        if _chart_unchanged(chart, old):
            break
    out.ev[1] = _chart_ev(params, pays, chart, op, lat, en, cv)
    out.ev[2] = passes


@njit(cache=True, nogil=True)
def _splits(code: int, das: bool) -> bool:
    return code == SPLIT or (code == SPLIT_DAS and das)


@njit(cache=True, nogil=True)
def _surrenders(
    a: int,
    b: int,
    hard: int,
    sur_hard: np.ndarray,
    sur_soft: np.ndarray,
    sur_pair: np.ndarray,
) -> bool:
    if a == b and sur_pair[a] != NO_ROW:
        return sur_pair[a] == SURRENDER
    total, soft = _soft_total(hard, a == 0)
    if soft:
        return sur_soft[total] == SURRENDER
    return sur_hard[total] == SURRENDER


@njit(cache=True, nogil=True)
def _reach(
    shoe: np.ndarray,
    params: np.ndarray,
    prob: np.ndarray,
    lat: HandLattice,
    cx: Contexts,
    en: Entries,
    mv: Moves,
    ph: np.ndarray,
    chart: ChartArrays,
    reach: np.ndarray,
) -> None:
    """Expected number of times each entry is played under the chart."""
    das = params[P_DAS] == 1
    max_hands = params[P_MAX_HANDS]
    surrender = params[P_SURRENDER]
    top = cx.top
    reach[:] = 0.0
    for a in range(10):
        for b in range(a, 10):
            q = prob[a, b]
            if q == 0.0 or (a == 0 and b == 9):
                continue
            i = lat.two[a, b]
            if surrender != 0 and _surrenders(
                a, b, lat.hard[i], chart.sur_hard, chart.sur_soft, chart.sur_pairs
            ):
                continue
            if a == b and max_hands >= 2 and shoe[a] >= 2 and _splits(chart.pairs[a], das):
                draws = _split_levels(a, top[a], ph[a])
                for h in range(2, top[a] + 1):
                    c = 1 + a * cx.kmax + h - 2
                    for r in range(10):
                        if r == a and h < top[a]:
                            continue
                        j = lat.two[a, r]
                        if j >= 0 and en.idx[c, j] >= 0:
                            reach[en.idx[c, j]] += q * draws[h] * ph[a, h, r]
                continue
            reach[en.idx[0, i]] += q
    for e in range(reach.shape[0] - 1, -1, -1):
        w = reach[e]
        if w == 0.0 or mv.hold[e]:
            continue
        i = en.node[e]
        code = _code(chart.hard, chart.soft, lat.hard[i], lat.counts[i, 0] > 0)
        if mv.dbl_ok[e] and code >= DOUBLE:
            continue
        if code not in (HIT, DOUBLE):
            continue
        for r in range(10):
            ch = mv.child[e, r]
            if ch >= 0:
                reach[ch] += w * mv.prob[e, r]
