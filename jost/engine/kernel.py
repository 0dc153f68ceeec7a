"""The hot loop: plays rounds of blackjack and accumulates our seat's sufficient statistics.

Everything arrives as flat numpy arrays built by ``jost.engine.game``: ``params`` (the rules as
integers, indices ``P_*``), ``tab`` (the strategy and doubling tables, planes ``T_*``, indexed
``[plane, total or pair rank, upcard]`` with card values 1 = ace .. 10), the shoe and its
cursor, the generator state, and ``out`` (the ``Tally`` fields in order). No Python objects
inside; money is in integer ticks.

Cards are dealt in the order a casino deals them: a first card to each seat from first base,
the dealer's upcard, a second card to each seat, and the hole card (peek games) — under no hole
card rules the dealer's second card comes after all seats have played.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# -- the generator

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(0x100000000)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)


@njit(inline="always")
def next_u64(rng: np.ndarray) -> np.uint64:
    """Advance the SplitMix64 state held in ``rng[0]`` and return 64 random bits."""
    s = rng[0] + _GOLDEN
    rng[0] = s
    z = (s ^ (s >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(inline="always")
def below(rng: np.ndarray, m: int) -> int:
    """A uniform integer in [0, m), 1 <= m < 2**32, exactly unbiased (Lemire 2019): the
    rejection branch runs with probability < m / 2**32."""
    mm = np.uint64(m)
    prod = (next_u64(rng) >> _S32) * mm
    low = prod & _LOW32
    if low < mm:
        threshold = (_TWO32 - mm) % mm
        while low < threshold:
            prod = (next_u64(rng) >> _S32) * mm
            low = prod & _LOW32
    return np.int64(prod >> _S32)


# -- the shoe

POS = 0
ROUND_START = 1
CURSOR_SIZE = 2


# Both inlined: a call to a separate function inside the draw, even one never taken, makes
# numba keep reference counts on the arrays around it, at ~40 ns a card.
@njit(inline="always")
def draw(shoe: np.ndarray, cur: np.ndarray, rng: np.ndarray) -> int:
    pos = cur[POS]
    n = shoe.shape[0]
    if pos >= n:
        pos = gather_round(shoe, cur)
        if pos >= n:
            raise RuntimeError("one round needed more cards than the whole shoe holds")
    j = pos + below(rng, n - pos)
    card = shoe[j]
    shoe[j] = shoe[pos]
    shoe[pos] = card
    cur[POS] = pos + 1
    return card


@njit(inline="always")
def gather_round(shoe: np.ndarray, cur: np.ndarray) -> int:
    """Return every card not in the current round to the undealt part (a reshuffle of the
    discards), by moving the round's cards to the front; returns the new position."""
    start = cur[ROUND_START]
    k = cur[POS] - start
    if start > 0:
        # Swapping i with start + i, in increasing i, leaves the round's cards at [0, k):
        # position i is never touched again after step i.
        for i in range(k):
            t = shoe[i]
            shoe[i] = shoe[start + i]
            shoe[start + i] = t
    cur[ROUND_START] = 0
    cur[POS] = k
    return k


# params
P_H17 = 0
P_BJ_NUM = 1
P_BJ_DEN = 2
P_DAS = 3
P_MAX_HANDS = 4
P_RSA = 5
P_HSA = 6
P_SURRENDER = 7
P_HOLE = 8
P_SHUFFLE = 9
P_CUT = 10
P_SEATS = 11
P_OUR_SEAT = 12
P_BET = 13
N_PARAMS = 14

SURRENDER_NONE, SURRENDER_LATE, SURRENDER_EARLY = 0, 1, 2
HOLE_PEEK, HOLE_ENHC, HOLE_ENHC_ALL = 0, 1, 2
SHUFFLE_CUT_CARD, SHUFFLE_EVERY_ROUND, SHUFFLE_CONTINUOUS = 0, 1, 2

# tab planes
T_HARD = 0
T_SOFT = 1
T_PAIR = 2
T_SURR_HARD = 3
T_SURR_SOFT = 4
T_SURR_PAIR = 5
T_DOUBLE_OK = 6  # [T_DOUBLE_OK, total, 0] hard total may double, [.., 1] soft total may
N_PLANES = 7

