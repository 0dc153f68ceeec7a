"""The dealer's final-total distribution for any shoe composition.

The probability that the dealer draws a particular sequence of ranks depends only on the
multiset of ranks drawn (``prod ff(count_r, m_r) / ff(N, k)`` with falling factorials), so the
dealer's whole game for one upcard is a fixed list of "drawing" multisets, each with the number
of rank orders in which the dealer reaches it without having stood before, and the outcomes of
the next card. Those lists depend only on the upcard and the soft-17 rule; they are built once
here and then evaluated for each shoe by :func:`dealer_joint` in a single pass over a prefix
trie (one multiplication per node).

Outcome indices: 0..4 dealer 17..21, 5 bust, 6 blackjack (the dealer's first two cards).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numba import njit

OUTCOMES = ("17", "18", "19", "20", "21", "bust", "blackjack")
BUST = 5
BLACKJACK = 6
N_OUTCOMES = 7
MAX_DRAW = 24
"""More dealer draws than any shoe allows (the longest is about a dozen cards)."""


class DealerTable(NamedTuple):
    """The dealer's drawing multisets for one upcard, as a prefix trie in rank order.

    Node ``i`` adds one card of rank index ``rank[i]`` to its parent; ``off[i]`` cards of that
    rank are already in the parent. ``weight[i]`` counts the rank orders in which the dealer
    reaches the node's multiset still having to draw (0 for pure prefix nodes). The next-card
    transitions that end the dealer's hand are ``t_card``/``t_mult``/``t_out`` in the slice
    ``t_start[i]:t_start[i + 1]``. ``skip[i]`` is the index after node ``i``'s subtree.
    Busting is not listed: its probability
    is one minus the others, exact as long as the shoe cannot run out (the caller's check)."""

    parent: np.ndarray
    rank: np.ndarray
    off: np.ndarray
    size: np.ndarray
    weight: np.ndarray
    skip: np.ndarray
    t_start: np.ndarray
    t_card: np.ndarray
    t_mult: np.ndarray
    t_out: np.ndarray


def _total(upcard: int, hard: int, has_ace: bool) -> tuple[int, bool]:
    del upcard
    if has_ace and hard + 10 <= 21:
        return hard + 10, True
    return hard, False


def _stands(total: int, soft: bool, hits_soft_17: bool) -> bool:
    return total > 17 or (total == 17 and not (soft and hits_soft_17))


@lru_cache(maxsize=64)
def dealer_table(upcard: int, hits_soft_17: bool) -> DealerTable:
    """The table for ``upcard`` (1 = ace .. 10), S17 or H17."""
    drawing: dict[tuple[int, ...], int] = {(): 1}
    transitions: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    level = {(): 1}
    while level:
        nxt: dict[tuple[int, ...], int] = {}
        for seq, ways in level.items():
            hard = upcard + sum(seq)
            for card in range(1, 11):
                new = (*seq, card) if not seq or card >= seq[-1] else tuple(sorted((*seq, card)))
                total, soft = _total(upcard, hard + card, upcard == 1 or card == 1 or 1 in seq)
                if total > 21:
                    continue  # bust is what the other outcomes leave
                if _stands(total, soft, hits_soft_17):
                    out = BLACKJACK if not seq and total == 21 else total - 17
                    transitions.setdefault(seq, []).append((card, out))
                else:
                    nxt[new] = nxt.get(new, 0) + ways
        for seq, ways in nxt.items():
            drawing[seq] = drawing.get(seq, 0) + ways
        level = nxt

    nodes = set()
    for seq in drawing:
        for i in range(len(seq) + 1):
            nodes.add(seq[:i])
    order = sorted(nodes)
    index = {seq: i for i, seq in enumerate(order)}
    n = len(order)
    parent = np.zeros(n, np.int64)
    rank = np.zeros(n, np.int64)
    off = np.zeros(n, np.int64)
    size = np.zeros(n, np.int64)
    weight = np.zeros(n, np.float64)
    skip = np.zeros(n, np.int64)
    t_start = np.zeros(n + 1, np.int64)
    t_card: list[int] = []
    t_mult: list[int] = []
    t_out: list[int] = []
    for i, seq in enumerate(order):
        size[i] = len(seq)
        if seq:
            parent[i] = index[seq[:-1]]
            rank[i] = seq[-1] - 1
            off[i] = seq[:-1].count(seq[-1])
        weight[i] = drawing.get(seq, 0)
        t_start[i] = len(t_card)
        if weight[i] > 0:
            for card, out in transitions.get(seq, []):
                t_card.append(card - 1)
                t_mult.append(seq.count(card))
                t_out.append(out)
    t_start[n] = len(t_card)
    # Lexicographic order puts a node's subtree right after it.
    stack: list[int] = []
    for i, seq in enumerate(order):
        while stack and order[stack[-1]] != seq[: len(order[stack[-1]])]:
            skip[stack.pop()] = i
        stack.append(i)
    for i in stack:
        skip[i] = n
    return DealerTable(
        parent,
        rank,
        off,
        size,
        weight,
        skip,
        t_start,
        np.array(t_card, np.int64),
        np.array(t_mult, np.int64),
        np.array(t_out, np.int64),
    )


@lru_cache(maxsize=8)
def dealer_tables(hits_soft_17: bool) -> tuple[DealerTable, ...]:
    """The tables of the ten upcards, index 0 = ace."""
    return tuple(dealer_table(up, hits_soft_17) for up in range(1, 11))


@njit(cache=True)
def dealer_joint(
    counts: np.ndarray, table: DealerTable, val: np.ndarray, inv_ff: np.ndarray, out: np.ndarray
) -> None:
    """Fill ``out[0:7]`` with the dealer's outcome probabilities drawing from ``counts`` (the
    shoe with the upcard and every other known card removed), by the upcard's ``table``.
    Blackjack is an outcome of its own; a caller that conditions on "no dealer blackjack" uses
    ``out[0:6]`` as joint probabilities. ``val`` (the table's length) and ``inv_ff``
    (MAX_DRAW + 2) are scratch."""
    parent, rank, off, size = table.parent, table.rank, table.off, table.size
    weight, skip, t_start = table.weight, table.skip, table.t_start
    t_card, t_mult, t_out = table.t_card, table.t_mult, table.t_out
    total = 0
    for r in range(10):
        total += counts[r]
    acc = 1.0
    inv_ff[0] = 1.0
    for j in range(1, MAX_DRAW + 2):
        left = total - j + 1
        if left > 0:
            acc /= left
        else:
            acc = 0.0
        inv_ff[j] = acc
    for o in range(N_OUTCOMES):
        out[o] = 0.0
    n = parent.shape[0]
    val[0] = 1.0
    i = 0
    while i < n:
        if i > 0:
            left = counts[rank[i]] - off[i]
            if left <= 0:
                i = skip[i]
                continue
            val[i] = val[parent[i]] * left
        w = weight[i]
        if w > 0.0:
            base = w * val[i] * inv_ff[size[i] + 1]
            # A node with val > 0 holds no more of a rank than the shoe, so left >= 0.
            for j in range(t_start[i], t_start[i + 1]):
                out[t_out[j]] += base * (counts[t_card[j]] - t_mult[j])
        i += 1
    stood = 0.0
    for o in range(N_OUTCOMES):
        stood += out[o]
    out[BUST] = max(0.0, 1.0 - stood)


BATCH = 32
"""Shoes evaluated together by :func:`dealer_joint_batch` (the inner, vectorized loop)."""


@njit(cache=True, nogil=True)
def dealer_joint_batch(
    counts: np.ndarray,
    n_shoes: int,
    table: DealerTable,
    val: np.ndarray,
    inv_ff: np.ndarray,
    base: np.ndarray,
    out: np.ndarray,
) -> None:
    """:func:`dealer_joint` for ``n_shoes`` shoes at once: ``counts[r, b]`` is shoe b's count
    of rank index r; fills ``out[o, b]``. The trie is walked once and every step runs across
    the shoes; a rank a shoe lacks gives a zero factor instead of a skipped subtree.
    Scratch: ``val`` (table length x BATCH), ``inv_ff`` (MAX_DRAW + 2 x BATCH), ``base``."""
    parent, rank, off, size = table.parent, table.rank, table.off, table.size
    weight, t_start = table.weight, table.t_start
    t_card, t_mult, t_out = table.t_card, table.t_mult, table.t_out
    nb = n_shoes
    for b in range(nb):
        total = 0
        for r in range(10):
            total += counts[r, b]
        acc = 1.0
        inv_ff[0, b] = 1.0
        for j in range(1, MAX_DRAW + 2):
            left = total - j + 1
            acc = acc / left if left > 0 else 0.0
            inv_ff[j, b] = acc
        val[0, b] = 1.0
    out[:, :nb] = 0.0
    for i in range(parent.shape[0]):
        if i > 0:
            pi = parent[i]
            ri = rank[i]
            oi = off[i]
            for b in range(nb):
                val[i, b] = val[pi, b] * max(counts[ri, b] - oi, 0)
        w = weight[i]
        if w > 0.0:
            k1 = size[i] + 1
            for b in range(nb):
                base[b] = w * val[i, b] * inv_ff[k1, b]
            for j in range(t_start[i], t_start[i + 1]):
                o = t_out[j]
                c = t_card[j]
                m = t_mult[j]
                for b in range(nb):
                    out[o, b] += base[b] * (counts[c, b] - m)
    for b in range(nb):
        stood = 0.0
        for o in range(N_OUTCOMES):
            stood += out[o, b]
        out[BUST, b] = max(0.0, 1.0 - stood)
