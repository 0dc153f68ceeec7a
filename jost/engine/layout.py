"""The layout of the arrays the kernel (``jost.engine.kernel``) reads and writes: the indices
and sizes of their fields, the rule and count codes Python writes into them, and the tuples that
group them. Python builds and reads these arrays (``game``, ``counting``, ``shards``, ``stats``,
``validate``) without the kernel, so this module imports no numba: a process that only checks
or builds a game (``jost run``'s parent process, say) never loads the compiler.

The kernel compiles these values in (numba freezes a module's globals at compile time), so the
hot loop reads them as constants, not lookups. numba's on-disk cache is keyed on kernel.py
alone: a change of a value here wants the cache cleared (``__pycache__/*.nbi``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# -- the shoe's cursor: cur[field]

POS = 0  # next position to deal
ROUND_START = 1  # first position of the current round's cards
RC = 2  # running count, half points
IRC = 3  # the running count a fresh shoe starts at, half points
HOLE_PENDING = 4  # 1 while the dealer's hole card is dealt and not yet turned over
HOLE_TAG = 5  # that card's tag, kept out of the count until it is turned
CURSOR_SIZE = 6

# -- card codes: the value (1 = ace .. 10) and, for red sevens, bit RED

RED = 16
VALUE = 15

# -- the count: deck estimation and rounding of the true count

EST_EXACT, EST_HALF_DECK, EST_FULL_DECK = 0, 1, 2
ROUND_FLOOR, ROUND_TRUNCATE, ROUND_NEAREST = 0, 1, 2

# -- the game's arrays

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


# Rule codes only the simulator reads (surrender's are shared with the analyzer: jost.engine.codes).
HOLE_PEEK, HOLE_ENHC, HOLE_ENHC_ALL = 0, 1, 2
SHUFFLE_CUT_CARD, SHUFFLE_EVERY_ROUND, SHUFFLE_CONTINUOUS = 0, 1, 2

# tab planes, [plane, total or pair card, upcard]; cells hold the chart codes of
# jost.engine.codes (play codes in T_HARD/T_SOFT, pair codes in T_PAIR, surrender codes in the
# T_SURR_* planes, NO_ROW in T_SURR_PAIR where a pair has no surrender row of its own)
T_HARD = 0
T_SOFT = 1
T_PAIR = 2
T_SURR_HARD = 3
T_SURR_SOFT = 4
T_SURR_PAIR = 5
T_DOUBLE_OK = 6  # [T_DOUBLE_OK, total, 0] hard total may double, [.., 1] soft total may
N_PLANES = 7

# index plays: dev[plane, row, upcard, field], planes as tab's T_HARD .. T_SURR_PAIR; the
# action and the play otherwise are chart codes of the plane
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
SCRATCH_SHAPE = (4, MAX_SEATS, MAX_HANDS)
"""The kernel's scratch: per-seat cards, states, hand counts; split-hand work rows; each
seat's hand values and bet multiples (the kernel's ``Seats`` names its parts)."""

# trip: the trip in progress, carried from round to round
TRIP_DONE = 0  # rounds dealt
TRIP_NET = 1  # ticks
TRIP_RUINED = 2  # 1 once the trip has lost the bankroll
TRIP_COUNT = 3  # trips finished in this call
TRIP_SIZE = 4


class GameArrays(NamedTuple):
    """What the kernel reads and never writes: the rules (``params``), the strategy tables
    (``tab``), the index plays (``dev``), the count's tags and the bet at each count."""

    params: np.ndarray
    tab: np.ndarray
    dev: np.ndarray
    tags: np.ndarray
    bets: np.ndarray


class Shoe(NamedTuple):
    """The shoe's state, written as cards are dealt: the card codes, the cursor (``POS`` ..
    ``HOLE_TAG``) and the generator state."""

    cards: np.ndarray
    cur: np.ndarray
    rng: np.ndarray


class Tallies(NamedTuple):
    """The outputs, added to: ``out`` (the ``Tally`` fields in order), ``bins`` (statistics by
    the count at the bet) and ``trips`` (each finished trip's result)."""

    out: np.ndarray
    bins: np.ndarray
    trips: np.ndarray
