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
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jost.engine.exact.dealer import BATCH, MAX_DRAW, N_OUTCOMES, dealer_joint_batch

# Chart codes.
HIT, STAND, DOUBLE, DOUBLE_STAND = 0, 1, 2, 3
NO_SPLIT, SPLIT, SPLIT_DAS = 0, 1, 2
NO_ROW, KEEP, SURRENDER = -1, 0, 1

# params indices.
P_ENHC_ALL, P_DOUBLE, P_DAS, P_MAX_HANDS, P_RSA, P_HSA, P_SURRENDER = 0, 1, 2, 3, 4, 5, 6
P_POST_SPLIT = 7
N_PARAMS = 8
PS_PER_LEVEL, PS_PRE_SPLIT, PS_FIRST_SPLIT = 0, 1, 2
DOUBLE_ANY, DOUBLE_9_11, DOUBLE_10_11 = 0, 1, 2
SURRENDER_NONE, SURRENDER_LATE, SURRENDER_EARLY = 0, 1, 2

# Columns of the per-hand action table.
A_STAND, A_HIT, A_DOUBLE, A_SPLIT, A_SURRENDER, A_NATURAL = 0, 1, 2, 3, 4, 5
N_ACTIONS = 6

MAX_ITERATIONS = 30


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
def _double_ok(rule: int, hard: int, soft: bool) -> bool:
    if rule == DOUBLE_ANY:
        return True
    if soft:
        return False
    if rule == DOUBLE_9_11:
        return 9 <= hard <= 11
    return 10 <= hard <= 11


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


