"""Turns a hydrated config into the flat arrays the kernel reads: the rules as integers and the
chart, with its conditional cells, as lookup tables indexed by total and upcard value."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from jost.contracts import (
    TICKS_PER_UNIT,
    UPCARDS,
    Chart,
    Rules,
    SimulationConfig,
    SurrenderChart,
)
from jost.engine import kernel as k
from jost.engine.charts import resolve_playing

_PLAY = {"H": k.A_HIT, "S": k.A_STAND, "D": k.A_DOUBLE_HIT, "Ds": k.A_DOUBLE_STAND}
_PAIR = {"N": k.PAIR_NO, "P": k.PAIR_SPLIT, "PD": k.PAIR_SPLIT_DAS}
_SURRENDER = {"-": k.SURR_NO, "R": k.SURR_YES}
_BLACKJACK_PAYS = {1.5: (3, 2), 1.2: (6, 5), 1.0: (1, 1)}
_SURRENDER_RULE = {"none": k.SURRENDER_NONE, "late": k.SURRENDER_LATE, "early": k.SURRENDER_EARLY}
_HOLE_RULE = {"peek": k.HOLE_PEEK, "enhc": k.HOLE_ENHC, "enhc_all": k.HOLE_ENHC_ALL}
_SHUFFLE_RULE = {
    "cut_card": k.SHUFFLE_CUT_CARD,
    "every_round": k.SHUFFLE_EVERY_ROUND,
    "continuous": k.SHUFFLE_CONTINUOUS,
}


def card_value(label: str) -> int:
    """A chart label ("2".."10", "A") as the kernel's card value (1 = ace)."""
    return 1 if label == "A" else int(label)


class Game(NamedTuple):
    params: np.ndarray  # int64[N_PARAMS]
    tab: np.ndarray  # int8[N_PLANES, 22, 11]
    decks: int


def build_game(config: SimulationConfig) -> Game:
    rules = config.rules
    chart = resolve_playing(config.strategy, rules)
    return Game(params=build_params(config), tab=build_tables(chart, rules), decks=rules.decks)


def build_params(config: SimulationConfig) -> np.ndarray:
    rules = config.rules
    cards = 52 * rules.decks
    params = np.zeros(k.N_PARAMS, np.int64)
    params[k.P_H17] = rules.dealer_hits_soft_17
    params[k.P_BJ_NUM], params[k.P_BJ_DEN] = _BLACKJACK_PAYS[rules.blackjack_pays]
    params[k.P_DAS] = rules.double_after_split
    params[k.P_MAX_HANDS] = rules.max_split_hands
    params[k.P_RSA] = rules.resplit_aces
    params[k.P_HSA] = rules.hit_split_aces
    params[k.P_SURRENDER] = _SURRENDER_RULE[rules.surrender]
    params[k.P_HOLE] = _HOLE_RULE[rules.hole_card]
    params[k.P_SHUFFLE] = _SHUFFLE_RULE[rules.shuffle]
    params[k.P_CUT] = round(rules.penetration * cards)
    params[k.P_SEATS] = config.table.seats
    params[k.P_OUR_SEAT] = config.table.position - 1
    params[k.P_BET] = TICKS_PER_UNIT  # flat: one unit a round
    return params


def build_tables(chart: Chart, rules: Rules) -> np.ndarray:
    tab = np.zeros((k.N_PLANES, 22, 11), np.int8)
    for row, cells in chart.hard.items():
        _fill(tab[k.T_HARD, int(row)], cells, _PLAY)
    for row, cells in chart.soft.items():
        _fill(tab[k.T_SOFT, int(row)], cells, _PLAY)
    for row, cells in chart.pairs.items():
        _fill(tab[k.T_PAIR, card_value(row)], cells, _PAIR)

    surrender = _surrender_table(chart, rules)
    tab[k.T_SURR_PAIR, :, :] = k.SURR_PAIR_ROW_NONE
    if surrender is not None:
        for row, cells in surrender.hard.items():
            _fill(tab[k.T_SURR_HARD, int(row)], cells, _SURRENDER)
        for row, cells in surrender.soft.items():
            _fill(tab[k.T_SURR_SOFT, int(row)], cells, _SURRENDER)
        for row, cells in surrender.pairs.items():
            _fill(tab[k.T_SURR_PAIR, card_value(row)], cells, _SURRENDER)

    # Doubling is restricted by hard total; soft hands double only under "any_two".
    ok = tab[k.T_DOUBLE_OK]
    if rules.double == "any_two":
        ok[:, :] = 1
    else:
        low = 9 if rules.double == "9_to_11" else 10
        ok[low:12, 0] = 1
    return tab


def _surrender_table(chart: Chart, rules: Rules) -> SurrenderChart | None:
    if rules.surrender == "none":
        return None
    if rules.surrender == "early" and chart.early_surrender is not None:
        return chart.early_surrender
    return chart.surrender


def _fill(row: np.ndarray, cells: list[str], codes: dict[str, int]) -> None:
    for label, cell in zip(UPCARDS, cells, strict=True):
        row[card_value(label)] = codes[cell]
