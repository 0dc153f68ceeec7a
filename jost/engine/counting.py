"""Counting and betting as the kernel reads them: a count system's tags, the index plays, and
the bet for every count, built from the config and the shipped data under jost/defaults/."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from jost import defaults
from jost.contracts import (
    TICKS_PER_UNIT,
    Betting,
    CountSystem,
    DeviationSet,
    IndexPlay,
    SimulationConfig,
)
from jost.engine import layout
from jost.engine.cards import card_value
from jost.engine.codes import (
    KEEP,
    NO_ROW,
    PAIR_CODE,
    PAIR_OPPOSITE,
    PLAY_CODE,
    PLAY_OPPOSITE,
    SURRENDER,
)
from jost.engine.errors import ConfigRejected

BALANCED_RANGE = 30
"""True counts beyond +-30 are gathered into the end bins (they almost never occur)."""


def count_system_names() -> tuple[str, ...]:
    return defaults.names("counts")


def deviation_set_names() -> tuple[str, ...]:
    return defaults.names("deviations")


def load_count_system(name: str) -> CountSystem:
    _check_shipped("counts", name, "$.strategy.count.system", "count system")
    return defaults.load("counts", name, CountSystem, "strategy.count.system")


def load_deviation_set(name: str) -> DeviationSet:
    _check_shipped("deviations", name, "$.strategy.deviations", "index set")
    return defaults.load("deviations", name, DeviationSet, "strategy.deviations")


def _check_shipped(kind: str, name: str, field: str, what: str) -> None:
    if name not in defaults.names(kind):
        shipped = ", ".join(defaults.names(kind))
        raise ConfigRejected(field, f"unknown {what} {name!r}; shipped: {shipped}")


def resolve_count(config: SimulationConfig) -> CountSystem | None:
    count = config.strategy.count
    if count is None:
        return None
    return (
        count.system if isinstance(count.system, CountSystem) else load_count_system(count.system)
    )


def resolve_deviations(config: SimulationConfig) -> list[IndexPlay]:
    deviations = config.strategy.deviations
    if deviations == "none":
        return []
    if not isinstance(deviations, str):
        return list(deviations)
    chosen = load_deviation_set(deviations)
    count = config.strategy.count
    system = count.system if count is not None else None
    if isinstance(system, str) and system != chosen.system:
        raise ConfigRejected(
            "$.strategy.deviations",
            f"{deviations!r} holds {chosen.system} indices, but strategy.count.system is "
            f"{system!r}",
        )
    return chosen.h17 if config.rules.dealer_hits_soft_17 else chosen.s17


class Counting(NamedTuple):
    tags: np.ndarray  # int64[32], half points, by card code
    irc: int  # half points
    balanced: bool
    bin_low: int
    n_bins: int


def build_counting(config: SimulationConfig) -> Counting | None:
    system = resolve_count(config)
    if system is None:
        return None
    tags = np.zeros(32, np.int64)
    for rank, tag in system.tags.items():
        if rank == "7_red":
            continue
        tags[card_value(rank)] = round(2 * tag)
    tags[7 | layout.RED] = round(2 * system.tags.get("7_red", system.tags["7"]))
    decks = config.rules.decks
    if system.balanced:
        return Counting(tags, 0, True, -BALANCED_RANGE, 2 * BALANCED_RANGE + 1)
    irc = system.irc_per_deck * decks + system.irc_offset
    # the running count wanders about +-15 a deck around its start and drifts by the imbalance
    low = math.floor(irc) - 15 * decks - 10
    high = math.ceil(irc + system.deck_sum() * decks) + 15 * decks + 10
    return Counting(tags, round(2 * irc), False, low, high - low + 1)


class Bets(NamedTuple):
    ticks_per_unit: int
    per_bin: np.ndarray  # int64[n_bins]: the bet per spot, in ticks, at each bin's count
    flat: int  # ticks


def bet_money(config: SimulationConfig, count: int | None) -> float:
    """The bet per spot, in money, at a count: the ramp's units, rounded to the nearest chip
    (at least one), held within the table's limits."""
    b = config.betting
    units = 1.0
    if b.ramp is not None and count is not None:
        for at, ramp_units in b.ramp:
            if count >= at:
                units = ramp_units
    return table_bet(b, units)


