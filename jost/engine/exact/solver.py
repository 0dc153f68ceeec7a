"""The analysis of one dealer upcard: every hand's action values, composition-dependent and
under a total-dependent chart, and the chart column best for the rules.

All values inside are *joint* expectations per unit of the hand's initial bet: under a peeking
dealer (and ENHC where only the original bet is lost, which is the same game) the result times
the indicator "dealer has no blackjack", so that decisions and sums stay linear; the round value
subtracts the probability of a dealer blackjack. Under ENHC-all the dealer's blackjack is simply
one of the dealer's outcomes.

Post-split convention (``POST_SPLIT`` in ``__init__``): each split hand is played on its own
cards with the shoe reduced by the pair cards split so far (``k`` extra pair cards removed);
the cards drawn to the other split hands are not taken into account. Resplits are taken
whenever allowed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jost.engine.exact.dealer import MAX_DRAW, N_OUTCOMES, dealer_joint

# Chart codes.
HIT, STAND, DOUBLE, DOUBLE_STAND = 0, 1, 2, 3
NO_SPLIT, SPLIT, SPLIT_DAS = 0, 1, 2
NO_ROW, KEEP, SURRENDER = -1, 0, 1

# params indices.
P_ENHC_ALL, P_DOUBLE, P_DAS, P_MAX_HANDS, P_RSA, P_HSA, P_SURRENDER = 0, 1, 2, 3, 4, 5, 6
N_PARAMS = 7
DOUBLE_ANY, DOUBLE_9_11, DOUBLE_10_11 = 0, 1, 2
SURRENDER_NONE, SURRENDER_LATE, SURRENDER_EARLY = 0, 1, 2

# Columns of the per-hand action table.
A_STAND, A_HIT, A_DOUBLE, A_SPLIT, A_SURRENDER, A_NATURAL = 0, 1, 2, 3, 4, 5
N_ACTIONS = 6

MAX_ITERATIONS = 30


@njit(cache=True)
def _soft_total(hard: int, has_ace: bool) -> tuple[int, bool]:
    if has_ace and hard + 10 <= 21:
        return hard + 10, True
    return hard, False


@njit(cache=True)
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


@njit(cache=True)
def _double_ok(rule: int, hard: int, soft: bool) -> bool:
    if rule == DOUBLE_ANY:
        return True
    if soft:
        return False
    if rule == DOUBLE_9_11:
        return 9 <= hard <= 11
    return 10 <= hard <= 11


@njit(cache=True)
def _code(hard_c: np.ndarray, soft_c: np.ndarray, hard: int, has_ace: bool) -> int:
    total, soft = _soft_total(hard, has_ace)
    if soft:
        return soft_c[total]
    return hard_c[total]


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
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
    the upcard) and ``out_ev`` = (composition-dependent EV, EV of the chart) for this upcard.
    The chart column arrays are read, and with ``derive`` replaced by the column best for the
    rules (total-dependent: one action per total, pair and upcard)."""
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
        if max_hands >= 2:
            for k in range(1, top[p]):
                c = 1 + p * kmax + k - 1
                ctx_pair[c] = p
                ctx_k[c] = k
    active = np.zeros(n_ctx, np.bool_)
    active[0] = True
    for c in range(1, n_ctx):
        active[c] = ctx_pair[c] >= 0

    # Which (context, hand) pairs exist, and the dealer row each one reads.
    ref = np.full((n_ctx, n), -1, np.int64)
    slot_node = np.empty(n + n_ctx * n, np.int64)
    slot_ctx = np.empty(n + n_ctx * n, np.int64)
    n_slots = 0
    removed = np.zeros(10, np.int64)
    for c in range(n_ctx):
        if not active[c]:
            continue
        p = ctx_pair[c]
        k = ctx_k[c]
        for i in range(n):
            if l_cards[i] < 2 or (c > 0 and l_counts[i, p] == 0):
                continue
            ok = True
            for r in range(10):
                extra = k if r == p else 0
                if l_counts[i, r] + extra > shoe[r]:
                    ok = False
            if not ok:
                continue
            if c > 0:
                ch = l_child[i, p]
                prev = 0 if k == 1 else c - 1
                if ch >= 0 and ref[prev, ch] >= 0:
                    ref[c, i] = ref[prev, ch]
                    continue
            ref[c, i] = n_slots
            slot_node[n_slots] = i
            slot_ctx[n_slots] = c
            n_slots += 1
    dd = np.zeros((n_slots, N_OUTCOMES))
    val = np.empty(d_parent.shape[0])
    inv_ff = np.empty(MAX_DRAW + 2)
    left = np.empty(10, np.int64)
    for s in range(n_slots):
        i = slot_node[s]
        c = slot_ctx[s]
        for r in range(10):
            left[r] = shoe[r] - l_counts[i, r]
        if c > 0:
            left[ctx_pair[c]] -= ctx_k[c]
        dealer_joint(
            left, d_parent, d_rank, d_off, d_size, d_weight, d_skip,
            d_tstart, d_tcard, d_tmult, d_tout, val, inv_ff, dd[s],
        )  # fmt: skip

    # Draw probabilities and bust values of every (context, hand).
    prob = np.zeros((n_ctx, n, 10))
    bustv = np.zeros((n_ctx, n, 10))
    stand = np.zeros((n_ctx, n))
    dbl = np.zeros((n_ctx, n))
    dbl_ok = np.zeros((n_ctx, n), np.bool_)
    for c in range(n_ctx):
        if not active[c]:
            continue
        p = ctx_pair[c]
        k = ctx_k[c]
        for i in range(n):
            if ref[c, i] < 0:
                continue
            size = 0
            for r in range(10):
                removed[r] = l_counts[i, r] + (k if r == p else 0)
                size += removed[r]
            rest = n_total - size
            for r in range(10):
                avail = shoe[r] - removed[r]
                if avail > 0 and rest > 0:
                    prob[c, i, r] = avail / rest
                if enhc_all or bj < 0:
                    bustv[c, i, r] = -1.0
                elif rest > 1:
                    tens = shoe[bj] - removed[bj] - (1 if r == bj else 0)
                    bustv[c, i, r] = -(1.0 - tens / (rest - 1))
                else:
                    bustv[c, i, r] = -1.0
            total, soft = _soft_total(l_hard[i], l_counts[i, 0] > 0)
            stand[c, i] = _stand(dd[ref[c, i]], total, enhc_all)
            if l_cards[i] == 2:
                ok = _double_ok(dbl_rule, l_hard[i], soft)
                if c > 0:
                    ok = ok and das and not (p == 0 and not hsa)
                dbl_ok[c, i] = ok

    # Composition-dependent values, hands by decreasing hard total.
    hit = np.zeros((n_ctx, n))
    best = np.zeros((n_ctx, n))
    for c in range(n_ctx):
        if not active[c]:
            continue
        split_aces_stand = c > 0 and ctx_pair[c] == 0 and not hsa
        for j in range(n):
            i = l_order[j]
            if ref[c, i] < 0:
                continue
            h = 0.0
            d = 0.0
            for r in range(10):
                pr = prob[c, i, r]
                if pr == 0.0:
                    continue
                ch = l_child[i, r]
                if ch >= 0:
                    h += pr * best[c, ch]
                    d += pr * stand[c, ch]
                else:
                    h += pr * bustv[c, i, r]
                    d += pr * bustv[c, i, r]
            hit[c, i] = h
            b = max(stand[c, i], h)
            if l_cards[i] == 2:
                dbl[c, i] = 2.0 * d
                if dbl_ok[c, i]:
                    b = max(b, dbl[c, i])
                if split_aces_stand:
                    b = stand[c, i]
            best[c, i] = b

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
    vv = np.zeros((max_hands + 2, 10))
    if max_hands >= 2:
        for p in range(10):
            if shoe[p] < 2:
                continue
            vv[:, :] = 0.0
            for h in range(2, top[p] + 1):
                c = 1 + p * kmax + h - 2
                for r in range(10):
                    i = l_two[p, r]
                    if i >= 0 and ref[c, i] >= 0:
                        vv[h, r] = best[c, i]
            split_cd[p] = _split_value(p, top[p], vv, ph[p])

    # The two-card hands: probabilities and round values.
    pbj = np.zeros((10, 10))
    ev_cd = 0.0
    for a in range(10):
        for b in range(a, 10):
            for x in range(N_ACTIONS):
                out_actions[a, b, x] = np.nan
            out_prob[a, b] = 0.0
            i = l_two[a, b]
            if i < 0 or ref[0, i] < 0 or n_total < 2:
                continue
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
            v = stand[0, i] - lose
            out_actions[a, b, A_STAND] = v
            out_actions[a, b, A_HIT] = hit[0, i] - lose
            v = max(v, hit[0, i] - lose)
            if dbl_ok[0, i]:
                out_actions[a, b, A_DOUBLE] = dbl[0, i] - lose
                v = max(v, dbl[0, i] - lose)
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

    # Total-dependent play: evaluate the chart column, or improve it until it is stable.
    chit = np.zeros((n_ctx, n))
    cval = np.zeros((n_ctx, n))
    reach = np.zeros((n_ctx, n))
    fallback = np.zeros((n_ctx, n))
    split_ch = np.full(10, np.nan)
    lv_start = np.zeros(23, np.int64)
    lv_end = np.zeros(23, np.int64)
    for j in range(n):
        h = l_hard[l_order[j]]
        if lv_end[h] == 0:
            lv_start[h] = j
        lv_end[h] = j + 1

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
        # Fallback weights for totals the chart never reaches: every hand hits to 21.
        for a in range(10):
            for b in range(a, 10):
                i = l_two[a, b]
                if i >= 0 and out_prob[a, b] > 0.0 and not (a == 0 and b == 9):
                    fallback[0, i] += out_prob[a, b]
        for j in range(n - 1, -1, -1):
            i = l_order[j]
            w = fallback[0, i]
            if w == 0.0:
                continue
            for r in range(10):
                ch = l_child[i, r]
                if ch >= 0:
                    fallback[0, ch] += w * prob[0, i, r]

    old_h = np.empty(22, np.int64)
    old_s = np.empty(22, np.int64)
    old_p = np.empty(10, np.int64)
    old_sh = np.empty(22, np.int64)
    old_ss = np.empty(22, np.int64)
    old_sp = np.empty(10, np.int64)
    acc = np.zeros((2, 5))
    fb = np.zeros((2, 5))
    iterations = MAX_ITERATIONS if derive else 1
    for _ in range(iterations):
        old_h[:] = hard_c
        old_s[:] = soft_c
        old_p[:] = pair_c
        old_sh[:] = sur_hard
        old_ss[:] = sur_soft
        old_sp[:] = sur_pair
        if derive:
            _reach(
                shoe, n_total, params, bj, out_prob, pbj, l_counts, l_hard, l_cards, l_child,
                l_order, l_two, ref, prob, dbl_ok, ctx_pair, kmax, top, ph, hard_c, soft_c,
                pair_c, sur_hard, sur_soft, sur_pair, reach,
            )  # fmt: skip
        for h in range(21, 1, -1):
            if lv_end[h] == 0:
                continue
            for c in range(n_ctx):
                if not active[c]:
                    continue
                for j in range(lv_start[h], lv_end[h]):
                    i = l_order[j]
                    if ref[c, i] < 0:
                        continue
                    x = 0.0
                    for r in range(10):
                        pr = prob[c, i, r]
                        if pr == 0.0:
                            continue
                        ch = l_child[i, r]
                        x += pr * (cval[c, ch] if ch >= 0 else bustv[c, i, r])
                    chit[c, i] = x
            if derive:
                acc[:, :] = 0.0
                fb[:, :] = 0.0
                for c in range(n_ctx):
                    if not active[c]:
                        continue
                    if c > 0 and ctx_pair[c] == 0 and not hsa:
                        continue
                    for j in range(lv_start[h], lv_end[h]):
                        i = l_order[j]
                        if ref[c, i] < 0:
                            continue
                        cell = 1 if (l_counts[i, 0] > 0 and h <= 11) else 0
                        w = reach[c, i]
                        wf = fallback[c, i]
                        if l_cards[i] == 2 and dbl_ok[c, i]:
                            acc[cell, 2] += w * dbl[c, i]
                            acc[cell, 3] += w * chit[c, i]
                            acc[cell, 4] += w * stand[c, i]
                            fb[cell, 2] += wf * dbl[c, i]
                            fb[cell, 3] += wf * chit[c, i]
                            fb[cell, 4] += wf * stand[c, i]
                        else:
                            acc[cell, 0] += w * chit[c, i]
                            acc[cell, 1] += w * stand[c, i]
                            fb[cell, 0] += wf * chit[c, i]
                            fb[cell, 1] += wf * stand[c, i]
                for cell in range(2):
                    if cell == 0 and h < 4:
                        continue
                    if cell == 1 and h > 11:
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
                    bst = max(opt_h, opt_s)
                    tol = 1e-13 * (1.0 + abs(bst))
                    if max(opt_d, opt_ds) > bst + tol:
                        code = DOUBLE if opt_d >= opt_ds else DOUBLE_STAND
                    if cell == 0:
                        hard_c[h] = code
                    else:
                        soft_c[h + 10] = code
            for c in range(n_ctx):
                if not active[c]:
                    continue
                split_aces_stand = c > 0 and ctx_pair[c] == 0 and not hsa
                for j in range(lv_start[h], lv_end[h]):
                    i = l_order[j]
                    if ref[c, i] < 0:
                        continue
                    code = _code(hard_c, soft_c, h, l_counts[i, 0] > 0)
                    if l_cards[i] == 2 and split_aces_stand:
                        cval[c, i] = stand[c, i]
                    elif l_cards[i] == 2 and dbl_ok[c, i] and code >= DOUBLE:
                        cval[c, i] = dbl[c, i]
                    elif code == HIT or code == DOUBLE:
                        cval[c, i] = chit[c, i]
                    else:
                        cval[c, i] = stand[c, i]

        # Splits under the chart, then (deriving) the pair and surrender decisions.
        if max_hands >= 2:
            for p in range(10):
                if shoe[p] < 2:
                    continue
                vv[:, :] = 0.0
                for h in range(2, top[p] + 1):
                    c = 1 + p * kmax + h - 2
                    for r in range(10):
                        i = l_two[p, r]
                        if i >= 0 and ref[c, i] >= 0:
                            vv[h, r] = cval[c, i]
                split_ch[p] = _split_value(p, top[p], vv, ph[p])
        if derive:
            for p in range(10):
                i = l_two[p, p]
                pair_c[p] = NO_SPLIT
                if i >= 0 and ref[0, i] >= 0 and not np.isnan(split_ch[p]):
                    if split_ch[p] > cval[0, i] + 1e-13:
                        pair_c[p] = SPLIT
            if surrender != SURRENDER_NONE:
                sum_h = np.zeros(22)
                sum_s = np.zeros(22)
                for a in range(10):
                    for b in range(a, 10):
                        i = l_two[a, b]
                        q = out_prob[a, b]
                        if q == 0.0 or (a == 0 and b == 9):
                            continue
                        lose = 0.0 if enhc_all else pbj[a, b]
                        cont = cval[0, i] - lose
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
                if (
                    old_h[t] != hard_c[t]
                    or old_s[t] != soft_c[t]
                    or old_sh[t] != sur_hard[t]
                    or old_ss[t] != sur_soft[t]
                ):
                    same = False
            for p in range(10):
                if old_p[p] != pair_c[p] or old_sp[p] != sur_pair[p]:
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
                    ev_chart += q * -0.5
                else:
                    ev_chart += q * (-pbj[a, b] - 0.5 * (1.0 - pbj[a, b]))
            elif a == b and _splits(pair_c[a], das) and not np.isnan(split_ch[a]):
                ev_chart += q * (split_ch[a] - lose)
            else:
                ev_chart += q * (cval[0, i] - lose)
    out_ev[1] = ev_chart


