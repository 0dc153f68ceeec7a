"""Shoe compositions and card names for the analyzer: counts per rank, index 0 = aces, index
9 = ten-valued cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from jost.contracts import Rules
from jost.engine.codes import RANK_LETTERS
from jost.engine.errors import ConfigRejected

_ALIASES = {"1": 0, "11": 0, "ACE": 0, "10": 9, "J": 9, "Q": 9, "K": 9}


def full_shoe(decks: int) -> np.ndarray:
    """Counts of a full shoe of ``decks`` decks."""
    return np.array([4 * decks] * 9 + [16 * decks], np.int64)


def rank_index(name: str, field: str = "card") -> int:
    """Rank index of a card name: A/1, 2..9, T/10/J/Q/K (any case)."""
    key = name.strip().upper()
    if key in RANK_LETTERS:
        return RANK_LETTERS.index(key)
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"{field}: unknown card {name!r} (use A, 2..9, T)")


def min_points(rules: Rules) -> int:
    """Card points (aces 1) a shoe needs so that no hand the analyzer values can run it dry:
    upcard, a hand of 21, the split pair cards, and a dealer who still reaches 17."""
    return 60 + 10 * rules.max_split_hands


def check_shoe(
    shoe: Sequence[int] | Mapping[str, int] | np.ndarray | None, rules: Rules
) -> np.ndarray:
    """Validate a composition (None: the full shoe of ``rules.decks``); raise ``ConfigRejected``
    naming the field at fault (``$.shoe.T``; its text names it ``shoe[T]``)."""
    if shoe is None:
        counts = full_shoe(rules.decks)
    else:
        if isinstance(shoe, Mapping):
            values = [0] * 10
            for name, count in shoe.items():
                values[_shoe_rank(str(name))] += _whole(count, str(name))
        else:
            values = list(shoe)
            if len(values) != 10:
                raise _bad_shoe(None, f"needs 10 counts (A, 2..9, ten-valued), got {len(values)}")
            values = [_whole(v, RANK_LETTERS[i]) for i, v in enumerate(values)]
        counts = np.array(values, np.int64)
    limit = full_shoe(rules.decks)
    for r in range(10):
        if counts[r] < 0:
            raise _bad_shoe(RANK_LETTERS[r], f"negative count {counts[r]}")
        if counts[r] > limit[r]:
            raise _bad_shoe(
                RANK_LETTERS[r],
                f"{counts[r]} cards is more than {rules.decks} deck(s) hold ({limit[r]}); set "
                "rules.decks to the shoe's size",
            )
    points = int(counts @ np.arange(1, 11))
    need = min_points(rules)
    if points < need:
        raise _bad_shoe(
            None,
            f"too small: {int(counts.sum())} cards ({points} points, aces 1) could run out "
            f"during a round under these rules; the analyzer needs at least {need} points",
        )
    return counts


def _bad_shoe(rank: str | None, reason: str) -> ConfigRejected:
    """The shoe, or its count of ``rank`` as the caller named it, is at fault."""
    if rank is None:
        return ConfigRejected("$.shoe", reason, label="shoe")
    return ConfigRejected(f"$.shoe.{rank}", reason, label=f"shoe[{rank}]")


def _shoe_rank(name: str) -> int:
    try:
        return rank_index(name, "shoe")
    except ValueError as exc:
        raise _bad_shoe(None, f"unknown card {name!r} (use A, 2..9, T)") from exc


def _whole(value: object, rank: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise _bad_shoe(rank, f"count must be a whole number, got {value!r}")
    return int(value)
