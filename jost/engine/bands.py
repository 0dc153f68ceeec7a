"""A result's by-count rows as players read them (the by-count table of ``jost simulate``, the
terminal's and the workbench's count charts): the true counts within a range one by one, the
thin tails gathered into the two ends."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from jost.contracts import TrueCountRow

COUNT_RANGE = (-6, 10)
"""The true counts shown one by one (the by-count table, the count charts); the rounds beyond
are gathered into the end bins ``<= -6`` and ``>= +10``: there a player's bins are thin."""


@dataclass(frozen=True)
class CountBand:
    """One row of the by-count table: a true count, or an end gathering the counts beyond
    (one band of counts, as players read a result; ``jost.contracts.CountBand`` is the
    engine's raw statistics at one count)."""

    label: str
    """``+3``, or ``<= -6`` / ``>= +10`` for an end."""
    true_count: int
    """The count, or the end's bound (where the bin is drawn)."""
    frequency: float
    """Share of rounds dealt."""
    rounds: int
    """Rounds played (a wonged-out count is dealt but not played)."""
    avg_bet: float
    ev: float
    ev_stderr: float


def count_bands(
    rows: Iterable[TrueCountRow] | None, count_range: tuple[int, int] = COUNT_RANGE
) -> list[CountBand]:
    """``rows`` as the by-count table shows them: the counts within ``count_range`` one by
    one, those beyond gathered into its two ends, so the frequencies add up to all the rounds
    dealt. A gathered bin sums frequency and rounds; its EV is its net over its initial bet
    (net = ev * avg_bet * rounds, initial = avg_bet * rounds), its standard error the rows'
    combined the same way. Counts never dealt are left out."""
    low, high = count_range
    groups: dict[int, list[TrueCountRow]] = {}
    for row in rows or ():
        if row.frequency > 0 or row.rounds:
            groups.setdefault(min(max(row.true_count, low), high), []).append(row)
    bins = []
    for count in sorted(groups):
        group = groups[count]
        label = f"{count:+d}"
        if count == low:
            label = f"<= {low:+d}"
        elif count == high:
            label = f">= {high:+d}"
        initial = [r.avg_bet * r.rounds for r in group]
        stake = sum(initial)
        rounds = sum(r.rounds for r in group)
        bins.append(
            CountBand(
                label=label,
                true_count=count,
                frequency=sum(r.frequency for r in group),
                rounds=rounds,
                avg_bet=stake / rounds if rounds else 0.0,
                ev=sum(r.ev * i for r, i in zip(group, initial, strict=True)) / stake
                if stake
                else 0.0,
                ev_stderr=math.sqrt(
                    sum((r.ev_stderr * i) ** 2 for r, i in zip(group, initial, strict=True))
                )
                / stake
                if stake
                else 0.0,
            )
        )
    return bins