@njit(cache=True)
def _splits(code: int, das: bool) -> bool:
    return code == SPLIT or (code == SPLIT_DAS and das)


@njit(cache=True)
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


@njit(cache=True)
def _reach(
    shoe: np.ndarray,
    n_total: int,
    params: np.ndarray,
    bj: int,
    out_prob: np.ndarray,
    pbj: np.ndarray,
    l_counts: np.ndarray,
    l_hard: np.ndarray,
    l_cards: np.ndarray,
    l_child: np.ndarray,
    l_order: np.ndarray,
    l_two: np.ndarray,
    ref: np.ndarray,
    prob: np.ndarray,
    dbl_ok: np.ndarray,
    ctx_pair: np.ndarray,
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
    """Expected number of times each (context, hand) is played under the chart."""
    das = params[P_DAS] == 1
    max_hands = params[P_MAX_HANDS]
    hsa = params[P_HSA] == 1
    surrender = params[P_SURRENDER]
    n_ctx, n = reach.shape
    reach[:, :] = 0.0
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
                        if j >= 0 and ref[c, j] >= 0:
                            reach[c, j] += q * draws[h] * ph[a, h, r]
                continue
            reach[0, i] += q
    for c in range(n_ctx):
        if c > 0 and ctx_pair[c] < 0:
            continue
        split_aces_stand = c > 0 and ctx_pair[c] == 0 and not hsa
        for j in range(n - 1, -1, -1):
            i = l_order[j]
            w = reach[c, i]
            if w == 0.0 or l_cards[i] < 2:
                continue
            if l_cards[i] == 2 and split_aces_stand:
                continue
            code = _code(hard_c, soft_c, l_hard[i], l_counts[i, 0] > 0)
            if l_cards[i] == 2 and dbl_ok[c, i] and code >= DOUBLE:
                continue
            if code != HIT and code != DOUBLE:
                continue
            for r in range(10):
                ch = l_child[i, r]
                if ch >= 0:
                    reach[c, ch] += w * prob[c, i, r]
