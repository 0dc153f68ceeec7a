"""Charts to and from the solver's integer codes, and the tables players read."""

from __future__ import annotations

import numpy as np

from jost.contracts import HARD_ROWS, PAIR_ROWS, SOFT_ROWS, UPCARDS, Chart, Rules, SurrenderChart
from jost.engine.charts import surrender_table
from jost.engine.exact.analysis import ChartArrays
from jost.engine.exact.solver import (
    DOUBLE,
    DOUBLE_STAND,
    HIT,
    KEEP,
    NO_ROW,
    NO_SPLIT,
    SPLIT,
    SPLIT_DAS,
    STAND,
    SURRENDER,
)

COLUMNS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)
"""Rank index of each chart column (upcards 2..10, A)."""
PAIR_INDEX = {row: (0 if row == "A" else int(row) - 1) for row in PAIR_ROWS}

_PLAY = {"H": HIT, "S": STAND, "D": DOUBLE, "Ds": DOUBLE_STAND}
_PLAY_NAME = {v: k for k, v in _PLAY.items()}
_PAIR = {"N": NO_SPLIT, "P": SPLIT, "PD": SPLIT_DAS}
_PAIR_NAME = {v: k for k, v in _PAIR.items()}


def to_arrays(chart: Chart, rules: Rules) -> ChartArrays:
    arrays = ChartArrays.empty()
    for col, up in enumerate(COLUMNS):
        for row in HARD_ROWS:
            arrays.hard[up, int(row)] = _PLAY[chart.hard[row][col]]
        for row in SOFT_ROWS:
            arrays.soft[up, int(row)] = _PLAY[chart.soft[row][col]]
        for row in PAIR_ROWS:
            arrays.pairs[up, PAIR_INDEX[row]] = _PAIR[chart.pairs[row][col]]
    table = surrender_table(chart, rules)
    if table is not None:
        for col, up in enumerate(COLUMNS):
            for row, cells in table.hard.items():
                arrays.sur_hard[up, int(row)] = SURRENDER if cells[col] == "R" else KEEP
            for row, cells in table.soft.items():
                arrays.sur_soft[up, int(row)] = SURRENDER if cells[col] == "R" else KEEP
            for row, cells in table.pairs.items():
                arrays.sur_pairs[up, PAIR_INDEX[row]] = SURRENDER if cells[col] == "R" else KEEP
    return arrays


def from_arrays(arrays: ChartArrays, rules: Rules, name: str) -> Chart:
    """The derived chart: plain codes for these rules; surrender rows only where some upcard
    surrenders, and a pair's own surrender row only where it differs from its total's row."""

    def row(table: np.ndarray, index: int, names: dict[int, str]) -> list[str]:
        return [names[int(table[up, index])] for up in COLUMNS]

    hard = {r: row(arrays.hard, int(r), _PLAY_NAME) for r in HARD_ROWS}
    soft = {r: row(arrays.soft, int(r), _PLAY_NAME) for r in SOFT_ROWS}
    pairs = {r: row(arrays.pairs, PAIR_INDEX[r], _PAIR_NAME) for r in PAIR_ROWS}
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
    soft_names = {str(t): "A," + ("A23456789T"[t - 12]) for t in range(12, 22)}
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