def table_bet(b: Betting, units: float) -> float:
    """A bet of ``units`` as the table takes it, in money: rounded to the nearest chip (at
    least one), held within the table's limits."""
    money = units * b.unit
    if b.chip is not None:
        money = max(b.chip, round(money / b.chip) * b.chip)
    if b.table_min is not None:
        money = max(money, b.table_min)
    if b.table_max is not None:
        money = min(money, b.table_max)
    return money


def build_bets(config: SimulationConfig, counting: Counting | None) -> Bets:
    counts = (
        [counting.bin_low + i for i in range(counting.n_bins)] if counting is not None else [None]
    )
    unit = Fraction(config.betting.unit).limit_denominator(10**6)
    in_units = [Fraction(bet_money(config, c)).limit_denominator(10**6) / unit for c in counts]
    # A tick fine enough that every bet is a multiple of 10 ticks: then 3:2, 6:5, half-bet
    # surrender and insurance all pay whole ticks.
    scale = math.lcm(*(f.denominator for f in in_units))
    if scale > 1000:
        raise ConfigRejected(
            "$.betting",
            "bets must be multiples of 1/1000 of betting.unit after chip rounding "
            f"(got {float(min(in_units, key=lambda f: f.denominator)):g} units)",
        )
    ticks = TICKS_PER_UNIT * scale
    per_bin = np.array([int(f * ticks) for f in in_units], dtype=np.int64)
    return Bets(ticks, per_bin, int(per_bin[0]) if counting is None else 0)


def build_deviations(plays: list[IndexPlay], tab: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The index-play table ``dev`` and the insurance (mode, count). ``tab`` (the chart's
    tables) gives each play's other side: the chart's play where it differs from the index
    play's action, else the action's opposite. A surrender index for a pair with no surrender
    row of its own gets one, copied from its total's row."""
    dev = np.zeros((layout.T_SURR_PAIR + 1, 22, 11, layout.N_DEV_FIELDS), np.int64)
    insurance = (layout.MODE_NONE, 0)
    for play in plays:
        mode = layout.MODE_AT_OR_ABOVE if play.apply == "at_or_above" else layout.MODE_BELOW
        at = math.ceil(play.index)
        if play.hand == "insurance":
            insurance = (mode, at)
            continue
        kind, _, label = play.hand.partition(" ")
        up = card_value(play.upcard)
        row = card_value(label) if kind == "pair" else int(label)
        if play.action == "R":
            if kind == "pair":
                plane = layout.T_SURR_PAIR
                if tab[plane, row, up] == NO_ROW:
                    total_plane, total_row = (
                        (layout.T_SURR_SOFT, 12) if row == 1 else (layout.T_SURR_HARD, 2 * row)
                    )
                    tab[plane, row, :] = tab[total_plane, total_row, :]
            else:
                plane = layout.T_SURR_HARD if kind == "hard" else layout.T_SURR_SOFT
            action, otherwise = SURRENDER, KEEP
        elif kind == "pair":
            plane = layout.T_PAIR
            action = PAIR_CODE[play.action]
            chart = int(tab[plane, row, up])
            otherwise = chart if chart != action else PAIR_OPPOSITE[action]
        else:
            plane = layout.T_HARD if kind == "hard" else layout.T_SOFT
            action = PLAY_CODE[play.action]
            chart = int(tab[plane, row, up])
            otherwise = chart if chart != action else PLAY_OPPOSITE[action]
        dev[plane, row, up] = (mode, at, action, otherwise)
    return dev, insurance