# play codes
A_HIT, A_STAND, A_DOUBLE_HIT, A_DOUBLE_STAND = 0, 1, 2, 3
# pair codes
PAIR_NO, PAIR_SPLIT, PAIR_SPLIT_DAS = 0, 1, 2
# surrender codes; PAIR_ROW_NONE: the pair has no row of its own, use its total's row
SURR_NO, SURR_YES, SURR_PAIR_ROW_NONE = 0, 1, 2

# out: the fields of jost.contracts.Tally, in order
O_ROUNDS = 0
O_HANDS = 1
O_NET = 2
O_NET_SQ = 3
O_INITIAL = 4
O_INITIAL_SQ = 5
O_NET_X_INITIAL = 6
O_WAGERED = 7
O_WINS = 8
O_LOSSES = 9
O_PUSHES = 10
O_BLACKJACKS = 11
O_DEALER_BLACKJACKS = 12
O_BUSTS = 13
O_DOUBLES = 14
O_SPLITS = 15
O_SURRENDERS = 16
O_INSURANCE_OFFERED = 17
N_OUT = 18

MAX_HANDS = 8
BUST = 22

# seat state after the deal
SEAT_PLAYING, SEAT_NATURAL, SEAT_SURRENDERED = 0, 1, 2


@njit(inline="always")
def _surrenders(tab: np.ndarray, c1: int, c2: int, up: int) -> bool:
    if c1 == c2:
        code = tab[T_SURR_PAIR, c1, up]
        if code != SURR_PAIR_ROW_NONE:
            return code == SURR_YES
    total = c1 + c2
    if (c1 == 1 or c2 == 1) and total <= 11:
        return tab[T_SURR_SOFT, total + 10, up] == SURR_YES
    return tab[T_SURR_HARD, total, up] == SURR_YES


@njit(inline="always")
def _play_seat(
    c1: int,
    c2: int,
    up: int,
    params: np.ndarray,
    tab: np.ndarray,
    shoe: np.ndarray,
    cur: np.ndarray,
    rng: np.ndarray,
    value: np.ndarray,
    mult: np.ndarray,
    counts: np.ndarray,
    work: np.ndarray,
) -> int:
    """Play one seat's hand (and its splits) to the end. Writes each hand's final value
    (``BUST`` when busted) and bet multiple (2 when doubled); ``counts`` gets the seat's
    doubles and splits; ``work`` is scratch space (3, MAX_HANDS) allocated once per shard.
    Returns the number of hands."""
    das = params[P_DAS] != 0
    max_hands = params[P_MAX_HANDS]
    rsa = params[P_RSA] != 0
    hsa = params[P_HSA] != 0
    first = work[0]
    total = work[1]
    ncards = work[2]
    first[0] = c1
    total[0] = c1 + c2
    ncards[0] = 2
    n_hands = 1
    split_aces = False
    doubles = 0
    splits = 0
    h = 0
    while h < n_hands:
        f = first[h]
        if ncards[h] == 1:
            total[h] += draw(shoe, cur, rng)
            ncards[h] = 2
        t = total[h]
        # t - f is the second card, so the hand is a pair when it equals the first
        if t - f == f and n_hands < max_hands and (f != 1 or not split_aces or rsa):
            code = tab[T_PAIR, f, up]
            if code == PAIR_SPLIT or (code == PAIR_SPLIT_DAS and das):
                first[n_hands] = f
                total[n_hands] = f
                ncards[n_hands] = 1
                n_hands += 1
                total[h] = f
                ncards[h] = 1
                splits += 1
                if f == 1:
                    split_aces = True
                continue
        has_ace = f == 1 or t - f == 1
        m = 1
        if split_aces and not hsa:
            value[h] = t + 10 if t <= 11 else t  # one card to each split ace
            mult[h] = 1
            h += 1
            continue
        nc = 2
        while True:
            soft = has_ace and t <= 11
            v = t + 10 if soft else t
            if v >= 21:
                break
            code = tab[T_SOFT, v, up] if soft else tab[T_HARD, t, up]
            if code == A_STAND:
                break
            if code != A_HIT:
                if nc == 2 and (n_hands == 1 or das) and tab[T_DOUBLE_OK, v, 1 if soft else 0]:
                    c = draw(shoe, cur, rng)
                    t += c
                    has_ace = has_ace or c == 1
                    m = 2
                    doubles += 1
                    break
                if code == A_DOUBLE_STAND:
                    break
            c = draw(shoe, cur, rng)
            t += c
            nc += 1
            has_ace = has_ace or c == 1
        v = t + 10 if (has_ace and t <= 11) else t
        value[h] = v if v <= 21 else BUST
        mult[h] = m
        h += 1
    counts[0] = doubles
    counts[1] = splits
    return n_hands


