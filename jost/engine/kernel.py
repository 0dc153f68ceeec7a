"""The hot loop: plays rounds of blackjack and accumulates our seat's sufficient statistics.

Everything arrives as flat numpy arrays built by ``jost.engine.game``: ``params`` (the rules as
integers, indices ``P_*``), ``tab`` (the strategy and doubling tables, planes ``T_*``, indexed
``[plane, total or pair rank, upcard]`` with card values 1 = ace .. 10), the shoe and its
cursor, the generator state, the count's tags, index plays and bet table, and the outputs:
``out`` (the ``Tally`` fields in order), ``bins`` (statistics by the count at the bet) and
``trips`` (each trip's result). No Python objects inside; money is in integer ticks.

The shoe holds card codes: the value (1 = ace .. 10) and, for red sevens, bit ``RED``, so a
count may tag red and black sevens apart (Red 7). Counts are kept in half points (tags * 2).

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

POS = 0  # next position to deal
ROUND_START = 1  # first position of the current round's cards
RC = 2  # running count, half points
IRC = 3  # the running count a fresh shoe starts at, half points
HOLE_PENDING = 4  # 1 while the dealer's hole card is dealt and not yet turned over
HOLE_TAG = 5  # that card's tag, kept out of the count until it is turned
CURSOR_SIZE = 6

RED = 16
VALUE = 15


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


# -- the count

EST_EXACT, EST_HALF_DECK, EST_FULL_DECK = 0, 1, 2
ROUND_FLOOR, ROUND_TRUNCATE, ROUND_NEAREST = 0, 1, 2


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
P_OUR_SEAT = 12  # our first spot
P_SPOTS = 13  # 1 or 2 spots, from P_OUR_SEAT on
P_BET = 14  # flat bet per spot, ticks, when no count is kept
P_COUNTING = 15
P_BALANCED = 16
P_DECK_EST = 17
P_ROUNDING = 18
P_BIN_LOW = 19  # the count of bins[0]; counts beyond the bins are clamped into the end ones
P_DEVIATIONS = 20
P_INSURANCE_MODE = 21  # MODE_* below; MODE_NONE: insurance is always declined
P_INSURANCE_AT = 22
P_WONG = 23
P_WONG_ENTER = 24  # enter at count >= this
P_WONG_LEAVE = 25  # leave at count < this
P_TRIP_ROUNDS = 26  # 0: no trips
P_BANKROLL = 27  # ticks
N_PARAMS = 28

SURRENDER_NONE, SURRENDER_LATE, SURRENDER_EARLY = 0, 1, 2
HOLE_PEEK, HOLE_ENHC, HOLE_ENHC_ALL = 0, 1, 2
SHUFFLE_CUT_CARD, SHUFFLE_EVERY_ROUND, SHUFFLE_CONTINUOUS = 0, 1, 2

# tab planes, [plane, total or pair card, upcard]
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

# index plays: dev[plane, row, upcard, field], planes as tab's T_HARD .. T_SURR_PAIR; the
# action and the play otherwise are codes of the plane (play, pair or surrender codes)
DEV_MODE = 0
DEV_AT = 1  # the count compared with, as a whole number (an index rounded up)
DEV_ACTION = 2
DEV_ELSE = 3
N_DEV_FIELDS = 4
MODE_NONE, MODE_AT_OR_ABOVE, MODE_BELOW = 0, 1, 2

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
O_ROUNDS_DEALT = 18
O_INSURANCE_TAKEN = 19
O_TRIPS = 20
O_TRIPS_RUINED = 21
N_OUT = 22

# bins: the fields of jost.contracts.CountBin, in order
B_ROUNDS_DEALT = 0
B_ROUNDS = 1
B_NET = 2
B_NET_SQ = 3
B_INITIAL = 4
B_INITIAL_SQ = 5
B_NET_X_INITIAL = 6
N_BIN_FIELDS = 7

MAX_HANDS = 8
MAX_SEATS = 8
BUST = 22
SCRATCH_SHAPE = (4, MAX_SEATS, MAX_HANDS)
"""The kernel's scratch: per-seat cards, states, hand counts; split-hand work rows; each
seat's hand values and bet multiples."""

# seat state after the deal
SEAT_EMPTY, SEAT_PLAYING, SEAT_NATURAL, SEAT_SURRENDERED = 0, 1, 2, 3


