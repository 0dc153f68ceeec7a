"""What the engine produces: exact integer sufficient statistics of a shard (they merge in
any order) and the summary, by-count table and risk computed from them."""

from __future__ import annotations

from jost.contracts.base import Record

TICKS_PER_UNIT = 20
"""Money inside the engine is counted in integer ticks, by default 1/20 unit: every payout
(3:2, 6:5, surrender, insurance 2:1) on a bet of whole or half units is a whole number of
ticks, so shard statistics are exact integers and merge exactly in any order. Bets rounded to
chips of other sizes use a finer tick (``ShardStats.ticks_per_unit``)."""


class Tally(Record, kw_only=True, array_like=True):
    """Sufficient statistics of a set of rounds: integer counts and integer sums of money in
    ticks (``ShardStats.ticks_per_unit``). ``net`` is our seat's result of a round (all its
    spots, insurance included), ``initial`` its initial bet; the squares and the cross product
    give variances and the ratio estimator's standard error. ``rounds`` are the rounds our
    seat played, ``rounds_dealt`` all rounds dealt at the table (a wonger sits some out).
    Tallies add field by field."""

    rounds: int = 0
    hands: int = 0
    net: int = 0
    net_sq: int = 0
    initial: int = 0
    initial_sq: int = 0
    net_x_initial: int = 0
    wagered: int = 0
    wins: int = 0
    losses: int = 0
    pushes: int = 0
    blackjacks: int = 0
    dealer_blackjacks: int = 0
    busts: int = 0
    doubles: int = 0
    splits: int = 0
    surrenders: int = 0
    insurance_offered: int = 0
    rounds_dealt: int = 0
    insurance_taken: int = 0
    trips: int = 0
    trips_ruined: int = 0


class CountBin(Record, kw_only=True, array_like=True):
    """The statistics of the rounds dealt at one count (as the player computed it for the
    bet): the same sums as a Tally, for the EV, its error and the variance at that count."""

    rounds_dealt: int = 0
    rounds: int = 0
    net: int = 0
    net_sq: int = 0
    initial: int = 0
    initial_sq: int = 0
    net_x_initial: int = 0


class ShardStats(Record, kw_only=True):
    """What one shard (or a merge of shards) produced: exact, order-independent to merge."""

    total: Tally
    shards: int = 1
    ticks_per_unit: int = TICKS_PER_UNIT
    by_count: dict[int, CountBin] = {}
    """By the count at the bet (true count, or running count for unbalanced systems); counts
    beyond the tracked range are gathered into its end bins. Empty when no count is kept."""
    trip_results: dict[int, int] = {}
    """How many trips ended with a result of k units (rounded down), by k."""


class Summary(Record, kw_only=True):
    """The statistics of a (merged) simulation, all in betting units."""

    rounds: int
    hands: int
    ev: float
    """Net result per unit of initial bet (a fraction: -0.0042 is a 0.42% house edge)."""
    ev_stderr: float
    ev_ci95_low: float
    ev_ci95_high: float
    ev_per_round: float
    sd_per_round: float
    total_initial_bet: float
    total_wagered: float
    wager_ratio: float
    """Total money wagered (doubles, splits) per unit of initial bet."""
    frequencies: dict[str, float]
    """Per round our seat played: win, loss, push (by the round's net), blackjack, surrender,
    dealer_blackjack, insurance_offered, insurance_taken; and counts per round of bust, double,
    split (actions), which can exceed one in a round with splits or two spots."""
    rounds_dealt: int = 0
    """Rounds dealt at the table: ``rounds`` plus the rounds a wonger sat out."""
    win_per_100: float = 0.0
    """Net units won per 100 rounds dealt."""
    sd_per_100: float = 0.0
    """Standard deviation of the net result of 100 rounds dealt, in units."""
    avg_bet: float = 0.0
    """Average initial bet in units, over rounds played."""
    di: float = 0.0
    """Desirability index: 1000 * win rate / SD, per round dealt."""
    score: float = 0.0
    """SCORE: win per 100 rounds at the bet scale giving 13.5% risk of ruin on a 10,000-unit
    bankroll, i.e. 10^6 (win / SD)^2 per round dealt; negative when the win rate is."""
    n0: float | None = None
    """Rounds for the expected result to equal one standard deviation, (SD / win)^2."""
    ev_per_hour: float = 0.0
    sd_per_hour: float = 0.0
    by_true_count: list[TrueCountRow] | None = None
    risk: Risk | None = None


class TrueCountRow(Record, kw_only=True):
    """One count (as the player computed it for the bet). ``frequency``: share of rounds dealt
    at it; ``ev``: net result per initial bet at it, with ``ev_stderr``; ``variance``: of the
    round's net result, units squared per round played."""

    true_count: int
    frequency: float
    ev: float
    ev_stderr: float
    rounds: int
    avg_bet: float
    variance: float


class Risk(Record, kw_only=True):
    """Risk of losing the bankroll: by the standard diffusion formulas from the win rate and
    variance per round dealt, over infinite play and over one trip; and as simulated (the
    share of trips in which the running result reached minus the bankroll). ``quantiles``: of
    the result after one trip, in units, from the simulated trips."""

    bankroll: float
    trip_rounds: int
    ror_formula: float
    trip_ror_formula: float
    trip_ror_simulated: float | None
    trip_ror_stderr: float | None
    trips: int
    quantiles: dict[str, float]
