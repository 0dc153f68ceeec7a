"""The integer codes the simulator's kernel and the exact analyzer's solver share: a chart's cells,
the rules both read, and card ranks. Defined once so that a chart means the same to both.

Charts are read cell by cell into these codes (``PLAY_CODE`` and its siblings): the kernel's
strategy tables (``jost.engine.game``), its index plays (``jost.engine.counting``) and the
analyzer's chart columns (``jost.engine.exact.charts``) all go through them.

The kernel and the solver compile these values in; numba's on-disk cache is keyed on their own
files, so a change of a value here wants the cache cleared (``__pycache__/*.nbi``).
"""

from __future__ import annotations

import numpy as np

from jost.contracts import RANKS

# -- chart cells

HIT, STAND, DOUBLE, DOUBLE_STAND = 0, 1, 2, 3
"""Play codes of hard and soft cells: DOUBLE doubles where allowed, else hits; DOUBLE_STAND
doubles where allowed, else stands (so ``code >= DOUBLE`` means "double if you may")."""
NO_SPLIT, SPLIT, SPLIT_DAS = 0, 1, 2
"""Pair codes: SPLIT_DAS splits only where doubling after a split is allowed."""
NO_ROW, KEEP, SURRENDER = -1, 0, 1
"""Surrender codes; NO_ROW: a pair without a surrender row of its own (its total's row
decides)."""

PLAY_CODE = {"H": HIT, "S": STAND, "D": DOUBLE, "Ds": DOUBLE_STAND}
PAIR_CODE = {"N": NO_SPLIT, "P": SPLIT, "PD": SPLIT_DAS}
SURRENDER_CODE = {"-": KEEP, "R": SURRENDER}
PLAY_LABEL = {code: label for label, code in PLAY_CODE.items()}
PAIR_LABEL = {code: label for label, code in PAIR_CODE.items()}
PLAY_OPPOSITE = {HIT: STAND, STAND: HIT, DOUBLE: HIT, DOUBLE_STAND: STAND}
PAIR_OPPOSITE = {SPLIT: NO_SPLIT, NO_SPLIT: SPLIT, SPLIT_DAS: NO_SPLIT}
"""The other side of an index play whose action is the chart's own play: the play it turns
into on the far side of its index."""

# -- rules

SURRENDER_NONE, SURRENDER_LATE, SURRENDER_EARLY = 0, 1, 2
SURRENDER_RULE = {"none": SURRENDER_NONE, "late": SURRENDER_LATE, "early": SURRENDER_EARLY}
"""``Rules.surrender`` as a code."""

DOUBLE_TABLE_SHAPE = (22, 2)


def double_table(rule: str) -> np.ndarray:
    """Which two-card hands may double under ``Rules.double``: ``[value, soft]`` (a soft
    hand's value counts its ace as 11), 1 where it may. Any two cards, or only hard 9-11 or
    10-11: restricted doubling counts hard totals, and soft hands then cannot double."""
    table = np.zeros(DOUBLE_TABLE_SHAPE, np.int8)
    if rule == "any_two":
        table[:, :] = 1
    else:
        low = 9 if rule == "9_to_11" else 10
        table[low:12, 0] = 1
    return table


# -- ranks

# A rank index r (0 = ace .. 9 = ten-valued) is the card of value r + 1, and RANKS[r] (from the
# contracts: "A", "2".."10") its name in configs and charts. The analyzer writes hands in one
# character a card ("T,6"): RANK_LETTERS[r].
RANK_LETTERS = ("A", "2", "3", "4", "5", "6", "7", "8", "9", "T")
"""Rank index -> the one-character name used in hands ("T,6"), shoes and tables."""

__all__ = [
    "DOUBLE",
    "DOUBLE_STAND",
    "DOUBLE_TABLE_SHAPE",
    "HIT",
    "KEEP",
    "NO_ROW",
    "NO_SPLIT",
    "PAIR_CODE",
    "PAIR_LABEL",
    "PAIR_OPPOSITE",
    "PLAY_CODE",
    "PLAY_LABEL",
    "PLAY_OPPOSITE",
    "RANKS",
    "RANK_LETTERS",
    "SPLIT",
    "SPLIT_DAS",
    "STAND",
    "SURRENDER",
    "SURRENDER_CODE",
    "SURRENDER_EARLY",
    "SURRENDER_LATE",
    "SURRENDER_NONE",
    "SURRENDER_RULE",
    "double_table",
]
