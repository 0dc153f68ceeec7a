"""Every msgspec Struct that crosses a process boundary: the simulation config, the engine's
result summary, and (later) the platform's events and API bodies. One vocabulary for the engine,
the platform and the terminal.

Validation that a type alone cannot express lives in ``__post_init__``: msgspec turns the
``ValueError`` raised there into a ``ValidationError`` carrying the path of the struct at fault
(``... - at `$.rules```), and each message names the field inside it.
"""

from __future__ import annotations

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


class Strategy(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``playing``: "basic" (the shipped chart for the rules), the name of a shipped chart, or
    a chart of the player's own."""

    playing: str | Chart = "basic"


class Betting(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``unit``: the money value of one betting unit; results are reported in units."""

    unit: Annotated[float, Meta(gt=0.0)] = 1.0


class Table(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``seats``: players at the table, ours included; the others play basic strategy and
    eat cards. ``position``: our seat, 1 = first base (acts first)."""

    seats: Annotated[int, Meta(ge=1, le=MAX_SEATS)] = 1
    position: Annotated[int, Meta(ge=1, le=MAX_SEATS)] = 1

    def __post_init__(self) -> None:
        if self.position > self.seats:
            raise ValueError(f"position {self.position} is beyond the {self.seats} seats")


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


TICKS_PER_UNIT = 20
"""Money inside the engine is counted in integer ticks of 1/20 unit: every payout (3:2, 6:5,
surrender, insurance 2:1) on a bet of whole or half units is a whole number of ticks, so shard
statistics are exact integers and merge exactly in any order."""


class Tally(Struct, frozen=True, kw_only=True, array_like=True):
    """Sufficient statistics of a set of rounds: integer counts and integer sums of money in
    ticks (``TICKS_PER_UNIT``). ``net`` is our seat's result of a round, ``initial`` its
    initial bet; the squares and the cross product give variances and the ratio estimator's
    standard error. Tallies add field by field."""

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


class ShardStats(Struct, frozen=True, kw_only=True):
    """What one shard (or a merge of shards) produced: exact, order-independent to merge."""

    total: Tally
    shards: int = 1


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
    """Per round dealt to our seat: win, loss, push (by the round's net), blackjack, surrender,
    dealer_blackjack, insurance_offered; and counts per round of bust, double, split (actions),
    which can exceed one in a round with splits."""


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


Event = (
    JobSubmitted
    | JobPlanned
    | ShardCompleted
    | ShardFailed
    | JobCompleted
    | JobFailed
    | JobCancelled
)
"""The one tagged union of ``jost.events`` (the tag field is ``kind``)."""


class ShardRequested(Struct, frozen=True, kw_only=True):
    """A work item on ``jost.shards``: everything a worker needs, so it reads nothing else."""

    job_id: str
    shard_index: int
    rounds: int
    config: SimulationConfig


# -- API bodies --------------------------------------------------------------------------------


class SubmitAccepted(Struct, frozen=True, kw_only=True):
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
