"""Every msgspec Struct that crosses a process boundary: the simulation config, the engine's
result summary, and (later) the platform's events and API bodies. One vocabulary for the engine,
the platform and the terminal.

Validation that a type alone cannot express lives in ``__post_init__``: msgspec turns the
``ValueError`` raised there into a ``ValidationError`` carrying the path of the struct at fault
(``... - at `$.rules```), and each message names the field inside it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

UPCARDS = ("2", "3", "4", "5", "6", "7", "8", "9", "10", "A")
"""Column order of every chart row: the dealer's upcard."""

HARD_ROWS = tuple(str(t) for t in range(4, 22))
SOFT_ROWS = tuple(str(t) for t in range(12, 22))
PAIR_ROWS = ("2", "3", "4", "5", "6", "7", "8", "9", "10", "A")

PLAY_CODES = frozenset({"H", "S", "D", "Ds"})
"""H hit, S stand, D double if allowed else hit, Ds double if allowed else stand."""
PAIR_CODES = frozenset({"P", "PD", "N"})
"""P split, PD split only where doubling after a split is allowed, N do not split."""
SURRENDER_CODES = frozenset({"R", "-"})
"""R surrender (first two cards, where the rules offer it), - do not."""

DoubleRule = Literal["any_two", "9_to_11", "10_to_11"]
SurrenderRule = Literal["none", "late", "early"]
HoleCardRule = Literal["peek", "enhc", "enhc_all"]
ShuffleRule = Literal["cut_card", "every_round", "continuous"]
BLACKJACK_PAYS = (1.5, 1.2, 1.0)
MAX_SEATS = 7
MAX_SPLIT_HANDS = 8


