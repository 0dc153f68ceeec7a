"""The shipped charts against the charts the analyzer derives, for the standard families: 1, 2
and 6 decks; S17 and H17; peek and ENHC-all; DAS and no DAS; no surrender and late surrender.

The shipped charts follow the published ones (see the log message of the commit that added
them). Where they differ from the derived chart the difference is listed below with its
reason; every other cell must agree (effective cells: PD resolved by the DAS rule, the
surrender table the rules read), and each listed difference must cost what it is stated to
cost, so a change in either the charts or the analyzer shows here. Exact arithmetic, no
sampling: no confidence level to state.
"""

from __future__ import annotations

import itertools

import pytest

from jost.contracts import HARD_ROWS, PAIR_ROWS, SOFT_ROWS, UPCARDS, Chart, Rules
from jost.engine.charts import chart_name_for, load_chart, surrender_table
from jost.engine.exact import analyze, chart_ev

TOLERANCE_PP = 0.001
"""The shipped chart's EV must be within this of the derived chart's, known cells apart."""

Cell = tuple[str, str, str]
"""(table, row, upcard): table is hard, soft, pairs or surrender."""


def known_differences(rules: Rules) -> dict[Cell, str]:
    """Cells where the shipped chart deliberately plays as the published chart does."""
    known: dict[Cell, str] = {}
    if rules.surrender != "none":
        # Published charts: "surrender 16 v 10, else hit". The shipped chart keeps H, which is
        # what a two-card 16 does where surrender is not offered; with surrender, the two-card
        # 16s surrender and the cell plays only 3+ card 16s (and split hands), which stand.
        known[("hard", "16", "10")] = "H"
    if rules.decks == 2:
        if rules.double_after_split:
            # A,6 v 2 doubles in two decks only by a hair (the two-card hands alone favour
            # hitting; doubling soft 17 after a split tips it). Published: hit.
            known[("soft", "17", "2")] = "H"
        if not rules.dealer_hits_soft_17:
            # Soft 18 v A, 2D S17: stand by 0.0003 pp; published charts say hit.
            known[("soft", "18", "A")] = "H"
    return known


def effective_cells(chart: Chart, rules: Rules) -> dict[Cell, str]:
    cells: dict[Cell, str] = {}
    for table in ("hard", "soft"):
        for row, codes in getattr(chart, table).items():
            for up, code in zip(UPCARDS, codes, strict=True):
                cells[(table, row, up)] = code
    for row, codes in chart.pairs.items():
        for up, code in zip(UPCARDS, codes, strict=True):
            if code == "PD":
                code = "P" if rules.double_after_split else "N"
            cells[("pairs", row, up)] = code
    sur = surrender_table(chart, rules)
    if sur is not None:
        for table, rows in (("hard", HARD_ROWS), ("soft", SOFT_ROWS)):
            for row in rows:
                codes = getattr(sur, table).get(row, ["-"] * len(UPCARDS))
                for up, code in zip(UPCARDS, codes, strict=True):
                    cells[(f"surrender {table}", row, up)] = code
        for row in PAIR_ROWS:
            codes = sur.pairs.get(row)
            if codes is None:  # a pair without a row of its own reads its total's row
                table = "soft" if row == "A" else "hard"
                total = "12" if row == "A" else str(2 * int(row))
                codes = getattr(sur, table).get(total, ["-"] * len(UPCARDS))
            for up, code in zip(UPCARDS, codes, strict=True):
                cells[("surrender pairs", row, up)] = code
    return cells


FAMILIES = [
    Rules(decks=d, dealer_hits_soft_17=h17, hole_card=hole, double_after_split=das, surrender=s)
    for d, h17, hole, das, s in itertools.product(
        (1, 2, 6), (False, True), ("peek", "enhc_all"), (True, False), ("none", "late")
    )
]


def family_id(rules: Rules) -> str:
    return "-".join(
        [
            chart_name_for(rules),
            "das" if rules.double_after_split else "nodas",
            rules.surrender,
        ]
    )


@pytest.mark.parametrize("rules", FAMILIES, ids=family_id)
def test_shipped_chart_is_the_derived_chart_but_for_known_cells(rules: Rules) -> None:
    shipped = load_chart(chart_name_for(rules))
    result = analyze(rules)
    ours = effective_cells(shipped, rules)
    derived = effective_cells(result.chart, rules)
    differences = {cell: ours[cell] for cell in ours if ours[cell] != derived.get(cell, "-")}
    assert differences == known_differences(rules), {
        cell: (ours[cell], derived.get(cell)) for cell in differences
    }
    gap_pp = 100 * (result.ev_basic - chart_ev(rules, shipped))
    if ("hard", "16", "10") in differences:
        # Standing on 3+ card 16 v 10: 0.0015 pp in a shoe, 0.007-0.009 pp in 2 decks,
        # 0.016-0.020 pp in 1 deck.
        assert 0.001 < gap_pp < 0.021
    else:
        assert 0.0 <= gap_pp < TOLERANCE_PP
