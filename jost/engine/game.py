"""Turns a hydrated config into the flat arrays the kernel reads: the rules as integers, the
chart (its conditional cells resolved by the kernel) as lookup tables indexed by total and
upcard value, and the count, index plays and bets."""

from __future__ import annotations

import math
from typing import NamedTuple

import msgspec
import numpy as np

from jost.contracts import UPCARDS, Chart, Rules, SimulationConfig
from jost.engine import layout
from jost.engine.cards import card_value
from jost.engine.charts import surrender_table
from jost.engine.codes import (
    NO_ROW,
    PAIR_CODE,
    PLAY_CODE,
    SURRENDER_CODE,
    SURRENDER_RULE,
    double_table,
)
from jost.engine.counting import (
    build_bets,
    build_counting,
    build_deviations,
    resolve_deviations,
)
from jost.engine.playing import resolve_playing

_BLACKJACK_PAYS = {1.5: (3, 2), 1.2: (6, 5), 1.0: (1, 1)}
_HOLE_RULE = {"peek": layout.HOLE_PEEK, "enhc": layout.HOLE_ENHC, "enhc_all": layout.HOLE_ENHC_ALL}
_SHUFFLE_RULE = {
    "cut_card": layout.SHUFFLE_CUT_CARD,
    "every_round": layout.SHUFFLE_EVERY_ROUND,
    "continuous": layout.SHUFFLE_CONTINUOUS,
}
_DECK_EST = {
    "exact": layout.EST_EXACT,
    "half_deck": layout.EST_HALF_DECK,
    "full_deck": layout.EST_FULL_DECK,
}
_ROUNDING = {
    "floor": layout.ROUND_FLOOR,
    "truncate": layout.ROUND_TRUNCATE,
    "round": layout.ROUND_NEAREST,
}


class Game(NamedTuple):
    params: np.ndarray  # int64[N_PARAMS]
    tab: np.ndarray  # int8[N_PLANES, 22, 11]
    dev: np.ndarray  # int64[T_SURR_PAIR + 1, 22, 11, N_DEV_FIELDS]
    tags: np.ndarray  # int64[32]
    bets: np.ndarray  # int64[bins]
    decks: int
    irc: int  # half points
    ticks_per_unit: int
    bin_low: int  # the count of the first bin
    counting: bool

    def arrays(self) -> layout.GameArrays:
        """What the kernel reads."""
        return layout.GameArrays(self.params, self.tab, self.dev, self.tags, self.bets)


def game_key(config: SimulationConfig) -> bytes:
    """What ``build_game`` reads of ``config`` (all of it but ``rounds``, ``seed`` and
    ``shard_rounds``), as bytes: configs with the same key have the same game, so a game, or
    what was checked of it, may be kept under it."""
    return msgspec.json.encode(
        (config.rules, config.strategy, config.betting, config.table, config.bankroll)
    )


def build_game(config: SimulationConfig) -> Game:
    """Everything the kernel needs for ``config``; raises ``ConfigRejected`` naming the field
    for what only the shipped data can tell (an unknown chart, count system or index set)."""
    rules = config.rules
    tab = build_tables(resolve_playing(config.strategy, rules), rules)
    counting = build_counting(config)
    dev, insurance = build_deviations(resolve_deviations(config), tab)
    bets = build_bets(config, counting)

    params = np.zeros(layout.N_PARAMS, np.int64)
    params[layout.P_H17] = rules.dealer_hits_soft_17
    params[layout.P_BJ_NUM], params[layout.P_BJ_DEN] = _BLACKJACK_PAYS[rules.blackjack_pays]
    params[layout.P_DAS] = rules.double_after_split
    params[layout.P_MAX_HANDS] = rules.max_split_hands
    params[layout.P_RSA] = rules.resplit_aces
    params[layout.P_HSA] = rules.hit_split_aces
    params[layout.P_SURRENDER] = SURRENDER_RULE[rules.surrender]
    params[layout.P_HOLE] = _HOLE_RULE[rules.hole_card]
    params[layout.P_SHUFFLE] = _SHUFFLE_RULE[rules.shuffle]
    params[layout.P_CUT] = round(rules.penetration * 52 * rules.decks)
    params[layout.P_SEATS] = config.table.seats
    params[layout.P_OUR_SEAT] = config.table.position - 1
    params[layout.P_SPOTS] = config.table.spots
    params[layout.P_BET] = bets.flat
    params[layout.P_INSURANCE_MODE], params[layout.P_INSURANCE_AT] = insurance
    params[layout.P_DEVIATIONS] = bool(dev[..., layout.DEV_MODE].any())
    if counting is not None:
        count = config.strategy.count
        params[layout.P_COUNTING] = 1
        params[layout.P_BALANCED] = counting.balanced
        params[layout.P_DECK_EST] = _DECK_EST[count.deck_estimation]
        params[layout.P_ROUNDING] = _ROUNDING[count.rounding]
        params[layout.P_BIN_LOW] = counting.bin_low
    wonging = config.betting.wonging
    if wonging is not None:
        params[layout.P_WONG] = 1
        params[layout.P_WONG_ENTER] = math.ceil(wonging.enter_at)
        params[layout.P_WONG_LEAVE] = math.ceil(wonging.leave_below)
    if config.bankroll is not None:
        params[layout.P_TRIP_ROUNDS] = config.bankroll.trip_rounds
        params[layout.P_BANKROLL] = round(config.bankroll.units * bets.ticks_per_unit)
    return Game(
        params=params,
        tab=tab,
        dev=dev,
        tags=counting.tags if counting else np.zeros(32, np.int64),
        bets=bets.per_bin,
        decks=rules.decks,
        irc=counting.irc if counting else 0,
        ticks_per_unit=bets.ticks_per_unit,
        bin_low=counting.bin_low if counting else 0,
        counting=counting is not None,
    )


def build_tables(chart: Chart, rules: Rules) -> np.ndarray:
    tab = np.zeros((layout.N_PLANES, 22, 11), np.int8)
    for row, cells in chart.hard.items():
        _fill(tab[layout.T_HARD, int(row)], cells, PLAY_CODE)
    for row, cells in chart.soft.items():
        _fill(tab[layout.T_SOFT, int(row)], cells, PLAY_CODE)
    for row, cells in chart.pairs.items():
        _fill(tab[layout.T_PAIR, card_value(row)], cells, PAIR_CODE)

    surrender = surrender_table(chart, rules)
    tab[layout.T_SURR_PAIR, :, :] = NO_ROW
    if surrender is not None:
        for row, cells in surrender.hard.items():
            _fill(tab[layout.T_SURR_HARD, int(row)], cells, SURRENDER_CODE)
        for row, cells in surrender.soft.items():
            _fill(tab[layout.T_SURR_SOFT, int(row)], cells, SURRENDER_CODE)
        for row, cells in surrender.pairs.items():
            _fill(tab[layout.T_SURR_PAIR, card_value(row)], cells, SURRENDER_CODE)

    tab[layout.T_DOUBLE_OK, :, :2] = double_table(rules.double)
    return tab


def _fill(row: np.ndarray, cells: list[str], codes: dict[str, int]) -> None:
    for label, cell in zip(UPCARDS, cells, strict=True):
        row[card_value(label)] = codes[cell]