@njit(cache=True, nogil=True)
def solve_upcard(
    shoe: np.ndarray,
    up: int,
    d_parent: np.ndarray,
    d_rank: np.ndarray,
    d_off: np.ndarray,
    d_size: np.ndarray,
    d_weight: np.ndarray,
    d_skip: np.ndarray,
    d_tstart: np.ndarray,
    d_tcard: np.ndarray,
    d_tmult: np.ndarray,
    d_tout: np.ndarray,
    l_counts: np.ndarray,
    l_hard: np.ndarray,
    l_cards: np.ndarray,
    l_child: np.ndarray,
    l_order: np.ndarray,
    l_two: np.ndarray,
    params: np.ndarray,
    pays: float,
    derive: bool,
    hard_c: np.ndarray,
    soft_c: np.ndarray,
    pair_c: np.ndarray,
    sur_hard: np.ndarray,
    sur_soft: np.ndarray,
    sur_pair: np.ndarray,
    out_actions: np.ndarray,
    out_prob: np.ndarray,
    out_ev: np.ndarray,
) -> None:
    """Analyse upcard ``up`` (rank index) drawing from ``shoe`` (the upcard removed).

    Fills ``out_actions[a, b]`` (round values of each action for the two-card hand of rank
    indices a <= b, NaN where not available), ``out_prob[a, b]`` (probability of the hand given
    the upcard) and ``out_ev`` = (composition-dependent EV, EV of the chart, chart passes) for
    this upcard. The chart column arrays are read, and with ``derive`` replaced by the column
    best for the rules (total-dependent: one action per total, pair and upcard)."""
    enhc_all = params[P_ENHC_ALL] == 1
    dbl_rule = params[P_DOUBLE]
    das = params[P_DAS] == 1
    max_hands = params[P_MAX_HANDS]
    rsa = params[P_RSA] == 1
    hsa = params[P_HSA] == 1
    surrender = params[P_SURRENDER]
    bj = -1
    if up == 0:
        bj = 9
    elif up == 9:
        bj = 0
    n_total = 0
    for r in range(10):
        n_total += shoe[r]
    n = l_hard.shape[0]

    # Contexts: 0 the unsplit hands; 1 + pair * kmax + (k - 1) the hands of a split pair with
    # k pair cards besides the hand's own removed (k + 1 hands so far).
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

    # Entries: the (context, hand) pairs that can occur, by decreasing hard total so that a
    # hand's successors come before it. Each reads a dealer row ("slot"); a split hand with
    # the pair card still addable shares the row of that bigger hand one level down.
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
        h = l_hard[l_order[j]]
        j_end = j
        while j_end < n and l_hard[l_order[j_end]] == h:
            j_end += 1
        lv_start[h] = n_e
        for c in range(n_ctx):
            if c > 0 and ctx_pair[c] < 0:
                continue
            p = ctx_pair[c]
            k = ctx_k[c]
            for jj in range(j, j_end):
                i = l_order[jj]
                if l_cards[i] < 2 or (c > 0 and l_counts[i, p] == 0):
                    continue
                ok = True
                for r in range(10):
                    if l_counts[i, r] + (k if r == p else 0) > shoe[r]:
                        ok = False
                if not ok:
                    continue
                slot = -1
                if c > 0:
                    ch = l_child[i, p]
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

    # Dealer rows, a batch of shoes at a time.
    dd = np.zeros((n_slots, N_OUTCOMES))
    slot_entry = np.full(n_slots, -1, np.int64)
    for e in range(n_e):
        if slot_entry[e_slot[e]] < 0:
            slot_entry[e_slot[e]] = e
    counts_b = np.zeros((10, BATCH), np.int64)
    val = np.empty((d_parent.shape[0], BATCH))
    inv_ff = np.empty((MAX_DRAW + 2, BATCH))
    base_b = np.empty(BATCH)
    out_b = np.empty((N_OUTCOMES, BATCH))
    for s0 in range(0, n_slots, BATCH):
        nb = min(BATCH, n_slots - s0)
        for b in range(nb):
            e = slot_entry[s0 + b]
            i = e_node[e]
            for r in range(10):
                counts_b[r, b] = shoe[r] - l_counts[i, r]
            if e_ctx[e] > 0:
                counts_b[ctx_pair[e_ctx[e]], b] -= ctx_k[e_ctx[e]]
        dealer_joint_batch(
            counts_b, nb, d_parent, d_rank, d_off, d_size, d_weight,
            d_tstart, d_tcard, d_tmult, d_tout, val, inv_ff, base_b, out_b,
        )  # fmt: skip
        for b in range(nb):
            for o in range(N_OUTCOMES):
                dd[s0 + b, o] = out_b[o, b]

    # Per entry: successors, draw probabilities, bust values, stand and the doubling rule.
    e_child = np.full((n_e, 10), -1, np.int64)
    e_prob = np.zeros((n_e, 10))
    e_bust = np.zeros((n_e, 10))
    stand = np.zeros(n_e)
    dbl_ok = np.zeros(n_e, np.bool_)
    hold = np.zeros(n_e, np.bool_)
    removed = np.zeros(10, np.int64)
    for e in range(n_e):
        c = e_ctx[e]
        i = e_node[e]
        p = ctx_pair[c]
        k = ctx_k[c]
        size = 0
        for r in range(10):
            removed[r] = l_counts[i, r] + (k if r == p else 0)
            size += removed[r]
        rest = n_total - size
        for r in range(10):
            avail = shoe[r] - removed[r]
            if avail > 0 and rest > 0:
                e_prob[e, r] = avail / rest
            ch = l_child[i, r]
            if ch >= 0:
                e_child[e, r] = idx[c, ch]
            if enhc_all or bj < 0 or rest <= 1:
                e_bust[e, r] = -1.0
            else:
                tens = shoe[bj] - removed[bj] - (1 if r == bj else 0)
                e_bust[e, r] = -(1.0 - tens / (rest - 1))
        total, soft = _soft_total(l_hard[i], l_counts[i, 0] > 0)
        stand[e] = _stand(dd[e_slot[e]], total, enhc_all)
        if l_cards[i] == 2:
            if c > 0 and p == 0 and not hsa:
                hold[e] = True
            else:
                ok = _double_ok(dbl_rule, l_hard[i], soft)
                dbl_ok[e] = ok and (c == 0 or das)

    # Composition-dependent values.
    hit = np.zeros(n_e)
    dbl = np.zeros(n_e)
    best = np.zeros(n_e)
    for e in range(n_e):
        x = _drawn(e, best, e_prob, e_child, e_bust)
        hit[e] = x
        dbl[e] = 2.0 * _drawn(e, stand, e_prob, e_child, e_bust)
        b = max(stand[e], x)
        if dbl_ok[e]:
            b = max(b, dbl[e])
        if hold[e]:
            b = stand[e]
        best[e] = b

    # The play of split hands under the post-split convention: optimal for its own context
    # (``best``), or the decision optimal in a reference context for the same cards (before
    # the split, or at the first split) valued in the hand's own context.
    mode = params[P_POST_SPLIT]
    split_v = best
    if mode != PS_PER_LEVEL:
        split_v = best.copy()
        for e in range(n_e):
            c = e_ctx[e]
            if c == 0 or hold[e]:
                continue
            i = e_node[e]
            ref = idx[0, i] if mode == PS_PRE_SPLIT else idx[1 + ctx_pair[c] * kmax, i]
            x = _drawn(e, split_v, e_prob, e_child, e_bust)
            v = stand[e]
            chosen = stand[ref]
            if hit[ref] > chosen:
                chosen = hit[ref]
                v = x
            if dbl_ok[e] and dbl_ok[ref] and dbl[ref] > chosen:
                v = dbl[e]
            split_v[e] = v

    # Split draw probabilities per level, shared by both strategies.
    ph = np.zeros((10, max_hands + 2, 10))
    for p in range(10):
        for h in range(2, top[p] + 1):
            rest = n_total - h
            if shoe[p] - h < 0 or rest <= 0:
                continue
            for r in range(10):
                avail = shoe[r] - (h if r == p else 0)
                if avail > 0:
                    ph[p, h, r] = avail / rest

    split_cd = np.full(10, np.nan)
    _split_values(split_v, shoe, top, kmax, l_two, idx, ph, max_hands, split_cd)

    # The two-card hands: probabilities and round values.
    pbj = np.zeros((10, 10))
    ev_cd = 0.0
    for a in range(10):
        for b in range(a, 10):
            for x in range(N_ACTIONS):
                out_actions[a, b, x] = np.nan
            out_prob[a, b] = 0.0
            i = l_two[a, b]
            if i < 0 or idx[0, i] < 0 or n_total < 2:
                continue
            e = idx[0, i]
            q = shoe[a] / n_total * (shoe[b] - (1 if a == b else 0)) / (n_total - 1)
            if a != b:
                q *= 2.0
            out_prob[a, b] = q
            if bj >= 0:
                pbj[a, b] = (shoe[bj] - l_counts[i, bj]) / (n_total - 2)
            lose = 0.0 if enhc_all else pbj[a, b]
            if a == 0 and b == 9:
                v = (1.0 - pbj[a, b]) * pays
                out_actions[a, b, A_NATURAL] = v
                ev_cd += q * v
                continue
            v = stand[e] - lose
            out_actions[a, b, A_STAND] = v
            out_actions[a, b, A_HIT] = hit[e] - lose
            v = max(v, hit[e] - lose)
            if dbl_ok[e]:
                out_actions[a, b, A_DOUBLE] = dbl[e] - lose
                v = max(v, dbl[e] - lose)
            if a == b and not np.isnan(split_cd[a]):
                out_actions[a, b, A_SPLIT] = split_cd[a] - lose
                v = max(v, split_cd[a] - lose)
            if surrender == SURRENDER_LATE:
                s = -pbj[a, b] - 0.5 * (1.0 - pbj[a, b])
                out_actions[a, b, A_SURRENDER] = s
                v = max(v, s)
            elif surrender == SURRENDER_EARLY:
                out_actions[a, b, A_SURRENDER] = -0.5
                v = max(v, -0.5)
            ev_cd += q * v
    out_ev[0] = ev_cd

    # Total-dependent play: value the chart column, or improve it until it is stable.
    chit = np.zeros(n_e)
    cval = np.zeros(n_e)
    reach = np.zeros(n_e)
    fallback = np.zeros(n_e)
    split_ch = np.full(10, np.nan)
    if derive:
        for t in range(22):
            hard_c[t] = HIT if t <= 11 else STAND
            if 12 <= t <= 16 and (up == 0 or up >= 6):
                hard_c[t] = HIT
            soft_c[t] = HIT if t <= 17 else STAND
            sur_hard[t] = KEEP
            sur_soft[t] = KEEP
        for p in range(10):
            pair_c[p] = NO_SPLIT
            sur_pair[p] = KEEP
        # Weights for totals the chart never reaches: every unsplit hand hits to 21.
        for a in range(10):
            for b in range(a, 10):
                i = l_two[a, b]
                if out_prob[a, b] > 0.0 and not (a == 0 and b == 9):
                    fallback[idx[0, i]] += out_prob[a, b]
        for e in range(n_e - 1, -1, -1):
            w = fallback[e]
            if w == 0.0:
                continue
            for r in range(10):
                ch = e_child[e, r]
                if ch >= 0:
                    fallback[ch] += w * e_prob[e, r]

    old = np.empty((6, 22), np.int64)
    acc = np.zeros((2, 5))
    fb = np.zeros((2, 5))
    passes = 0
    iterations = MAX_ITERATIONS if derive else 1
    for _ in range(iterations):
        passes += 1
        old[0, :] = hard_c
        old[1, :] = soft_c
        old[2, :10] = pair_c
        old[3, :] = sur_hard
        old[4, :] = sur_soft
        old[5, :10] = sur_pair
        if derive:
            _reach(
                shoe, params, out_prob, l_hard, l_two, idx, e_node, e_ctx, e_child, e_prob,
                l_counts, dbl_ok, hold, kmax, top, ph, hard_c, soft_c, pair_c, sur_hard,
                sur_soft, sur_pair, reach,
            )  # fmt: skip
        for h in range(21, 1, -1):
            if lv_end[h] == lv_start[h]:
                continue
            for e in range(lv_start[h], lv_end[h]):
                chit[e] = _drawn(e, cval, e_prob, e_child, e_bust)
            if derive:
                acc[:, :] = 0.0
                fb[:, :] = 0.0
                for e in range(lv_start[h], lv_end[h]):
                    if hold[e]:
                        continue
                    i = e_node[e]
                    cell = 1 if (l_counts[i, 0] > 0 and h <= 11) else 0
                    w = reach[e]
                    wf = fallback[e]
                    if dbl_ok[e]:
                        acc[cell, 2] += w * dbl[e]
                        acc[cell, 3] += w * chit[e]
                        acc[cell, 4] += w * stand[e]
                        fb[cell, 2] += wf * dbl[e]
                        fb[cell, 3] += wf * chit[e]
                        fb[cell, 4] += wf * stand[e]
                    else:
                        acc[cell, 0] += w * chit[e]
                        acc[cell, 1] += w * stand[e]
                        fb[cell, 0] += wf * chit[e]
                        fb[cell, 1] += wf * stand[e]
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
                        hard_c[h] = code
                    else:
                        soft_c[h + 10] = code
            for e in range(lv_start[h], lv_end[h]):
                code = _code(hard_c, soft_c, h, l_counts[e_node[e], 0] > 0)
                if hold[e]:
                    cval[e] = stand[e]
                elif dbl_ok[e] and code >= DOUBLE:
                    cval[e] = dbl[e]
                elif code in (HIT, DOUBLE):
                    cval[e] = chit[e]
                else:
                    cval[e] = stand[e]

        # Splits under the chart, then (deriving) the pair and surrender decisions.
        _split_values(cval, shoe, top, kmax, l_two, idx, ph, max_hands, split_ch)
        if not derive:
            break
        for p in range(10):
            e = idx[0, l_two[p, p]] if l_two[p, p] >= 0 else -1
            better = e >= 0 and not np.isnan(split_ch[p]) and split_ch[p] > cval[e] + 1e-13
            pair_c[p] = SPLIT if better else NO_SPLIT
        if surrender != SURRENDER_NONE:
            sum_h = np.zeros(22)
            sum_s = np.zeros(22)
            for a in range(10):
                for b in range(a, 10):
                    q = out_prob[a, b]
                    if q == 0.0 or (a == 0 and b == 9):
                        continue
                    i = l_two[a, b]
                    lose = 0.0 if enhc_all else pbj[a, b]
                    cont = cval[idx[0, i]] - lose
                    if a == b and pair_c[a] == SPLIT:
                        cont = split_ch[a] - lose
                    if surrender == SURRENDER_EARLY:
                        diff = -0.5 - cont
                    else:
                        diff = -pbj[a, b] - 0.5 * (1.0 - pbj[a, b]) - cont
                    if a == b:
                        sur_pair[a] = SURRENDER if diff > 1e-13 else KEEP
                    else:
                        total, soft = _soft_total(l_hard[i], a == 0)
                        if soft:
                            sum_s[total] += q * diff
                        else:
                            sum_h[total] += q * diff
            for t in range(22):
                sur_hard[t] = SURRENDER if sum_h[t] > 1e-15 else KEEP
                sur_soft[t] = SURRENDER if sum_s[t] > 1e-15 else KEEP
        same = True
        for t in range(22):
            if old[0, t] != hard_c[t] or old[1, t] != soft_c[t]:
                same = False
            if old[3, t] != sur_hard[t] or old[4, t] != sur_soft[t]:
                same = False
        for p in range(10):
            if old[2, p] != pair_c[p] or old[5, p] != sur_pair[p]:
                same = False
        if same:
            break

    # The chart's EV for this upcard.
    ev_chart = 0.0
    for a in range(10):
        for b in range(a, 10):
            q = out_prob[a, b]
            if q == 0.0:
                continue
            i = l_two[a, b]
            if a == 0 and b == 9:
                ev_chart += q * (1.0 - pbj[a, b]) * pays
                continue
            lose = 0.0 if enhc_all else pbj[a, b]
            if surrender != SURRENDER_NONE and _surrenders(
                a, b, l_hard[i], sur_hard, sur_soft, sur_pair
            ):
                if surrender == SURRENDER_EARLY:
                    ev_chart -= q * 0.5
                else:
                    ev_chart += q * (-pbj[a, b] - 0.5 * (1.0 - pbj[a, b]))
            elif a == b and _splits(pair_c[a], das) and not np.isnan(split_ch[a]):
                ev_chart += q * (split_ch[a] - lose)
            else:
                ev_chart += q * (cval[idx[0, i]] - lose)
    out_ev[1] = ev_chart
    out_ev[2] = passes


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
    out_prob: np.ndarray,
    l_hard: np.ndarray,
    l_two: np.ndarray,
    idx: np.ndarray,
    e_node: np.ndarray,
    e_ctx: np.ndarray,
    e_child: np.ndarray,
    e_prob: np.ndarray,
    l_counts: np.ndarray,
    dbl_ok: np.ndarray,
    hold: np.ndarray,
    kmax: int,
    top: np.ndarray,
    ph: np.ndarray,
    hard_c: np.ndarray,
    soft_c: np.ndarray,
    pair_c: np.ndarray,
    sur_hard: np.ndarray,
    sur_soft: np.ndarray,
    sur_pair: np.ndarray,
    reach: np.ndarray,
) -> None:
    """Expected number of times each entry is played under the chart."""
    das = params[P_DAS] == 1
    max_hands = params[P_MAX_HANDS]
    surrender = params[P_SURRENDER]
    reach[:] = 0.0
    for a in range(10):
        for b in range(a, 10):
            q = out_prob[a, b]
            if q == 0.0 or (a == 0 and b == 9):
                continue
            i = l_two[a, b]
            if surrender != 0 and _surrenders(a, b, l_hard[i], sur_hard, sur_soft, sur_pair):
                continue
            if a == b and max_hands >= 2 and shoe[a] >= 2 and _splits(pair_c[a], das):
                draws = _split_levels(a, top[a], ph[a])
                for h in range(2, top[a] + 1):
                    c = 1 + a * kmax + h - 2
                    for r in range(10):
                        if r == a and h < top[a]:
                            continue
                        j = l_two[a, r]
                        if j >= 0 and idx[c, j] >= 0:
                            reach[idx[c, j]] += q * draws[h] * ph[a, h, r]
                continue
            reach[idx[0, i]] += q
    for e in range(reach.shape[0] - 1, -1, -1):
        w = reach[e]
        if w == 0.0 or hold[e]:
            continue
        i = e_node[e]
        code = _code(hard_c, soft_c, l_hard[i], l_counts[i, 0] > 0)
        if dbl_ok[e] and code >= DOUBLE:
            continue
        if code not in (HIT, DOUBLE):
            continue
        for r in range(10):
            ch = e_child[e, r]
            if ch >= 0:
                reach[ch] += w * e_prob[e, r]
