"""Charts to and from the solver's arrays of codes (``jost.engine.codes``), and the tables players
read."""

from __future__ import annotations

import numpy as np

from jost.contracts import HARD_ROWS, PAIR_ROWS, SOFT_ROWS, UPCARDS, Chart, Rules, SurrenderChart
from jost.engine.charts import surrender_table
from jost.engine.codes import (
    KEEP,
    NO_ROW,
    PAIR_CODE,
    PAIR_LABEL,
    PLAY_CODE,
    PLAY_LABEL,
    RANK_LETTERS,
    SURRENDER,
    SURRENDER_CODE,
)
from jost.engine.exact.solver import ChartArrays

COLUMNS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)
"""Rank index of each chart column (upcards 2..10, A)."""
PAIR_INDEX = {row: (0 if row == "A" else int(row) - 1) for row in PAIR_ROWS}


def to_arrays(chart: Chart, rules: Rules) -> ChartArrays:
    arrays = ChartArrays.empty()
    for col, up in enumerate(COLUMNS):
        for row in HARD_ROWS:
            arrays.hard[up, int(row)] = PLAY_CODE[chart.hard[row][col]]
        for row in SOFT_ROWS:
            arrays.soft[up, int(row)] = PLAY_CODE[chart.soft[row][col]]
        for row in PAIR_ROWS:
            arrays.pairs[up, PAIR_INDEX[row]] = PAIR_CODE[chart.pairs[row][col]]
    table = surrender_table(chart, rules)
    if table is not None:
        for col, up in enumerate(COLUMNS):
            for row, cells in table.hard.items():
                arrays.sur_hard[up, int(row)] = SURRENDER_CODE[cells[col]]
            for row, cells in table.soft.items():
                arrays.sur_soft[up, int(row)] = SURRENDER_CODE[cells[col]]
            for row, cells in table.pairs.items():
                arrays.sur_pairs[up, PAIR_INDEX[row]] = SURRENDER_CODE[cells[col]]
    return arrays


def from_arrays(arrays: ChartArrays, rules: Rules, name: str) -> Chart:
    """The derived chart: plain codes for these rules; surrender rows only where some upcard
    surrenders, and a pair's own surrender row only where it differs from its total's row."""

    def row(table: np.ndarray, index: int, names: dict[int, str]) -> list[str]:
        return [names[int(table[up, index])] for up in COLUMNS]

    hard = {r: row(arrays.hard, int(r), PLAY_LABEL) for r in HARD_ROWS}
    soft = {r: row(arrays.soft, int(r), PLAY_LABEL) for r in SOFT_ROWS}
    pairs = {r: row(arrays.pairs, PAIR_INDEX[r], PAIR_LABEL) for r in PAIR_ROWS}
    sur = SurrenderChart()
    if rules.surrender != "none":
        flag = {SURRENDER: "R", KEEP: "-", NO_ROW: "-"}
        s_hard = {r: row(arrays.sur_hard, int(r), flag) for r in HARD_ROWS}
        s_soft = {r: row(arrays.sur_soft, int(r), flag) for r in SOFT_ROWS}
        s_pairs = {}
        for r in PAIR_ROWS:
            own = row(arrays.sur_pairs, PAIR_INDEX[r], flag)
            fallback = s_soft["12"] if r == "A" else s_hard[str(2 * int(r))]
            if own != fallback:
                s_pairs[r] = own
        sur = SurrenderChart(
            hard={r: v for r, v in s_hard.items() if "R" in v},
            soft={r: v for r, v in s_soft.items() if "R" in v},
            pairs=s_pairs,
        )
    early = rules.surrender == "early"
    return Chart(
        name=name,
        source="jost exact analyzer: total-dependent basic strategy derived from the rules",
        hard=hard,
        soft=soft,
        pairs=pairs,
        surrender=SurrenderChart() if early else sur,
        early_surrender=sur if early else None,
    )


def format_chart(chart: Chart, rules: Rules) -> str:
    """The chart as the tables players read: hard, soft, pairs and surrender, upcards 2..A."""
    lines: list[str] = []
    head = "       " + " ".join(f"{u:>3}" for u in UPCARDS)

    def table(title: str, rows: dict[str, list[str]], label: str) -> None:
        lines.append(title)
        lines.append(head)
        for key, cells in rows.items():
            lines.append(f"{label}{key:>4}  " + " ".join(f"{c:>3}" for c in cells))
        lines.append("")

    table("Hard totals", dict(reversed(list(chart.hard.items()))), "  ")
    soft_names = {str(t): "A," + RANK_LETTERS[t - 12] for t in range(12, 22)}
    table("Soft totals", {soft_names[k]: v for k, v in reversed(chart.soft.items())}, "")
    table("Pairs", {f"{k},{k}": v for k, v in reversed(chart.pairs.items())}, "")
    sur = surrender_table(chart, rules)
    if sur is not None:
        rows = {f"h{k}": v for k, v in sur.hard.items()}
        rows.update({f"s{k}": v for k, v in sur.soft.items()})
        rows.update({f"{k},{k}": v for k, v in sur.pairs.items()})
        table(f"Surrender ({rules.surrender}; R surrender, - play on)", rows, "")
    lines.append(
        "H hit, S stand, D double (else hit), Ds double (else stand), P split, N don't split"
    )
    return "\n".join(lines)
