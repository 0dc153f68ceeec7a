"""The simulation config: rules, strategy (chart, count, deviations), betting, table,
bankroll; and a ready-made profile. Everything a run needs, decoded strictly.

Validation that a type alone cannot express lives in ``__post_init__``: msgspec turns the
``ValueError`` raised there into a ``ValidationError`` carrying the path of the struct at fault
(``... - at `$.rules```), and each message names the field inside it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from jost.contracts.base import Inbound

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


class Rules(Inbound, kw_only=True):
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


class SurrenderChart(Inbound, kw_only=True):
    """Sparse: only the rows where some upcard surrenders. A pair uses its pair row when there
    is one, else the row of its hard total (a soft hand its soft row)."""

    hard: dict[str, list[str]] = {}
    soft: dict[str, list[str]] = {}
    pairs: dict[str, list[str]] = {}


class Chart(Inbound, kw_only=True):
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


class CountSystem(Inbound, kw_only=True):
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


class Count(Inbound, kw_only=True):
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


class IndexPlay(Inbound, kw_only=True):
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


class DeviationSet(Inbound, kw_only=True):
    """A shipped set of index plays for one count system, with S17 and H17 values."""

    name: str
    system: str
    source: str
    s17: list[IndexPlay]
    h17: list[IndexPlay]


class Strategy(Inbound, kw_only=True):
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


class Wonging(Inbound, kw_only=True):
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


class Betting(Inbound, kw_only=True):
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


class Table(Inbound, kw_only=True):
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


class Bankroll(Inbound, kw_only=True):
    """A bankroll in units and a trip length in rounds dealt: risk of ruin by formula (over
    infinite play and over one trip) and simulated over the trips the shards play."""

    units: Annotated[float, Meta(gt=0.0, le=1e12)]
    trip_rounds: Annotated[int, Meta(ge=1)] = 1_000


DEFAULT_SHARD_ROUNDS = 1_000_000


class SimulationConfig(Inbound, kw_only=True):
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


class Profile(Inbound, kw_only=True):
    """A ready-made setup players recognise, shipped under jost/defaults/profiles/."""

    description: str
    config: SimulationConfig


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