@njit(inline="always")
def _choose(
    plain: int,
    dev: np.ndarray,
    plane: int,
    row: int,
    up: int,
    cur: np.ndarray,
    n_cards: int,
    params: np.ndarray,
) -> int:
    """The chart's code, or an index play's when the cell has one: its action when the count
    is on its side of the index, its other play when not."""
    mode = dev[plane, row, up, DEV_MODE]
    if mode == MODE_NONE:
        return plain
    c = count_now(cur, n_cards, params)
    above = c >= dev[plane, row, up, DEV_AT]
    if above == (mode == MODE_AT_OR_ABOVE):
        return dev[plane, row, up, DEV_ACTION]
    return dev[plane, row, up, DEV_ELSE]


@njit(inline="always")
def _surrenders(
    tab: np.ndarray,
    dev: np.ndarray,
    use_dev: bool,
    c1: int,
    c2: int,
    up: int,
    cur: np.ndarray,
    n_cards: int,
    params: np.ndarray,
) -> bool:
    if c1 == c2 and tab[T_SURR_PAIR, c1, up] != SURR_PAIR_ROW_NONE:
        plane, row = T_SURR_PAIR, c1
    elif (c1 == 1 or c2 == 1) and c1 + c2 <= 11:
        plane, row = T_SURR_SOFT, c1 + c2 + 10
    else:
        plane, row = T_SURR_HARD, c1 + c2
    code = tab[plane, row, up]
    if use_dev:
        code = _choose(code, dev, plane, row, up, cur, n_cards, params)
    return code == SURR_YES


@njit(inline="always")
def _play_seat(
    c1: int,
    c2: int,
    up: int,
    use_dev: bool,
    params: np.ndarray,
    tab: np.ndarray,
    dev: np.ndarray,
    tags: np.ndarray,
    shoe: np.ndarray,
    cur: np.ndarray,
    rng: np.ndarray,
    value: np.ndarray,
    mult: np.ndarray,
    seat: int,
    counts: np.ndarray,
    work: np.ndarray,
) -> int:
    """Play one seat's hand (and its splits) to the end. Writes each hand's final value
    (``BUST`` when busted) and bet multiple (2 when doubled); ``counts`` gets the seat's
    doubles and splits; ``work`` is scratch space (3, MAX_HANDS) allocated once per shard.
    ``use_dev``: this seat plays the index plays (our spots do, the other seats do not).
    Returns the number of hands."""
    das = params[P_DAS] != 0
    max_hands = params[P_MAX_HANDS]
    rsa = params[P_RSA] != 0
    hsa = params[P_HSA] != 0
    n_cards = shoe.shape[0]
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
            work[1, h] += deal(shoe, cur, rng, tags)
            work[2, h] = 2
        t = work[1, h]
        # t - f is the second card, so the hand is a pair when it equals the first
        if t - f == f and n_hands < max_hands and (f != 1 or not split_aces or rsa):
            code = tab[T_PAIR, f, up]
            if use_dev:
                code = _choose(code, dev, T_PAIR, f, up, cur, n_cards, params)
            if code == PAIR_SPLIT or (code == PAIR_SPLIT_DAS and das):
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
            value[seat, h] = t + 10 if t <= 11 else t  # one card to each split ace
            mult[seat, h] = 1
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
                code = _choose(code, dev, plane, v, up, cur, n_cards, params)
            if code == A_STAND:
                break
            if code != A_HIT:
                if nc == 2 and (n_hands == 1 or das) and tab[T_DOUBLE_OK, v, 1 if soft else 0]:
                    c = deal(shoe, cur, rng, tags)
                    t += c
                    has_ace = has_ace or c == 1
                    m = 2
                    doubles += 1
                    break
                if code == A_DOUBLE_STAND:
                    break
            c = deal(shoe, cur, rng, tags)
            t += c
            nc += 1
            has_ace = has_ace or c == 1
        v = t + 10 if (has_ace and t <= 11) else t
        value[seat, h] = v if v <= 21 else BUST
        mult[seat, h] = m
        h += 1
    counts[0] = doubles
    counts[1] = splits
    return n_hands