@njit(nogil=True, cache=True)
def play_rounds(
    params: np.ndarray,
    tab: np.ndarray,
    shoe: np.ndarray,
    cur: np.ndarray,
    rng: np.ndarray,
    n_rounds: int,
    out: np.ndarray,
) -> None:
    """Play ``n_rounds`` rounds, adding our seat's statistics to ``out``."""
    h17 = params[P_H17] != 0
    bj_num = params[P_BJ_NUM]
    bj_den = params[P_BJ_DEN]
    surrender = params[P_SURRENDER]
    hole_rule = params[P_HOLE]
    peek = hole_rule == HOLE_PEEK
    shuffle = params[P_SHUFFLE]
    cut = params[P_CUT]
    seats = params[P_SEATS]
    ours = params[P_OUR_SEAT]
    bet = params[P_BET]

    c1 = np.empty(seats, np.int64)
    c2 = np.empty(seats, np.int64)
    state = np.empty(seats, np.int64)
    n_hands = np.zeros(seats, np.int64)
    value = np.empty((seats, MAX_HANDS), np.int64)
    mult = np.empty((seats, MAX_HANDS), np.int64)
    counts = np.zeros(2, np.int64)
    work = np.empty((3, MAX_HANDS), np.int64)

    s_hands = 0
    s_net = 0
    s_net_sq = 0
    s_initial = 0
    s_initial_sq = 0
    s_net_x_initial = 0
    s_wagered = 0
    s_wins = 0
    s_losses = 0
    s_pushes = 0
    s_bj = 0
    s_dbj = 0
    s_busts = 0
    s_doubles = 0
    s_splits = 0
    s_surrenders = 0
    s_insurance = 0

    for _ in range(n_rounds):
        # -- shuffle point
        if shuffle == SHUFFLE_CUT_CARD:
            if cur[POS] >= cut:
                cur[POS] = 0
        elif shuffle == SHUFFLE_EVERY_ROUND:
            cur[POS] = 0
        cur[ROUND_START] = cur[POS]

        # -- the deal
        for s in range(seats):
            c1[s] = draw(shoe, cur, rng)
        up = draw(shoe, cur, rng)
        for s in range(seats):
            c2[s] = draw(shoe, cur, rng)
        hole = draw(shoe, cur, rng) if peek else 0
        for s in range(seats):
            a, b = c1[s], c2[s]
            state[s] = SEAT_NATURAL if a + b == 11 and (a == 1 or b == 1) else SEAT_PLAYING
            n_hands[s] = 0
        if up == 1:
            s_insurance += 1  # offered; basic strategy declines it

        # -- early surrender comes before the dealer checks for blackjack
        if surrender == SURRENDER_EARLY:
            for s in range(seats):
                if state[s] == SEAT_PLAYING and _surrenders(tab, c1[s], c2[s], up):
                    state[s] = SEAT_SURRENDERED

        dealer_bj = False
        dt = up + hole
        dace = up == 1 or hole == 1
        if peek and (up == 1 or up == 10) and up + hole == 11:
            dealer_bj = True
        else:
            # -- the seats play, from first base
            for s in range(seats):
                if state[s] != SEAT_PLAYING:
                    continue
                if surrender == SURRENDER_LATE and _surrenders(tab, c1[s], c2[s], up):
                    state[s] = SEAT_SURRENDERED
                    continue
                n_hands[s] = _play_seat(
                    c1[s], c2[s], up, params, tab, shoe, cur, rng, value[s], mult[s], counts, work
                )
                if s == ours:
                    s_doubles += counts[0]
                    s_splits += counts[1]

            # -- the dealer
            live = False
            pending = False  # a hand whose result waits only on a dealer blackjack
            for s in range(seats):
                if state[s] == SEAT_NATURAL or (
                    state[s] == SEAT_SURRENDERED and surrender == SURRENDER_LATE
                ):
                    pending = True
                for h in range(n_hands[s]):
                    if value[s, h] != BUST:
                        live = True
            if not peek and (live or (pending and (up == 1 or up == 10))):
                hole = draw(shoe, cur, rng)
                dt = up + hole
                dace = up == 1 or hole == 1
                dealer_bj = dt == 11 and dace
            if live and not dealer_bj:
                while True:
                    soft = dace and dt <= 11
                    dv = dt + 10 if soft else dt
                    if dv > 17 or (dv == 17 and not (soft and h17)):
                        break
                    c = draw(shoe, cur, rng)
                    dt += c
                    dace = dace or c == 1
        dv = dt + 10 if (dace and dt <= 11) else dt
        if dv > 21:
            dv = BUST

        # -- settle our seat
        st = state[ours]
        nh = n_hands[ours]
        net = 0
        wagered = bet
        if st == SEAT_NATURAL:
            s_bj += 1
            if not dealer_bj:
                net = bet * bj_num // bj_den
        elif st == SEAT_SURRENDERED:
            s_surrenders += 1
            # Late surrender counts only against a dealer without blackjack: with no hole
            # card the dealer's blackjack, found after play, still takes the whole bet.
            late_lost = dealer_bj and surrender == SURRENDER_LATE
            net = -bet if late_lost else -(bet // 2)
        elif dealer_bj and nh == 0:
            net = -bet  # peek: the round ended before our seat acted
        else:
            wagered = 0
            lost_all = 0
            for h in range(nh):
                stake = bet * mult[ours, h]
                wagered += stake
                lost_all -= stake
                v = value[ours, h]
                if v == BUST:
                    s_busts += 1
                    net -= stake
                elif v > dv or dv == BUST:
                    net += stake
                elif v < dv:
                    net -= stake
            if dealer_bj:
                # no hole card: a dealer blackjack found after play takes the original bet
                # only (enhc) or every bet on the table (enhc_all)
                net = lost_all if hole_rule == HOLE_ENHC_ALL else -bet
        if dealer_bj:
            s_dbj += 1
        s_hands += nh if nh > 0 else 1
        s_net += net
        s_net_sq += net * net
        s_initial += bet
        s_initial_sq += bet * bet
        s_net_x_initial += net * bet
        s_wagered += wagered
        if net > 0:
            s_wins += 1
        elif net < 0:
            s_losses += 1
        else:
            s_pushes += 1

        # -- a continuous shuffler takes this round's cards back after the next round
        if shuffle == SHUFFLE_CONTINUOUS:
            gather_round(shoe, cur)

    out[O_ROUNDS] += n_rounds
    out[O_HANDS] += s_hands
    out[O_NET] += s_net
    out[O_NET_SQ] += s_net_sq
    out[O_INITIAL] += s_initial
    out[O_INITIAL_SQ] += s_initial_sq
    out[O_NET_X_INITIAL] += s_net_x_initial
    out[O_WAGERED] += s_wagered
    out[O_WINS] += s_wins
    out[O_LOSSES] += s_losses
    out[O_PUSHES] += s_pushes
    out[O_BLACKJACKS] += s_bj
    out[O_DEALER_BLACKJACKS] += s_dbj
    out[O_BUSTS] += s_busts
    out[O_DOUBLES] += s_doubles
    out[O_SPLITS] += s_splits
    out[O_SURRENDERS] += s_surrenders
    out[O_INSURANCE_OFFERED] += s_insurance