class Rules(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The rules of one game. Defaults are the common 6-deck S17 DAS 3:2 shoe game."""

    decks: Annotated[int, Meta(ge=1, le=8)] = 6
    dealer_hits_soft_17: bool = False
    blackjack_pays: float = 1.5
    double: DoubleRule = "any_two"
    double_after_split: bool = True
    max_split_hands: Annotated[int, Meta(ge=1, le=MAX_SPLIT_HANDS)] = 4
    resplit_aces: bool = False
    hit_split_aces: bool = False
    surrender: SurrenderRule = "none"
    hole_card: HoleCardRule = "peek"
    shuffle: ShuffleRule = "cut_card"
    penetration: Annotated[float, Meta(gt=0.0, le=1.0)] = 0.75

    def __post_init__(self) -> None:
        if self.blackjack_pays not in BLACKJACK_PAYS:
            raise ValueError(
                f"blackjack_pays must be one of 1.5, 1.2 or 1.0, got {self.blackjack_pays}"
            )


class SurrenderChart(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Sparse: only the rows where some upcard surrenders. A pair uses its pair row when there
    is one, else the row of its hard total (a soft hand its soft row)."""

    hard: dict[str, list[str]] = {}
    soft: dict[str, list[str]] = {}
    pairs: dict[str, list[str]] = {}


class Chart(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A total-dependent playing strategy. Every row has one cell per upcard, 2..10 then A.

    Conditional cells (D, Ds, PD) let one chart serve a family of rules: the kernel resolves
    them against the game's doubling and DAS rules. ``surrender`` is read under late
    surrender, ``early_surrender`` under early surrender (falling back to ``surrender``)."""

    name: str = ""
    source: str = ""
    hard: dict[str, list[str]]
    soft: dict[str, list[str]]
    pairs: dict[str, list[str]]
    surrender: SurrenderChart = SurrenderChart()
    early_surrender: SurrenderChart | None = None

    def __post_init__(self) -> None:
        _check_rows("hard", self.hard, HARD_ROWS, PLAY_CODES, required=True)
        _check_rows("soft", self.soft, SOFT_ROWS, PLAY_CODES, required=True)
        _check_rows("pairs", self.pairs, PAIR_ROWS, PAIR_CODES, required=True)
        for table_name, table in (
            ("surrender", self.surrender),
            ("early_surrender", self.early_surrender),
        ):
            if table is None:
                continue
            _check_rows(
                f"{table_name}.hard", table.hard, HARD_ROWS, SURRENDER_CODES, required=False
            )
            _check_rows(
                f"{table_name}.soft", table.soft, SOFT_ROWS, SURRENDER_CODES, required=False
            )
            _check_rows(
                f"{table_name}.pairs", table.pairs, PAIR_ROWS, SURRENDER_CODES, required=False
            )


def _check_rows(
    where: str,
    rows: dict[str, list[str]],
    keys: tuple[str, ...],
    codes: frozenset[str],
    *,
    required: bool,
) -> None:
    for key in rows:
        if key not in keys:
            raise ValueError(f"{where}: unknown row {key!r} (rows are {', '.join(keys)})")
    for key in keys:
        row = rows.get(key)
        if row is None:
            if required:
                raise ValueError(f"{where}: row {key!r} is missing")
            continue
        if len(row) != len(UPCARDS):
            raise ValueError(
                f"{where}[{key!r}]: needs {len(UPCARDS)} cells (upcards 2..10, A), got {len(row)}"
            )
        for up, cell in zip(UPCARDS, row, strict=True):
            if cell not in codes:
                raise ValueError(
                    f"{where}[{key!r}] vs {up}: unknown action {cell!r} "
                    f"(expected one of {', '.join(sorted(codes))})"
                )


RANKS = ("A", "2", "3", "4", "5", "6", "7", "8", "9", "10")
DeckEstimation = Literal["exact", "half_deck", "full_deck"]
Rounding = Literal["floor", "truncate", "round"]
IndexAction = Literal["H", "S", "D", "Ds", "P", "N", "R", "I"]
"""H hit, S stand, D double (else hit), Ds double (else stand), P split, N do not split,
R surrender, I take insurance."""


class CountSystem(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A card counting system: a tag per rank ("A", "2" .. "10"; tens, jacks, queens and kings
    share "10"), in whole or half points. ``"7_red"`` optionally gives red sevens a tag of their
    own (Red 7). An unbalanced system (tags not summing to zero over a deck) is played on the
    running count, which starts each shoe at ``irc_per_deck * decks + irc_offset``."""

    name: str = ""
    source: str = ""
    tags: dict[str, float]
    irc_per_deck: float = 0.0
    irc_offset: float = 0.0
    pivot: float | None = None
    key_counts: dict[str, float] = {}
    imbalance_per_deck: float | None = None
    """The published sum of tags over one deck, checked against the tags when given."""

    def __post_init__(self) -> None:
        for key in self.tags:
            if key not in RANKS and key != "7_red":
                raise ValueError(f"tags: unknown rank {key!r} (ranks are {', '.join(RANKS)})")
        for rank in RANKS:
            if rank not in self.tags:
                raise ValueError(f"tags: rank {rank!r} is missing")
        for key, tag in self.tags.items():
            if tag * 2 != int(tag * 2) or abs(tag) > 4:
                raise ValueError(f"tags[{key!r}]: {tag} is not a whole or half point in [-4, 4]")
        if self.imbalance_per_deck is not None and self.deck_sum() != self.imbalance_per_deck:
            raise ValueError(
                f"tags sum to {self.deck_sum():g} over a deck, not the stated "
                f"imbalance_per_deck {self.imbalance_per_deck:g}"
            )

    def deck_sum(self) -> float:
        """The sum of the tags over one 52-card deck (two of the four sevens are red)."""
        total = sum(4 * t for r, t in self.tags.items() if r in RANKS and r not in ("10", "7"))
        red = self.tags.get("7_red", self.tags["7"])
        return total + 16 * self.tags["10"] + 2 * self.tags["7"] + 2 * red

    @property
    def balanced(self) -> bool:
        return self.deck_sum() == 0


class Count(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``system``: a shipped system's name or a system of the player's own. The true count is
    the running count over the decks not yet seen, estimated ``exact`` (unseen cards / 52) or
    read from the discard tray to the nearest ``half_deck`` or ``full_deck``, then rounded."""

    system: str | CountSystem
    deck_estimation: DeckEstimation = "exact"
    rounding: Rounding = "floor"


_INDEX_ACTIONS = {
    "hard": ("H", "S", "D", "Ds", "R"),
    "soft": ("H", "S", "D", "Ds", "R"),
    "pair": ("P", "N", "R"),
}


class IndexPlay(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A deviation from the chart: for ``hand`` ("hard 16", "soft 18", "pair 10", "pair A" or
    "insurance") against ``upcard``, take ``action`` when the count is at or above ``index``
    (``apply: "at_or_above"``) or below it (``apply: "below"``); otherwise play the chart."""

    hand: str
    upcard: str
    action: IndexAction
    index: float
    apply: Literal["at_or_above", "below"] = "at_or_above"

    def __post_init__(self) -> None:
        if self.upcard not in UPCARDS:
            raise ValueError(f"upcard {self.upcard!r} is not one of {', '.join(UPCARDS)}")
        if self.hand == "insurance":
            if self.upcard != "A" or self.action != "I":
                raise ValueError("insurance is offered only against an ace, with action 'I'")
            return
        kind, _, total = self.hand.partition(" ")
        rows = {"hard": HARD_ROWS[:-1], "soft": SOFT_ROWS[:-1], "pair": PAIR_ROWS}.get(kind)
        if rows is None or total not in rows:
            raise ValueError(
                f"hand {self.hand!r} is impossible: expected 'hard 4'..'hard 20', "
                "'soft 12'..'soft 20', 'pair 2'..'pair 10', 'pair A' or 'insurance'"
            )
        if self.action not in _INDEX_ACTIONS[kind]:
            raise ValueError(
                f"action {self.action!r} does not apply to hand {self.hand!r} "
                f"(expected one of {', '.join(_INDEX_ACTIONS[kind])})"
            )


class DeviationSet(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A shipped set of index plays for one count system, with S17 and H17 values."""

    name: str
    system: str
    source: str
    s17: list[IndexPlay]
    h17: list[IndexPlay]


class Strategy(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``playing``: "basic" (the shipped chart for the rules), "derived" (the chart the exact
    analyzer derives for the rules), the name of a shipped chart, or a chart of the player's
    own. ``count``: the counting system (none: no count is kept).
    ``deviations``: "none", a shipped set's name, or index plays of the player's own."""

    playing: str | Chart = "basic"
    count: Count | None = None
    deviations: str | list[IndexPlay] = "none"

    def __post_init__(self) -> None:
        if self.deviations != "none" and self.count is None:
            raise ValueError("deviations need a count: set strategy.count")


class Wonging(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Back-count the shoe and play only while the count says so: enter at a count at or above
    ``enter_at``, leave once it falls below ``leave_below``. Rounds sat out count as dealt."""

    enter_at: float
    leave_below: float

    def __post_init__(self) -> None:
        if self.leave_below > self.enter_at:
            raise ValueError(
                f"leave_below {self.leave_below:g} is above enter_at {self.enter_at:g}"
            )


Money = Annotated[float, Meta(ge=1e-6, le=1e12)]
"""An amount of money (a betting unit, a table limit, a chip): a millionth to a trillion."""
RampUnits = Annotated[float, Meta(gt=0.0, le=1e6)]
"""A bet in betting units: at most a million (``jost.engine.validate.MAX_BET_UNITS``)."""


class Betting(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``unit``: the money value of one betting unit; results are reported in units.
    ``ramp``: pairs [count, units], from that count up bet that many units, until the next
    pair; below the first pair one unit; no ramp: flat one unit. ``table_min``/``table_max``
    and ``chip`` are money: a bet is rounded to the nearest chip, then held within the limits.
    """

    unit: Money = 1.0
    ramp: list[tuple[Annotated[float, Meta(ge=-1e6, le=1e6)], RampUnits]] | None = None
    table_min: Money | None = None
    table_max: Money | None = None
    chip: Money | None = None
    wonging: Wonging | None = None

    def __post_init__(self) -> None:
        if self.ramp is not None:
            if not self.ramp:
                raise ValueError("ramp: give at least one [count, units] pair, or leave it out")
            for (c0, u0), (c1, u1) in zip(self.ramp, self.ramp[1:], strict=False):
                if c1 <= c0:
                    raise ValueError(f"ramp: counts must rise, but {c1:g} follows {c0:g}")
                if u1 < u0:
                    raise ValueError(
                        f"ramp: units fall from {u0:g} to {u1:g} as the count rises to {c1:g}"
                    )
        if self.table_min and self.table_max and self.table_min > self.table_max:
            raise ValueError(f"table_min {self.table_min:g} is above table_max {self.table_max:g}")


class Table(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``seats``: players at the table, ours included; the others play basic strategy and
    eat cards. ``position``: our seat, 1 = first base (acts first); with ``spots: 2`` we play
    ``position`` and the seat after it. ``rounds_per_hour``: for the hourly figures."""

    seats: Annotated[int, Meta(ge=1, le=MAX_SEATS)] = 1
    position: Annotated[int, Meta(ge=1, le=MAX_SEATS)] = 1
    spots: Annotated[int, Meta(ge=1, le=2)] = 1
    rounds_per_hour: Annotated[float, Meta(gt=0.0)] = 100.0

    def __post_init__(self) -> None:
        if self.position + self.spots - 1 > self.seats:
            last = "position" if self.spots == 1 else f"position + {self.spots - 1}"
            raise ValueError(
                f"{last} ({self.position + self.spots - 1}) is beyond the {self.seats} seats"
            )


class Bankroll(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A bankroll in units and a trip length in rounds dealt: risk of ruin by formula (over
    infinite play and over one trip) and simulated over the trips the shards play."""

    units: Annotated[float, Meta(gt=0.0, le=1e12)]
    trip_rounds: Annotated[int, Meta(ge=1)] = 1_000


DEFAULT_SHARD_ROUNDS = 1_000_000


class SimulationConfig(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A complete, hydrated description of one simulation."""

    rules: Rules = Rules()
    strategy: Strategy = Strategy()
    betting: Betting = Betting()
    table: Table = Table()
    rounds: Annotated[int, Meta(ge=1, le=10**13)] = 10_000_000
    seed: Annotated[int, Meta(ge=0, le=2**63 - 1)] = 0
    shard_rounds: Annotated[int, Meta(ge=1_000, le=10**9)] = DEFAULT_SHARD_ROUNDS
    """Rounds per shard: with ``rounds`` it fixes the shard plan, whatever runs the shards."""
    bankroll: Bankroll | None = None

    def __post_init__(self) -> None:
        if self.strategy.count is None:
            for name, value in (
                ("betting.ramp", self.betting.ramp),
                ("betting.wonging", self.betting.wonging),
            ):
                if value is not None:
                    raise ValueError(f"{name} needs a count: set strategy.count")
        if self.bankroll is not None and self.bankroll.trip_rounds > self.shard_rounds:
            raise ValueError(
                f"bankroll.trip_rounds ({self.bankroll.trip_rounds}) must fit in one shard "
                f"(shard_rounds {self.shard_rounds}): trips are played inside shards"
            )


class Profile(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A ready-made setup players recognise, shipped under jost/defaults/profiles/."""

    description: str
    config: SimulationConfig


TICKS_PER_UNIT = 20
"""Money inside the engine is counted in integer ticks, by default 1/20 unit: every payout
(3:2, 6:5, surrender, insurance 2:1) on a bet of whole or half units is a whole number of
ticks, so shard statistics are exact integers and merge exactly in any order. Bets rounded to
chips of other sizes use a finer tick (``ShardStats.ticks_per_unit``)."""


class Tally(Struct, frozen=True, kw_only=True, array_like=True):
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


class CountBin(Struct, frozen=True, kw_only=True, array_like=True):
    """The statistics of the rounds dealt at one count (as the player computed it for the
    bet): the same sums as a Tally, for the EV, its error and the variance at that count."""

    rounds_dealt: int = 0
    rounds: int = 0
    net: int = 0
    net_sq: int = 0
    initial: int = 0
    initial_sq: int = 0
    net_x_initial: int = 0


class ShardStats(Struct, frozen=True, kw_only=True):
    """What one shard (or a merge of shards) produced: exact, order-independent to merge."""

    total: Tally
    shards: int = 1
    ticks_per_unit: int = TICKS_PER_UNIT
    by_count: dict[int, CountBin] = {}
    """By the count at the bet (true count, or running count for unbalanced systems); counts
    beyond the tracked range are gathered into its end bins. Empty when no count is kept."""
    trip_results: dict[int, int] = {}
    """How many trips ended with a result of k units (rounded down), by k."""


class Summary(Struct, frozen=True, kw_only=True):
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


class TrueCountRow(Struct, frozen=True, kw_only=True):
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


class Risk(Struct, frozen=True, kw_only=True):
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


_AT_PATH = re.compile(r" - at `(\$[^`]*)`$")


def error_at(message: str) -> tuple[str, str]:
    """A msgspec error (``Expected `int`, got `str` - at `$.rounds```) split into what is
    wrong and where: ``("Expected `int`, got `str`", "$.rounds")``; ``$`` when it names no
    place."""
    match = _AT_PATH.search(message)
    if match is None:
        return message, "$"
    return message[: match.start()], match.group(1)


def decode_config(data: bytes | str) -> SimulationConfig:
    """Decode and validate a JSON config; raises ``msgspec.ValidationError`` naming the path."""
    return msgspec.json.decode(data, type=SimulationConfig)


# ---------------------------------------------------------------------------------------------
# Platform: the events of the job log, the shard work item, and the API bodies (issue 3).
#
# Events are immutable facts in the past tense. Every event carries a deterministic ``event_id``
# (derived from the job id, its kind and shard, see ``jost.platform.events``) so a fact emitted
# twice (a redelivered message, a shard run again) is recognised as the same fact; and a
# ``schema_version`` so readers can evolve. Unknown fields are ignored on decode so older
# readers keep working when a newer writer adds a field.
# ---------------------------------------------------------------------------------------------

EVENT_SCHEMA_VERSION = 1

JobState = Literal["submitted", "running", "completed", "failed", "cancelled"]
TERMINAL_STATES: frozenset[str] = frozenset({"completed", "failed", "cancelled"})
"""The states a job never leaves (its transitions are decided in ``jost.platform.lifecycle``;
clients read this set to know when to stop watching)."""


class _Event(Struct, frozen=True, kw_only=True, tag_field="kind", tag=True):
    event_id: str
    job_id: str
    at: datetime
    """When the writer emitted the fact (UTC)."""
    schema_version: int = EVENT_SCHEMA_VERSION


class JobSubmitted(_Event, frozen=True, kw_only=True):
    owner: str
    """A digest of the submitting token: who may see the job (never the token itself)."""
    config: SimulationConfig
    idempotency_key: str | None = None


class JobPlanned(_Event, frozen=True, kw_only=True):
    shard_rounds: list[int]
    """Rounds of each shard; the shard index is the position."""


class ShardCompleted(_Event, frozen=True, kw_only=True):
    shard_index: int
    rounds: int
    stats: ShardStats
    seconds: float = 0.0


class ShardFailed(_Event, frozen=True, kw_only=True):
    shard_index: int
    error: str


class JobCompleted(_Event, frozen=True, kw_only=True):
    stats: ShardStats
    summary: Summary


class JobFailed(_Event, frozen=True, kw_only=True):
    reason: str
    shard_index: int | None = None


class JobCancelled(_Event, frozen=True, kw_only=True):
    reason: str = "cancelled by its owner"


class JobResumed(_Event, frozen=True, kw_only=True):
    """A job's facts restored into a new log from the archive (the embedded log dies with its
    process): the shards done before, and their merged statistics, stand in for their
    ShardCompleted facts, so only the other shards run and the result is the same."""

    done_shards: list[int]
    stats: ShardStats
    log_id: str
    """The log it was restored into."""


Event = (
    JobSubmitted
    | JobPlanned
    | JobResumed
    | ShardCompleted
    | ShardFailed
    | JobCompleted
    | JobFailed
    | JobCancelled
)
"""The one tagged union of ``jost.events`` (the tag field is ``kind``)."""


class ShardRequested(Struct, frozen=True, kw_only=True):
    """A work item on ``jost.shards``: it names its job and shard, nothing more, so it stays a
    few dozen bytes whatever the config. Workers read each job's config once, from its
    JobSubmitted in ``jost.events``."""

    job_id: str
    shard_index: int
    rounds: int


# -- API bodies --------------------------------------------------------------------------------


class SubmitAccepted(Struct, frozen=True, kw_only=True):
    """The answer to a submit: the job's id and its status now (a resubmission under the same
    Idempotency-Key tells the job's real status, ``completed`` included)."""

    job_id: str
    status: JobState = "submitted"


class JobStatus(Struct, frozen=True, kw_only=True):
    job_id: str
    status: JobState
    shards_done: int
    shards_total: int | None
    """None until the job is planned."""
    submitted_at: datetime
    planned_at: datetime | None = None
    finished_at: datetime | None = None
    rounds: int
    error: str | None = None


class JobResult(Struct, frozen=True, kw_only=True):
    job_id: str
    summary: Summary
    stats: ShardStats
    exact: ExactComparison | None = None
    """The exact EV of the same play beside the simulated one, where the analyzer applies:
    flat-bet chart play without a count (None otherwise)."""


class JobPage(Struct, frozen=True, kw_only=True):
    """Job history, newest first. ``next_offset`` is None on the last page."""

    jobs: list[JobStatus]
    offset: int
    limit: int
    next_offset: int | None


class LoggedEvent(Struct, frozen=True, kw_only=True):
    """An event with its place in the log."""

    partition: int
    offset: int
    event: Event


class JobEvents(Struct, frozen=True, kw_only=True):
    job_id: str
    events: list[LoggedEvent]


class SqlQuery(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sql: Annotated[str, Meta(min_length=1, max_length=20_000)]
    max_rows: Annotated[int, Meta(ge=1, le=10_000)] = 1_000


class SqlResult(Struct, frozen=True, kw_only=True):
    columns: list[str]
    rows: list[list[object]]
    truncated: bool
    """True when the query had more rows than ``max_rows``."""
    seconds: float


class Health(Struct, frozen=True, kw_only=True):
    status: Literal["ok"] = "ok"
    events_applied: int = 0


# -- Exact analysis (issue 8) -------------------------------------------------------------------

PostSplit = Literal["per_hand_split_count", "pre_split", "first_split"]
"""Play of split hands in composition-dependent EVs (``jost.engine.exact``)."""


class ExactQuery(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``POST /api/exact/`` with a shoe composition: rules, the counts left per rank (``A``,
    ``2``..``9``, ``T``; a missing rank has none left), and optionally the chart to value.
    Without a shoe the body may as well be a complete SimulationConfig."""

    rules: Rules = Rules()
    shoe: dict[str, int] | None = None
    strategy: Strategy = Strategy()


class ExactAnswer(Struct, frozen=True, kw_only=True):
    """The exact result: fractions of the initial bet per round (-0.0043: a 0.43% edge).
    ``ev_basic`` values ``chart``, the chart the simulator would play for the request's
    ``strategy.playing`` (``basic``: the shipped chart for the rules); ``ev_derived`` the
    chart derived for the rules, returned as ``derived_chart`` when asked for."""

    ev_composition_dependent: float
    ev_basic: float
    chart: str
    ev_derived: float
    post_split: PostSplit
    post_split_description: str
    shoe: list[int]
    """Counts per rank A, 2..9, ten-valued."""
    ev_by_upcard: dict[str, dict[str, float]]
    seconds: float
    derived_chart: Chart | None = None


class ExactComparison(Struct, frozen=True, kw_only=True):
    """A job's simulated EV against the exact EV of the chart it played, off the top of a full
    shoe. ``difference_se`` is (simulated - exact) / standard error. ``off_the_top`` is True
    when the job shuffles every round, so both estimate the same number; with a cut card or
    a continuous shuffler the simulated EV also holds the effect of the shuffle, so a gap of a
    few standard errors there is not by itself an error."""

    ev_exact: float
    chart: str
    ev_simulated: float
    ev_stderr: float
    difference_se: float
    off_the_top: bool


# -- Tokens (issue 14) --------------------------------------------------------------------------
# Tokens an admin issues and revokes while the platform runs. Each issue and revocation is a fact
# in ``jost.events`` (keyed ``token/<name>``, so one token's facts stay ordered), beside the jobs'
# facts but not among them: ``Event`` stays the jobs' union, and the readers of job facts skip
# these. A fact carries the sha256 digest of the key, never the key.

TOKEN_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""A token's name: what the admin calls it (a path segment of ``/api/tokens/NAME/``)."""


class _TokenEvent(Struct, frozen=True, kw_only=True, tag_field="kind", tag=True):
    event_id: str
    name: str
    at: datetime
    schema_version: int = EVENT_SCHEMA_VERSION


class TokenIssued(_TokenEvent, frozen=True, kw_only=True):
    digest: str
    """The hex sha256 of the key: what requests are compared against."""
    admin: bool = False


class TokenRevoked(_TokenEvent, frozen=True, kw_only=True):
    """From this fact on the token is refused (401) on every route."""


TokenEvent = TokenIssued | TokenRevoked
"""The facts of ``jost.events`` that are about tokens, not jobs (the tag field is ``kind``)."""


class TokenRequest(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``POST /api/tokens/``: issue a token under a new name."""

    name: Annotated[
        str,
        Meta(
            pattern=TOKEN_NAME_PATTERN,
            description="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; "
            "unique for good (a revoked token keeps its name).",
        ),
    ]
    admin: bool = False


class TokenCreated(Struct, frozen=True, kw_only=True):
    """A token just issued. ``token`` is the key: shown here once, stored nowhere (the
    platform keeps its digest only)."""

    name: str
    token: str
    admin: bool


class TokenInfo(Struct, frozen=True, kw_only=True):
    name: str
    admin: bool
    created_at: datetime
    revoked_at: datetime | None = None
