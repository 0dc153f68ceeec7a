"""Every player hand that can occur, as a lattice of card multisets.

A hand's value depends on its cards only as a multiset (total, softness and the cards it has
taken from the shoe), so the analyzer evaluates each multiset once. The lattice holds every
multiset of ranks whose hard total (aces as 1) is at most 21, within the shoe's counts, with
the hand that adding each rank leads to.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

BUST = -1
"""``child`` entry: the card busts the hand."""
NO_CARD = -2
"""``child`` entry: the shoe has no such card left for this hand."""


class HandLattice(NamedTuple):
    """``counts[i]`` ranks of hand ``i`` (index 0 = aces); ``hard[i]`` its total with aces as
    1; ``cards[i]`` its number of cards; ``child[i, r]`` the hand after a card of rank index
    ``r`` (or BUST / NO_CARD). ``order`` lists the hands by decreasing hard total, so every
    hand comes after the hands it can draw to. ``two[a, b]`` is the two-card hand of rank
    indices a and b, ``one[r]`` the one-card hand."""

    counts: np.ndarray
    hard: np.ndarray
    cards: np.ndarray
    child: np.ndarray
    order: np.ndarray
    two: np.ndarray
    one: np.ndarray


@lru_cache(maxsize=16)
def hand_lattice(caps: tuple[int, ...]) -> HandLattice:
    """The lattice for a shoe holding at most ``caps[r]`` cards of rank index ``r``."""
    limits = [min(caps[r], 21 // (r + 1)) for r in range(10)]
    hands: list[tuple[int, ...]] = []

    def extend(r: int, prefix: list[int], total: int) -> None:
        if r == 10:
            if total > 0:
                hands.append(tuple(prefix))
            return
        for m in range(limits[r] + 1):
            if total + m * (r + 1) > 21:
                break
            prefix.append(m)
            extend(r + 1, prefix, total + m * (r + 1))
            prefix.pop()

    extend(0, [], 0)
    index = {h: i for i, h in enumerate(hands)}
    n = len(hands)
    counts = np.array(hands, np.int64).reshape(n, 10)
    hard = counts @ np.arange(1, 11, dtype=np.int64)
    cards = counts.sum(axis=1)
    child = np.full((n, 10), NO_CARD, np.int64)
    for i, h in enumerate(hands):
        for r in range(10):
            if hard[i] + r + 1 > 21:
                child[i, r] = BUST
                continue
            nxt = list(h)
            nxt[r] += 1
            j = index.get(tuple(nxt))
            if j is not None:
                child[i, r] = j
    order = np.argsort(-hard, kind="stable").astype(np.int64)
    two = np.full((10, 10), -1, np.int64)
    one = np.full(10, -1, np.int64)
    for a in range(10):
        ha = [0] * 10
        ha[a] = 1
        one[a] = index.get(tuple(ha), -1)
        for b in range(10):
            hb = list(ha)
            hb[b] += 1
            two[a, b] = index.get(tuple(hb), -1)
    return HandLattice(counts, hard, cards, child, order, two, one)
