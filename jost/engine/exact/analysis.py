"""One pass of the analyzer over the ten upcards: rules and shoe in, arrays out."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from jost.contracts import Rules
from jost.engine.codes import SURRENDER_RULE, double_table
from jost.engine.exact.dealer import dealer_tables
from jost.engine.exact.hands import hand_lattice
from jost.engine.exact.solver import (
    N_ACTIONS,
    N_PARAMS,
    P_DAS,
    P_ENHC_ALL,
    P_HSA,
    P_MAX_HANDS,
    P_POST_SPLIT,
    P_RSA,
    P_SURRENDER,
    ChartArrays,
    UpcardOut,
    solve_upcard,
)

_BY_COST = (1, 2, 0, 3, 4, 5, 6, 7, 8, 9)
"""Upcards by decreasing work (the dealer draws most behind a 2), for the thread pool."""
_WORKERS = max(1, min(os.cpu_count() or 1, 4))


class Pass(NamedTuple):
    """What one pass computed. ``actions[u, a, b]`` round values of the two-card hand of rank
    indices a <= b against upcard u (solver's action columns); ``hand_prob[u, a, b]`` its
    probability given the upcard; ``upcard_prob[u]``; ``ev_cd[u]`` and ``ev_chart[u]`` per
    upcard; ``chart`` the chart evaluated (derived when asked)."""

    actions: np.ndarray
    hand_prob: np.ndarray
    upcard_prob: np.ndarray
    ev_cd: np.ndarray
    ev_chart: np.ndarray
    chart: ChartArrays

    @property
    def ev_composition_dependent(self) -> float:
        return float(self.upcard_prob @ self.ev_cd)

    @property
    def ev_basic(self) -> float:
        return float(self.upcard_prob @ self.ev_chart)


def rule_params(rules: Rules, post_split: int = 0) -> np.ndarray:
    """The rules (and the post-split convention, a solver ``PS_*`` code) as solver params."""
    params = np.zeros(N_PARAMS, np.int64)
    params[P_ENHC_ALL] = rules.hole_card == "enhc_all"
    params[P_DAS] = rules.double_after_split
    params[P_MAX_HANDS] = rules.max_split_hands
    params[P_RSA] = rules.resplit_aces
    params[P_HSA] = rules.hit_split_aces
    params[P_SURRENDER] = SURRENDER_RULE[rules.surrender]
    params[P_POST_SPLIT] = post_split
    return params


def run_pass(
    rules: Rules, shoe: np.ndarray, chart: ChartArrays | None, post_split: int = 0
) -> Pass:
    """Analyse every upcard drawing from ``shoe`` (counts per rank index, validated). With
    ``chart`` None the chart is derived for the rules; otherwise the given chart is valued.
    ``post_split`` (a solver ``PS_*`` code) sets the composition-dependent play of split
    hands; chart values do not depend on it."""
    derive = chart is None
    chart = ChartArrays.empty() if chart is None else ChartArrays(*(a.copy() for a in chart))
    lattice = hand_lattice(tuple(int(c) for c in shoe))
    tables = dealer_tables(rules.dealer_hits_soft_17)
    params = rule_params(rules, post_split)
    double_ok = double_table(rules.double)
    total = int(shoe.sum())
    actions = np.full((10, 10, 10, N_ACTIONS), np.nan)
    hand_prob = np.zeros((10, 10, 10))
    upcard_prob = shoe / total
    ev = np.zeros((10, 3))
    pays = float(rules.blackjack_pays)

    def solve(up: int) -> None:
        if shoe[up] == 0:
            return
        rest = shoe.copy()
        rest[up] -= 1
        solve_upcard(
            rest,
            up,
            tables[up],
            lattice,
            params,
            double_ok,
            pays,
            derive,
            chart.column(up),
            UpcardOut(actions[up], hand_prob[up], ev[up]),
        )

    # The kernel releases the GIL: upcards run in parallel on the machine's cores. The pool
    # lives for one call only, so no idle threads outlast it (a forking caller stays safe).
    with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="jost-exact") as pool:
        for _ in pool.map(solve, _BY_COST):
            pass
    return Pass(actions, hand_prob, upcard_prob, ev[:, 0], ev[:, 1], chart)