# _nrt=False: numba's reference counting off. Inlined helpers that take arrays otherwise leave
# increments and decrements of the arrays' reference counts in the hot loop (a 5-7x slowdown
# measured); the kernel allocates nothing, its scratch space comes from the caller.
@njit(nogil=True, cache=True, _nrt=False)
def play_rounds(
    params: np.ndarray,
    tab: np.ndarray,
    dev: np.ndarray,
    tags: np.ndarray,
    bets: np.ndarray,
    shoe: np.ndarray,
    cur: np.ndarray,
    rng: np.ndarray,
    n_rounds: int,
    out: np.ndarray,
    bins: np.ndarray,
    trips: np.ndarray,
    scratch: np.ndarray,
) -> None:
    """Deal ``n_rounds`` rounds, adding our seat's statistics to ``out`` and ``bins`` and each
    finished trip's result to ``trips``. ``scratch``: int64 of ``SCRATCH_SHAPE``."""
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
    last_ours = ours + params[P_SPOTS] - 1
    flat_bet = params[P_BET]
    counting = params[P_COUNTING] != 0
    use_dev = params[P_DEVIATIONS] != 0
    bin_low = params[P_BIN_LOW]
    n_bins = bins.shape[0]
    insurance_mode = params[P_INSURANCE_MODE]
    insurance_at = params[P_INSURANCE_AT]
    wong = params[P_WONG] != 0
    wong_enter = params[P_WONG_ENTER]
    wong_leave = params[P_WONG_LEAVE]
    trip_rounds = params[P_TRIP_ROUNDS]
    bankroll = params[P_BANKROLL]
    n_cards = shoe.shape[0]

    c1 = scratch[0, 0]
    c2 = scratch[0, 1]
    state = scratch[0, 2]
    n_hands = scratch[0, 3]
    counts = scratch[0, 4]
    work = scratch[1, :3]
    value = scratch[2]
    mult = scratch[3]

    s_rounds = 0
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
    s_insured = 0
    s_trips = 0
    s_ruined = 0

    in_shoe = not wong
    trip_done = 0
    trip_net = 0
    trip_ruined = False

    for _ in range(n_rounds):
        # -- shuffle point: a fresh shoe starts the count again
        fresh = False
        if shuffle == SHUFFLE_CUT_CARD:
            if cur[POS] >= cut:
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

        # -- the bet, on the count before the deal
        b = 0
        bet = flat_bet
        if counting:
            c = count_now(cur, n_cards, params)
            b = c - bin_low
            b = 0 if b < 0 else (n_bins - 1 if b >= n_bins else b)
            bet = bets[b]
            if wong:
                if fresh and shuffle == SHUFFLE_CUT_CARD:
                    in_shoe = False  # a wonger leaves at the shuffle and back-counts again
                in_shoe = c >= wong_leave if in_shoe else c >= wong_enter
        playing = in_shoe

        # -- the deal
        for s in range(seats):
            state[s] = SEAT_PLAYING if (playing or s < ours or s > last_ours) else SEAT_EMPTY
            n_hands[s] = 0
        for s in range(seats):
            if state[s] != SEAT_EMPTY:
                c1[s] = deal(shoe, cur, rng, tags)
        up = deal(shoe, cur, rng, tags)
        for s in range(seats):
            if state[s] != SEAT_EMPTY:
                c2[s] = deal(shoe, cur, rng, tags)
                a = c1[s]
                if a + c2[s] == 11 and (a == 1 or c2[s] == 1):
                    state[s] = SEAT_NATURAL
        hole = 0
        if peek:
            code = draw(shoe, cur, rng, tags)
            hole = code & VALUE
            cur[HOLE_PENDING] = 1
            cur[HOLE_TAG] = tags[code]

        # -- insurance, offered against an ace; taken only where the index says so
        insured = False
        if up == 1 and playing:
            s_insurance += 1
            if insurance_mode != MODE_NONE:
                above = count_now(cur, n_cards, params) >= insurance_at
                insured = above == (insurance_mode == MODE_AT_OR_ABOVE)

        # -- early surrender comes before the dealer checks for blackjack
        if surrender == SURRENDER_EARLY:
            for s in range(seats):
                if state[s] == SEAT_PLAYING and _surrenders(
                    tab,
                    dev,
                    use_dev and ours <= s <= last_ours,
                    c1[s],
                    c2[s],
                    up,
                    cur,
                    n_cards,
                    params,
                ):
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
                mine = ours <= s <= last_ours
                if surrender == SURRENDER_LATE and _surrenders(
                    tab, dev, use_dev and mine, c1[s], c2[s], up, cur, n_cards, params
                ):
                    state[s] = SEAT_SURRENDERED
                    continue
                n_hands[s] = _play_seat(
                    c1[s],
                    c2[s],
                    up,
                    use_dev and mine,
                    params,
                    tab,
                    dev,
                    tags,
                    shoe,
                    cur,
                    rng,
                    value,
                    mult,
                    s,
                    counts,
                    work,
                )
                if mine:
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
            if not peek and (live or insured or (pending and (up == 1 or up == 10))):
                hole = deal(shoe, cur, rng, tags)
                dt = up + hole
                dace = up == 1 or hole == 1
                dealer_bj = dt == 11 and dace
            if live and not dealer_bj:
                while True:
                    soft = dace and dt <= 11
                    dv = dt + 10 if soft else dt
                    if dv > 17 or (dv == 17 and not (soft and h17)):
                        break
                    c = deal(shoe, cur, rng, tags)
                    dt += c
                    dace = dace or c == 1
        turn_hole(cur)  # the hole card is shown at the end of every round
        dv = dt + 10 if (dace and dt <= 11) else dt
        if dv > 21:
            dv = BUST

        # -- settle our spots
        if playing:
            net = 0
            initial = 0
            wagered = 0
            for s in range(ours, last_ours + 1):
                st = state[s]
                nh = n_hands[s]
                initial += bet
                spot_net = 0
                spot_wagered = bet
                if st == SEAT_NATURAL:
                    s_bj += 1
                    if not dealer_bj:
                        spot_net = bet * bj_num // bj_den
                elif st == SEAT_SURRENDERED:
                    s_surrenders += 1
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
                        stake = bet * mult[s, h]
                        spot_wagered += stake
                        lost_all -= stake
                        v = value[s, h]
                        if v == BUST:
                            s_busts += 1
                            spot_net -= stake
                        elif v > dv or dv == BUST:
                            spot_net += stake
                        elif v < dv:
                            spot_net -= stake
                    if dealer_bj:
                        # no hole card: a dealer blackjack found after play takes the original
                        # bet only (enhc) or every bet on the table (enhc_all)
                        spot_net = lost_all if hole_rule == HOLE_ENHC_ALL else -bet
                if insured:
                    # half the bet on the side, paid 2:1 against a dealer blackjack
                    spot_net += bet if dealer_bj else -(bet // 2)
                    spot_wagered += bet // 2
                    s_insured += 1
                s_hands += nh if nh > 0 else 1
                net += spot_net
                wagered += spot_wagered
            if dealer_bj:
                s_dbj += 1
            s_rounds += 1
            s_net += net
            s_net_sq += net * net
            s_initial += initial
            s_initial_sq += initial * initial
            s_net_x_initial += net * initial
            s_wagered += wagered
            if net > 0:
                s_wins += 1
            elif net < 0:
                s_losses += 1
            else:
                s_pushes += 1
            if counting:
                bins[b, B_ROUNDS] += 1
                bins[b, B_NET] += net
                bins[b, B_NET_SQ] += net * net
                bins[b, B_INITIAL] += initial
                bins[b, B_INITIAL_SQ] += initial * initial
                bins[b, B_NET_X_INITIAL] += net * initial
            trip_net += net
            if trip_net <= -bankroll:
                trip_ruined = True
        if counting:
            bins[b, B_ROUNDS_DEALT] += 1

        # -- trips: consecutive runs of trip_rounds rounds dealt
        if trip_rounds > 0:
            trip_done += 1
            if trip_done == trip_rounds:
                trips[s_trips] = trip_net
                s_trips += 1
                if trip_ruined:
                    s_ruined += 1
                trip_done = 0
                trip_net = 0
                trip_ruined = False

        # -- a continuous shuffler takes this round's cards back after the next round
        if shuffle == SHUFFLE_CONTINUOUS:
            gather_round(shoe, cur, tags)

    out[O_ROUNDS] += s_rounds
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
    out[O_ROUNDS_DEALT] += n_rounds
    out[O_INSURANCE_TAKEN] += s_insured
    out[O_TRIPS] += s_trips
    out[O_TRIPS_RUINED] += s_ruined
