"""Cards: chart labels to card values, and the shoe of card codes the kernel deals from."""

from __future__ import annotations

import numpy as np

from jost.engine.layout import RED


def card_value(label: str) -> int:
    """A chart or tag label ("2".."10", "A") as the kernel's card value (1 = ace)."""
    return 1 if label == "A" else int(label)


def new_shoe(decks: int) -> np.ndarray:
    """Card codes for ``decks`` decks: values 1 (ace) .. 10 (ten, jack, queen, king), the two
    red sevens of each deck marked with ``RED`` so a count can tell them apart."""
    one_deck = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9] * 4 + [10] * 16, dtype=np.int8)
    one_deck[[6, 15]] |= RED  # two of the four sevens (positions 6 and 15 hold sevens)
    return np.tile(one_deck, decks)
