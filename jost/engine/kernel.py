"""The hot loop: plays rounds of blackjack and accumulates our seat's sufficient statistics.

Everything arrives as flat numpy arrays, grouped in NamedTuples by who writes them: the game
(``GameArrays``, built by ``jost.engine.game``: ``params``, the rules as integers, indices
``P_*``; ``tab``, the strategy and doubling tables, planes ``T_*``, indexed ``[plane, total or
pair rank, upcard]`` with card values 1 = ace .. 10; the count's tags, index plays and bet
table), the ``Shoe`` (its cards, cursor and generator state) and the ``Tallies`` (``out``, the
``Tally`` fields in order; ``bins``, statistics by the count at the bet; ``trips``, each trip's
result). No Python objects inside; money is in integer ticks. Those arrays' layout (the
indices ``P_*``, ``T_*``, ``O_*``, ..., their sizes and the tuples) is ``jost.engine.layout``,
which Python reads without importing numba; this module imports it and numba compiles its values
in as constants.

``play_rounds`` is the round's phases in order (shuffle point, bet, deal, insurance, early
surrender, the seats' play, the dealer's, settlement, the trip), each a helper inlined into it.

The shoe holds card codes: the value (1 = ace .. 10) and, for red sevens, bit ``RED``, so a
count may tag red and black sevens apart (Red 7). Counts are kept in half points (tags * 2).

Cards are dealt in the order a casino deals them: a first card to each seat from first base,
the dealer's upcard, a second card to each seat, and the hole card (peek games) — under no hole
card rules the dealer's second card comes after all seats have played.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from jost.engine.codes import (
    DOUBLE_STAND,
    HIT,
    NO_ROW,
    SPLIT,
    SPLIT_DAS,
    STAND,
    SURRENDER,
    SURRENDER_EARLY,
    SURRENDER_LATE,
)
from jost.engine.layout import (
    B_INITIAL,
    B_INITIAL_SQ,
    B_NET,
    B_NET_SQ,
    B_NET_X_INITIAL,
    B_ROUNDS,
    B_ROUNDS_DEALT,
    DEV_ACTION,
    DEV_AT,
    DEV_ELSE,
    DEV_MODE,
    EST_EXACT,
    EST_HALF_DECK,
    HOLE_ENHC_ALL,
    HOLE_PEEK,
    HOLE_PENDING,
    HOLE_TAG,
    IRC,
    MODE_AT_OR_ABOVE,
    MODE_NONE,
    O_BLACKJACKS,
    O_BUSTS,
    O_DEALER_BLACKJACKS,
    O_DOUBLES,
    O_HANDS,
    O_INITIAL,
    O_INITIAL_SQ,
    O_INSURANCE_OFFERED,
    O_INSURANCE_TAKEN,
    O_LOSSES,
    O_NET,
    O_NET_SQ,
    O_NET_X_INITIAL,
    O_PUSHES,
    O_ROUNDS,
    O_ROUNDS_DEALT,
    O_SPLITS,
    O_SURRENDERS,
    O_TRIPS,
    O_TRIPS_RUINED,
    O_WAGERED,
    O_WINS,
    P_BALANCED,
    P_BANKROLL,
    P_BET,
    P_BIN_LOW,
    P_BJ_DEN,
    P_BJ_NUM,
    P_COUNTING,
    P_CUT,
    P_DAS,
    P_DECK_EST,
    P_DEVIATIONS,
    P_H17,
    P_HOLE,
    P_HSA,
    P_INSURANCE_AT,
    P_INSURANCE_MODE,
    P_MAX_HANDS,
    P_OUR_SEAT,
    P_ROUNDING,
    P_RSA,
    P_SEATS,
    P_SHUFFLE,
    P_SPOTS,
    P_SURRENDER,
    P_TRIP_ROUNDS,
    P_WONG,
    P_WONG_ENTER,
    P_WONG_LEAVE,
    POS,
    RC,
    ROUND_FLOOR,
    ROUND_START,
    ROUND_TRUNCATE,
    SHUFFLE_CONTINUOUS,
    SHUFFLE_CUT_CARD,
    SHUFFLE_EVERY_ROUND,
    T_DOUBLE_OK,
    T_HARD,
    T_PAIR,
    T_SOFT,
    T_SURR_HARD,
    T_SURR_PAIR,
    T_SURR_SOFT,
    TRIP_COUNT,
    TRIP_DONE,
    TRIP_NET,
    TRIP_RUINED,
    VALUE,
    GameArrays,
    Shoe,
    Tallies,
)

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


# -- the shoe (its cursor's fields: jost.engine.layout)


# Both inlined: a call to a separate function inside the draw, even one never taken, makes
# numba keep reference counts on the arrays around it, at ~40 ns a card.
@njit(inline="always")
def draw(shoe: np.ndarray, cur: np.ndarray, rng: np.ndarray, tags: np.ndarray) -> int:
    """The next card's code, from the undealt part (uncounted: the caller counts it when a
    player can see it)."""
    pos = cur[POS]
    n = shoe.shape[0]
    if pos >= n:
        pos = gather_round(shoe, cur, tags)
        if pos >= n:
            raise RuntimeError("one round needed more cards than the whole shoe holds")
    j = pos + below(rng, n - pos)
    card = shoe[j]
    shoe[j] = shoe[pos]
    shoe[pos] = card
    cur[POS] = pos + 1
    return card


@njit(inline="always")
def deal(shoe: np.ndarray, cur: np.ndarray, rng: np.ndarray, tags: np.ndarray) -> int:
    """A card dealt face up: counted, and returned as its value."""
    code = draw(shoe, cur, rng, tags)
    cur[RC] += tags[code]
    return code & VALUE


@njit(inline="always")
def gather_round(shoe: np.ndarray, cur: np.ndarray, tags: np.ndarray) -> int:
    """Return every card not in the current round to the undealt part (a reshuffle of the
    discards), by moving the round's cards to the front; returns the new position. The count
    starts again from the cards on the table that the players have seen."""
    start = cur[ROUND_START]
    k = cur[POS] - start
    if start > 0:
        # Swapping i with start + i, in increasing i, leaves the round's cards at [0, k):
        # position i is never touched again after step i.
        for i in range(k):
            t = shoe[i]
            shoe[i] = shoe[start + i]
            shoe[start + i] = t
    rc = cur[IRC] - cur[HOLE_TAG]
    for i in range(k):
        rc += tags[shoe[i]]
    cur[RC] = rc
    cur[ROUND_START] = 0
    cur[POS] = k
    return k


@njit(inline="always")
def turn_hole(cur: np.ndarray) -> None:
    if cur[HOLE_PENDING]:
        cur[RC] += cur[HOLE_TAG]
        cur[HOLE_PENDING] = 0
        cur[HOLE_TAG] = 0


# -- the count (deck estimation and rounding codes: jost.engine.layout)


@njit(inline="always")
def count_now(cur: np.ndarray, n_cards: int, params: np.ndarray) -> int:
    """The count the player acts on: the true count of a balanced system (running count per
    deck not yet seen, under the config's deck estimation and rounding), or the running count
    of an unbalanced one."""
    rc = cur[RC]
    if params[P_BALANCED] == 0:
        return rc // 2
    unseen = n_cards - cur[POS] + cur[HOLE_PENDING]
    if unseen < 1:
        unseen = 1
    est = params[P_DECK_EST]
    if est == EST_EXACT:
        num = 26 * rc  # (rc / 2) / (unseen / 52)
        den = unseen
    elif est == EST_HALF_DECK:
        halves = (unseen + 13) // 26
        num = rc  # (rc / 2) / (halves / 2)
        den = halves if halves > 0 else 1
    else:
        decks = (unseen + 26) // 52
        num = rc
        den = 2 * (decks if decks > 0 else 1)
    rounding = params[P_ROUNDING]
    if rounding == ROUND_FLOOR:
        return num // den
    mag = abs(num)
    q = mag // den if rounding == ROUND_TRUNCATE else (2 * mag + den) // (2 * den)
    return q if num >= 0 else -q


BUST = 22  # a hand's value once busted

# seat state after the deal
SEAT_EMPTY, SEAT_PLAYING, SEAT_NATURAL, SEAT_SURRENDERED = 0, 1, 2, 3


class Seats(NamedTuple):
    """One round's table, views into the caller's scratch: each seat's two first cards, state
    (``SEAT_*``) and number of hands; the seat just played's doubles and splits (``counts``);
    split-hand work rows; each hand's final value and bet multiple."""

    c1: np.ndarray
    c2: np.ndarray
    state: np.ndarray
    n_hands: np.ndarray
    counts: np.ndarray
    work: np.ndarray
    value: np.ndarray
    mult: np.ndarray


# Every helper below is inlined into play_rounds: as calls they would each pass and return
# the arrays, and numba keeps reference counts on arrays crossing a call.


@njit(inline="always")
def _card(g: GameArrays, sh: Shoe) -> int:
    """A card dealt face up (counted), as its value."""
    return deal(sh.cards, sh.cur, sh.rng, g.tags)


@njit(inline="always")
def _choose(plain: int, g: GameArrays, sh: Shoe, plane: int, row: int, up: int) -> int:
    """The chart's code, or an index play's when the cell has one: its action when the count
    is on its side of the index, its other play when not."""
    dev = g.dev
    mode = dev[plane, row, up, DEV_MODE]
    if mode == MODE_NONE:
        return plain
    c = count_now(sh.cur, sh.cards.shape[0], g.params)
    above = c >= dev[plane, row, up, DEV_AT]
    if above == (mode == MODE_AT_OR_ABOVE):
        return dev[plane, row, up, DEV_ACTION]
    return dev[plane, row, up, DEV_ELSE]


@njit(inline="always")
def _surrenders(g: GameArrays, sh: Shoe, use_dev: bool, c1: int, c2: int, up: int) -> bool:
    tab = g.tab
    if c1 == c2 and tab[T_SURR_PAIR, c1, up] != NO_ROW:
        plane, row = T_SURR_PAIR, c1
    elif (c1 == 1 or c2 == 1) and c1 + c2 <= 11:
        plane, row = T_SURR_SOFT, c1 + c2 + 10
    else:
        plane, row = T_SURR_HARD, c1 + c2
    code = tab[plane, row, up]
    if use_dev:
        code = _choose(code, g, sh, plane, row, up)
    return code == SURRENDER


@njit(inline="always")
def _play_seat(
    c1: int, c2: int, up: int, use_dev: bool, g: GameArrays, sh: Shoe, seats: Seats, seat: int
) -> int:
    """Play one seat's hand (and its splits) to the end. Writes each hand's final value
    (``BUST`` when busted) and bet multiple (2 when doubled); ``seats.counts`` gets the seat's
    doubles and splits. ``use_dev``: this seat plays the index plays (our spots do, the other
    seats do not). Returns the number of hands."""
    params = g.params
    tab = g.tab
    work = seats.work
    das = params[P_DAS] != 0
    max_hands = params[P_MAX_HANDS]
    rsa = params[P_RSA] != 0
    hsa = params[P_HSA] != 0
    work[0, 0] = c1
    work[1, 0] = c1 + c2
    work[2, 0] = 2
    n_hands = 1
    split_aces = False
    doubles = 0
    splits = 0
    h = 0
    while h < n_hands:
        f = work[0, h]
        if work[2, h] == 1:
            work[1, h] += _card(g, sh)
            work[2, h] = 2
        t = work[1, h]
        # t - f is the second card, so the hand is a pair when it equals the first
        if t - f == f and n_hands < max_hands and (f != 1 or not split_aces or rsa):
            code = tab[T_PAIR, f, up]
            if use_dev:
                code = _choose(code, g, sh, T_PAIR, f, up)
            if code == SPLIT or (code == SPLIT_DAS and das):
                work[0, n_hands] = f
                work[1, n_hands] = f
                work[2, n_hands] = 1
                n_hands += 1
                work[1, h] = f
                work[2, h] = 1
                splits += 1
                if f == 1:
                    split_aces = True
                continue
        has_ace = f == 1 or t - f == 1
        m = 1
        if split_aces and not hsa:
            seats.value[seat, h] = t + 10 if t <= 11 else t  # one card to each split ace
            seats.mult[seat, h] = 1
            h += 1
            continue
        nc = 2
        while True:
            soft = has_ace and t <= 11
            v = t + 10 if soft else t
            if v >= 21:
                break
            plane = T_SOFT if soft else T_HARD
            code = tab[plane, v, up]
            if use_dev:
                code = _choose(code, g, sh, plane, v, up)
            if code == STAND:
                break
            if code != HIT:
                if nc == 2 and (n_hands == 1 or das) and tab[T_DOUBLE_OK, v, 1 if soft else 0]:
                    c = _card(g, sh)
                    t += c
                    has_ace = has_ace or c == 1
                    m = 2
                    doubles += 1
                    break
                if code == DOUBLE_STAND:
                    break
            c = _card(g, sh)
            t += c
            nc += 1
            has_ace = has_ace or c == 1
        v = t + 10 if (has_ace and t <= 11) else t
        seats.value[seat, h] = v if v <= 21 else BUST
        seats.mult[seat, h] = m
        h += 1
    seats.counts[0] = doubles
    seats.counts[1] = splits
    return n_hands


@njit(inline="always")
def _shuffle_point(params: np.ndarray, sh: Shoe) -> bool:
    """Start the round, reshuffling where the rules say; True when the shoe is fresh (the
    count starts again)."""
    cur = sh.cur
    shuffle = params[P_SHUFFLE]
    fresh = False
    if shuffle == SHUFFLE_CUT_CARD:
        if cur[POS] >= params[P_CUT]:
            cur[POS] = 0
            fresh = True
    else:
        # every round a fresh shoe; a shuffling machine leaves nothing worth counting
        if shuffle == SHUFFLE_EVERY_ROUND:
            cur[POS] = 0
        fresh = True
    if fresh:
        cur[RC] = cur[IRC]
    cur[ROUND_START] = cur[POS]
    return fresh


@njit(inline="always")
def _bet(g: GameArrays, sh: Shoe, n_bins: int, fresh: bool, in_shoe: bool) -> tuple:
    """The bet on the count before the deal: (bin, bet in ticks, whether a wonger is in)."""
    params = g.params
    b = 0
    bet = params[P_BET]
    if params[P_COUNTING] != 0:
        c = count_now(sh.cur, sh.cards.shape[0], params)
        b = c - params[P_BIN_LOW]
        b = 0 if b < 0 else (n_bins - 1 if b >= n_bins else b)
        bet = g.bets[b]
        if params[P_WONG] != 0:
            if fresh and params[P_SHUFFLE] == SHUFFLE_CUT_CARD:
                in_shoe = False  # a wonger leaves at the shuffle and back-counts again
            in_shoe = c >= params[P_WONG_LEAVE] if in_shoe else c >= params[P_WONG_ENTER]
    return b, bet, in_shoe


@njit(inline="always")
def _deal(g: GameArrays, sh: Shoe, seats: Seats, playing: bool) -> tuple:
    """The deal, in a casino's order; returns (upcard, hole card or 0). Our spots sit out
    when not ``playing``; the hole card of a peek game stays out of the count until turned."""
    params = g.params
    n = params[P_SEATS]
    ours = params[P_OUR_SEAT]
    last_ours = ours + params[P_SPOTS] - 1
    state = seats.state
    c1 = seats.c1
    c2 = seats.c2
    for s in range(n):
        state[s] = SEAT_PLAYING if (playing or s < ours or s > last_ours) else SEAT_EMPTY
        seats.n_hands[s] = 0
    for s in range(n):
        if state[s] != SEAT_EMPTY:
            c1[s] = _card(g, sh)
    up = _card(g, sh)
    for s in range(n):
        if state[s] != SEAT_EMPTY:
            c2[s] = _card(g, sh)
            a = c1[s]
            if a + c2[s] == 11 and (a == 1 or c2[s] == 1):
                state[s] = SEAT_NATURAL
    hole = 0
    if params[P_HOLE] == HOLE_PEEK:
        code = draw(sh.cards, sh.cur, sh.rng, g.tags)
        hole = code & VALUE
        sh.cur[HOLE_PENDING] = 1
        sh.cur[HOLE_TAG] = g.tags[code]
    return up, hole


@njit(inline="always")
def _insures(params: np.ndarray, sh: Shoe, up: int, playing: bool) -> bool:
    """Insurance, offered against an ace (counted in ``out``); taken only where the index
    says so."""
    if up != 1 or not playing:
        return False
    mode = params[P_INSURANCE_MODE]
    if mode == MODE_NONE:
        return False
    above = count_now(sh.cur, sh.cards.shape[0], params) >= params[P_INSURANCE_AT]
    return above == (mode == MODE_AT_OR_ABOVE)


@njit(inline="always")
def _early_surrender(g: GameArrays, sh: Shoe, seats: Seats, up: int) -> None:
    """Early surrender, before the dealer checks for blackjack."""
    params = g.params
    ours = params[P_OUR_SEAT]
    last_ours = ours + params[P_SPOTS] - 1
    use_dev = params[P_DEVIATIONS] != 0
    for s in range(params[P_SEATS]):
        if seats.state[s] == SEAT_PLAYING and _surrenders(
            g, sh, use_dev and ours <= s <= last_ours, seats.c1[s], seats.c2[s], up
        ):
            seats.state[s] = SEAT_SURRENDERED


@njit(inline="always")
def _play_seats(g: GameArrays, sh: Shoe, seats: Seats, up: int, out: np.ndarray) -> None:
    """The seats play, from first base (late surrender first); our doubles and splits are
    counted in ``out``."""
    params = g.params
    ours = params[P_OUR_SEAT]
    last_ours = ours + params[P_SPOTS] - 1
    use_dev = params[P_DEVIATIONS] != 0
    late = params[P_SURRENDER] == SURRENDER_LATE
    for s in range(params[P_SEATS]):
        if seats.state[s] != SEAT_PLAYING:
            continue
        mine = ours <= s <= last_ours
        if late and _surrenders(g, sh, use_dev and mine, seats.c1[s], seats.c2[s], up):
            seats.state[s] = SEAT_SURRENDERED
            continue
        seats.n_hands[s] = _play_seat(
            seats.c1[s], seats.c2[s], up, use_dev and mine, g, sh, seats, s
        )
        if mine:
            out[O_DOUBLES] += seats.counts[0]
            out[O_SPLITS] += seats.counts[1]


@njit(inline="always")
def _dealer_plays(
    g: GameArrays, sh: Shoe, seats: Seats, up: int, hole: int, insured: bool
) -> tuple:
    """The dealer's hand once the seats have played: (hard total, has an ace, blackjack).
    Without a hole card the second card is dealt only when some hand waits on it."""
    params = g.params
    peek = params[P_HOLE] == HOLE_PEEK
    late = params[P_SURRENDER] == SURRENDER_LATE
    dt = up + hole
    dace = up == 1 or hole == 1
    dealer_bj = False
    live = False
    pending = False  # a hand whose result waits only on a dealer blackjack
    for s in range(params[P_SEATS]):
        st = seats.state[s]
        if st == SEAT_NATURAL or (st == SEAT_SURRENDERED and late):
            pending = True
        for h in range(seats.n_hands[s]):
            if seats.value[s, h] != BUST:
                live = True
    if not peek and (live or insured or (pending and (up == 1 or up == 10))):
        hole = _card(g, sh)
        dt = up + hole
        dace = up == 1 or hole == 1
        dealer_bj = dt == 11 and dace
    if live and not dealer_bj:
        h17 = params[P_H17] != 0
        while True:
            soft = dace and dt <= 11
            dv = dt + 10 if soft else dt
            if dv > 17 or (dv == 17 and not (soft and h17)):
                break
            c = _card(g, sh)
            dt += c
            dace = dace or c == 1
    return dt, dace, dealer_bj


@njit(inline="always")
def _settle(
    params: np.ndarray,
    seats: Seats,
    bet: int,
    dv: int,
    dealer_bj: bool,
    insured: bool,
    out: np.ndarray,
) -> tuple:
    """Settle our spots against the dealer's final value ``dv``; returns the round's (net,
    initial bet, total wagered) in ticks and counts blackjacks, surrenders, busts, insurance
    and hands in ``out``."""
    ours = params[P_OUR_SEAT]
    last_ours = ours + params[P_SPOTS] - 1
    surrender = params[P_SURRENDER]
    bj_num = params[P_BJ_NUM]
    bj_den = params[P_BJ_DEN]
    net = 0
    initial = 0
    wagered = 0
    for s in range(ours, last_ours + 1):
        st = seats.state[s]
        nh = seats.n_hands[s]
        initial += bet
        spot_net = 0
        spot_wagered = bet
        if st == SEAT_NATURAL:
            out[O_BLACKJACKS] += 1
            if not dealer_bj:
                spot_net = bet * bj_num // bj_den
        elif st == SEAT_SURRENDERED:
            out[O_SURRENDERS] += 1
            # Late surrender counts only against a dealer without blackjack: with no
            # hole card the dealer's blackjack, found after play, takes the whole bet.
            late_lost = dealer_bj and surrender == SURRENDER_LATE
            spot_net = -bet if late_lost else -(bet // 2)
        elif dealer_bj and nh == 0:
            spot_net = -bet  # peek: the round ended before this spot acted
        else:
            spot_wagered = 0
            lost_all = 0
            for h in range(nh):
                stake = bet * seats.mult[s, h]
                spot_wagered += stake
                lost_all -= stake
                v = seats.value[s, h]
                if v == BUST:
                    out[O_BUSTS] += 1
                    spot_net -= stake
                elif v > dv or dv == BUST:
                    spot_net += stake
                elif v < dv:
                    spot_net -= stake
            if dealer_bj:
                # no hole card: a dealer blackjack found after play takes the original
                # bet only (enhc) or every bet on the table (enhc_all)
                spot_net = lost_all if params[P_HOLE] == HOLE_ENHC_ALL else -bet
        if insured:
            # half the bet on the side, paid 2:1 against a dealer blackjack
            spot_net += bet if dealer_bj else -(bet // 2)
            spot_wagered += bet // 2
            out[O_INSURANCE_TAKEN] += 1
        out[O_HANDS] += nh if nh > 0 else 1
        net += spot_net
        wagered += spot_wagered
    if dealer_bj:
        out[O_DEALER_BLACKJACKS] += 1
    return net, initial, wagered


@njit(inline="always")
def _record(
    out: np.ndarray, bins: np.ndarray, b: int, counting: bool, net: int, initial: int, wagered: int
) -> None:
    """Add one played round's result to the totals and, counting, to its count's bin."""
    out[O_ROUNDS] += 1
    out[O_NET] += net
    out[O_NET_SQ] += net * net
    out[O_INITIAL] += initial
    out[O_INITIAL_SQ] += initial * initial
    out[O_NET_X_INITIAL] += net * initial
    out[O_WAGERED] += wagered
    if net > 0:
        out[O_WINS] += 1
    elif net < 0:
        out[O_LOSSES] += 1
    else:
        out[O_PUSHES] += 1
    if counting:
        bins[b, B_ROUNDS] += 1
        bins[b, B_NET] += net
        bins[b, B_NET_SQ] += net * net
        bins[b, B_INITIAL] += initial
        bins[b, B_INITIAL_SQ] += initial * initial
        bins[b, B_NET_X_INITIAL] += net * initial


@njit(inline="always")
def _trip_round(params: np.ndarray, trip: np.ndarray, t: Tallies, playing: bool, net: int) -> None:
    """One round dealt of the trip in progress (consecutive runs of ``P_TRIP_ROUNDS`` rounds
    dealt); a finished trip's result goes to ``trips``, ruined if it ever lost the bankroll."""
    if playing:
        trip[TRIP_NET] += net
        if trip[TRIP_NET] <= -params[P_BANKROLL]:
            trip[TRIP_RUINED] = 1
    if params[P_TRIP_ROUNDS] > 0:
        trip[TRIP_DONE] += 1
        if trip[TRIP_DONE] == params[P_TRIP_ROUNDS]:
            t.trips[trip[TRIP_COUNT]] = trip[TRIP_NET]
            trip[TRIP_COUNT] += 1
            t.out[O_TRIPS] += 1
            t.out[O_TRIPS_RUINED] += trip[TRIP_RUINED]
            trip[TRIP_DONE] = 0
            trip[TRIP_NET] = 0
            trip[TRIP_RUINED] = 0


# _nrt=False: numba's reference counting off. Inlined helpers that take arrays otherwise leave
# increments and decrements of the arrays' reference counts in the hot loop (a 5-7x slowdown
# measured); the kernel allocates nothing, its scratch space comes from the caller.
@njit(nogil=True, cache=True, _nrt=False)
def play_rounds(
    g: GameArrays, sh: Shoe, n_rounds: int, t: Tallies, scratch: np.ndarray, trip: np.ndarray
) -> None:
    """Deal ``n_rounds`` rounds, adding our seat's statistics to ``t``. ``scratch``: int64 of
    ``SCRATCH_SHAPE``; ``trip``: int64[TRIP_SIZE], zeros (the trip in progress)."""
    params = g.params
    counting = params[P_COUNTING] != 0
    n_bins = t.bins.shape[0]
    seats = Seats(
        scratch[0, 0],
        scratch[0, 1],
        scratch[0, 2],
        scratch[0, 3],
        scratch[0, 4],
        scratch[1, :3],
        scratch[2],
        scratch[3],
    )
    in_shoe = params[P_WONG] == 0
    for _ in range(n_rounds):
        fresh = _shuffle_point(params, sh)
        b, bet, in_shoe = _bet(g, sh, n_bins, fresh, in_shoe)
        playing = in_shoe
        up, hole = _deal(g, sh, seats, playing)
        if up == 1 and playing:
            t.out[O_INSURANCE_OFFERED] += 1
        insured = _insures(params, sh, up, playing)
        if params[P_SURRENDER] == SURRENDER_EARLY:
            _early_surrender(g, sh, seats, up)
        peek = params[P_HOLE] == HOLE_PEEK
        if peek and (up == 1 or up == 10) and up + hole == 11:
            dt, dace, dealer_bj = up + hole, True, True
        else:
            _play_seats(g, sh, seats, up, t.out)
            dt, dace, dealer_bj = _dealer_plays(g, sh, seats, up, hole, insured)
        turn_hole(sh.cur)  # the hole card is shown at the end of every round
        dv = dt + 10 if (dace and dt <= 11) else dt
        if dv > 21:
            dv = BUST
        net = 0
        if playing:
            net, initial, wagered = _settle(params, seats, bet, dv, dealer_bj, insured, t.out)
            _record(t.out, t.bins, b, counting, net, initial, wagered)
        if counting:
            t.bins[b, B_ROUNDS_DEALT] += 1
        _trip_round(params, trip, t, playing, net)
        # a continuous shuffler takes this round's cards back after the next round
        if params[P_SHUFFLE] == SHUFFLE_CONTINUOUS:
            gather_round(sh.cards, sh.cur, g.tags)
    t.out[O_ROUNDS_DEALT] += n_rounds
