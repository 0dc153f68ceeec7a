"""Index generation: for a config's rules, chart and count system, the count at which each
deviation from the chart starts to pay, as index plays that paste into ``strategy.deviations``.

How an index is found (exact values over compositions, no simulation): random deals from a
fresh shoe, each to a random depth up to the config's penetration, are grouped by the count
the config's player would see (true count under the config's deck estimation and rounding, or
the running count of an unbalanced system). Up to ``per_count`` compositions of each count
are analysed exactly (every action's value for every two-card hand and upcard, the hand's
cards removed) and weighted back to how often random deals reach that count. At the decision
the count includes the player's two cards and the upcard. For each chart cell and each other
play, the value gained by the play over the chart's, averaged by count, crosses zero once: the
index is the first count from which the play keeps paying (``at_or_above``), or the count
below which it pays (``below``). Insurance pays when more than a third of the unseen cards
are tens.

Precision: each count's average holds ``per_count`` compositions, so where two plays are
nearly even over several counts the index can move by one between seeds; a count few random
deals reach (the window's ends) is left out rather than guessed.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from jost.contracts import UPCARDS, Chart, Count, CountSystem, IndexPlay, Rules, SimulationConfig
from jost.contracts.indices import CellSums, GeneratedIndices, IndexPlan, IndexSlice, IndexSums
from jost.engine.counting import resolve_count
from jost.engine.errors import ConfigRejected
from jost.engine.exact.analysis import run_pass
from jost.engine.exact.shoe import full_shoe
from jost.engine.exact.solver import A_DOUBLE, A_HIT, A_SPLIT, A_STAND, A_SURRENDER
from jost.engine.playing import resolve_playing

WINDOW = 10
"""Indices are looked for within this many counts of the neutral count (0; an unbalanced
system: its pivot, else the running count where a full shoe starts)."""
STEADY = 3
"""A play must pay at this many consecutive sampled counts to count as paying from there on
(a lone sparse count at the window's edge is noise, not a crossover)."""
DEALS = 200_000
"""Random deals drawn (cheap) to learn how often each count is reached and pick its
compositions."""
MIN_DEALS = 20
"""A count reached by fewer random deals is left out: its compositions are too rare to
stand for it."""
RANK_KEYS = ("A", "2", "3", "4", "5", "6", "7", "8", "9", "10")
"""The count system's tag names by the analyzer's rank index (A, 2..9, ten-valued)."""
ROW_PLAYS = {"H": A_HIT, "S": A_STAND}


SLICE = 24
"""Compositions per slice: an analysis is folded slice by slice into partial sums that merge
in slice order, locally as on the platform's workers, so both give the same answer."""


class _Setup(NamedTuple):
    rules: Rules
    count: Count
    system: CountSystem
    chart: Chart
    tags: np.ndarray
    counter: _Counter


def _setup(config: SimulationConfig) -> _Setup:
    count = config.strategy.count
    system = resolve_count(config)
    if count is None or system is None:
        raise ConfigRejected(
            "$.strategy.count", "index generation needs a count system: set strategy.count"
        )
    rules = config.rules
    counter = _Counter(rules.decks, system, count.deck_estimation, count.rounding)
    chart = resolve_playing(config.strategy, rules)
    return _Setup(rules, count, system, chart, _tags(system), counter)


def generate(
    config: SimulationConfig,
    per_count: int = 12,
    seed: int = 2026,
    progress: Callable[[int, int], None] | None = None,
) -> GeneratedIndices:
    """The index plays of ``config``'s rules, chart and count system (see the module's doc):
    the plan, each slice's sums, and the finish, as the platform runs them."""
    started = time.perf_counter()
    planned = plan(config, per_count, seed)
    sums, done = [], 0
    for part in planned.slices:
        sums.append(fold_slice(config, part))
        done += len(part.shoes)
        if progress is not None:
            progress(done, planned.compositions)
    return finish(config, planned, sums, time.perf_counter() - started)


def plan(config: SimulationConfig, per_count: int = 12, seed: int = 2026) -> IndexPlan:
    """The compositions to value (picked from ``seed``), cut into slices of ``SLICE``."""
    s = _setup(config)
    low, high = s.counter.window()
    picked, weights = _pick_compositions(s.rules, s.tags, s.counter, low, high, per_count, seed)
    slices = [
        IndexSlice(
            index=i // SLICE,
            shoes=[shoe.tolist() for shoe in picked[i : i + SLICE]],
            weights=weights[i : i + SLICE],
        )
        for i in range(0, len(picked), SLICE)
    ]
    return IndexPlan(
        per_count=per_count,
        seed=seed,
        window=[low, high],
        counts_analysed=len({s.counter.of(*_rc_unseen(p, s.tags, s.rules)) for p in picked}),
        compositions=len(picked),
        slices=slices,
    )


def fold_slice(config: SimulationConfig, part: IndexSlice) -> IndexSums:
    """A slice's partial sums: every composition's exact action values, by count."""
    s = _setup(config)
    low, high = s.counter.window()
    table = _Table(low - 3, high + 3)
    for shoe, weight in zip(part.shoes, part.weights, strict=True):
        _fold(s.rules, np.array(shoe, np.int64), weight, s.tags, s.counter, table)
    return table.sums(part.index, len(part.shoes))


def finish(
    config: SimulationConfig, planned: IndexPlan, sums: list[IndexSums], seconds: float
) -> GeneratedIndices:
    """The index plays from every slice's sums, merged in slice order."""
    s = _setup(config)
    low, high = planned.window
    table = _Table(low - 3, high + 3)
    for part in sorted(sums, key=lambda p: p.index):
        table.merge(part)
    plays = _deviations(s.rules, s.chart, table, low, high)
    ins = _insurance_index(table, low, high)
    if ins is not None:
        plays.insert(0, IndexPlay(hand="insurance", upcard="A", action="I", index=ins))
    kind = "true count" if s.system.balanced else "running count"
    estimation, rounding = s.count.deck_estimation, s.count.rounding
    n = planned.compositions
    return GeneratedIndices(
        deviations=plays,
        count_system=s.system.name or "custom",
        count_kind=kind,
        deck_estimation=estimation,
        rounding=rounding,
        window=[low, high],
        counts_analysed=planned.counts_analysed,
        compositions=n,
        per_count=planned.per_count,
        seed=planned.seed,
        seconds=round(seconds, 1),
        method=(
            f"exact values over compositions met at each {kind} (no simulation): "
            f"{n} compositions from {DEALS} random deals up to "
            f"{s.rules.penetration:.0%} penetration, up to {planned.per_count} per count, "
            f"weighted by how often each count is reached; the count at the decision includes "
            f"the player's two cards and the upcard ({estimation}, {rounding}). An index is the "
            f"first count of the window {low}..{high} from which the play's average gain over "
            f"the chart's stays positive for {STEADY} counts; near-even plays can move by one "
            f"count between seeds."
        ),
    )


def _tags(system: CountSystem) -> np.ndarray:
    """Tags by rank index. The analyzer does not tell red sevens from black ones, so a Red 7
    seven carries the average of its two tags (what half the sevens are worth)."""
    values = [float(system.tags[key]) for key in RANK_KEYS]
    if "7_red" in system.tags:
        values[6] = (values[6] + float(system.tags["7_red"])) / 2
    return np.array(values)


class _Counter:
    """The count a player reads: the config's true count (estimation, rounding) for a balanced
    system, the running count (initial count included) for an unbalanced one, as the kernel's
    ``count_now`` computes it."""

    def __init__(self, decks: int, system: CountSystem, estimation: str, rounding: str) -> None:
        self.decks = decks
        self.balanced = system.balanced
        self.irc = system.irc_per_deck * decks + system.irc_offset
        self.pivot = system.pivot
        self.estimation = estimation
        self.rounding = rounding

    def window(self) -> tuple[int, int]:
        if self.balanced:
            return -WINDOW, WINDOW
        centre = round(self.pivot if self.pivot is not None else self.irc)
        return min(round(self.irc), centre) - WINDOW, centre + WINDOW

    def of(self, rc: float, unseen: int) -> int:
        # integer arithmetic in quarter points (tags are whole or half points; a Red 7 seven
        # averaged, a quarter), as the kernel's: a float quotient such as 2.9999 would floor
        # a whole count away
        quarters = round(4 * rc)
        if not self.balanced:
            return math.floor(self.irc + quarters / 4)
        unseen = max(unseen, 1)
        if self.estimation == "exact":
            num, den = 52 * quarters, 4 * unseen
        elif self.estimation == "half_deck":
            num, den = 2 * quarters, 4 * max((unseen + 13) // 26, 1)
        else:
            num, den = quarters, 4 * max((unseen + 26) // 52, 1)
        if self.rounding == "floor":
            return num // den
        magnitude = (
            abs(num) // den if self.rounding == "truncate" else (2 * abs(num) + den) // (2 * den)
        )
        return magnitude if num >= 0 else -magnitude


def _rc_unseen(shoe: np.ndarray, tags: np.ndarray, rules: Rules) -> tuple[float, int]:
    seen = full_shoe(rules.decks) - shoe
    return float(seen @ tags), int(shoe.sum())


def _pick_compositions(
    rules: Rules,
    tags: np.ndarray,
    counter: _Counter,
    low: int,
    high: int,
    per_count: int,
    seed: int,
) -> tuple[list[np.ndarray], list[float]]:
    """Up to ``per_count`` random-deal compositions per count in ``low..high`` (one either
    side too, where the player's own cards move the count), each weighted by the share of
    deals its count stands for."""
    rng = np.random.default_rng(seed)
    full = full_shoe(rules.decks)
    n_cards = int(full.sum())
    deck = np.repeat(np.arange(10), full)
    cut = max(1, round(rules.penetration * n_cards))
    by_count: dict[int, list[np.ndarray]] = {}
    reached: dict[int, int] = {}
    batch = 5000
    for _ in range(DEALS // batch):
        order = rng.permuted(np.broadcast_to(deck, (batch, n_cards)), axis=1)
        depth = rng.integers(0, cut + 1, batch)
        dealt = np.arange(n_cards)[None, :] < depth[:, None]
        seen = np.stack([((order == r) & dealt).sum(axis=1) for r in range(10)], axis=1)
        rcs = seen @ tags
        for row, rc, d in zip(seen, rcs, depth, strict=True):
            c = counter.of(float(rc), n_cards - int(d))
            if not low - 1 <= c <= high + 1:
                continue
            reached[c] = reached.get(c, 0) + 1
            kept = by_count.setdefault(c, [])
            # reservoir sampling: every deal of a count is equally likely to be kept
            if len(kept) < per_count:
                kept.append(full - row)
            else:
                j = int(rng.integers(0, reached[c]))
                if j < per_count:
                    kept[j] = full - row
    picked: list[np.ndarray] = []
    weights: list[float] = []
    total = sum(reached.values())
    for c, kept in sorted(by_count.items()):
        if reached[c] < MIN_DEALS:
            continue
        for shoe in kept:
            picked.append(shoe)
            weights.append(reached[c] / total / len(kept))
    return picked, weights


class _Table:
    """Weighted sums by count: ``value[cell, count, action]`` and ``weight[cell, count]``."""

    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.size = high - low + 1
        self.value: dict[tuple, np.ndarray] = {}
        self.weight: dict[tuple, np.ndarray] = {}

    def add(self, cell: tuple, count: int, weight: float, values: np.ndarray) -> None:
        if cell not in self.value:
            self.value[cell] = np.zeros((self.size, len(values)))
            self.weight[cell] = np.zeros(self.size)
        i = min(max(count - self.low, 0), self.size - 1)
        self.value[cell][i] += weight * np.nan_to_num(values, nan=-np.inf)
        self.weight[cell][i] += weight

    def sums(self, index: int, compositions: int) -> IndexSums:
        """The counts this table reached, per cell: the sums a slice hands on."""
        cells, weights, values = [], [], []
        for cell, weight in self.weight.items():
            rows = np.flatnonzero(weight)
            width = self.value[cell].shape[1]
            cells.append(CellSums(cell=[str(p) for p in cell], counts=rows.tolist(), width=width))
            weights.append(weight[rows])
            values.append(self.value[cell][rows].ravel())
        return IndexSums(
            index=index,
            compositions=compositions,
            cells=cells,
            weights=_pack(weights),
            values=_pack(values),
        )

    def merge(self, part: IndexSums) -> None:
        """Add a slice's sums (in the order slices come: floating-point sums depend on it)."""
        weights, values = _unpack(part.weights), _unpack(part.values)
        w = v = 0
        for sums in part.cells:
            cell, n = _cell_key(sums.cell), len(sums.counts)
            if cell not in self.value:
                self.value[cell] = np.zeros((self.size, sums.width))
                self.weight[cell] = np.zeros(self.size)
            self.weight[cell][sums.counts] += weights[w : w + n]
            self.value[cell][sums.counts] += values[v : v + n * sums.width].reshape(n, sums.width)
            w, v = w + n, v + n * sums.width

    def means(self, cell: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The counts with data and the mean values there (-inf: an action not offered)."""
        w = self.weight[cell]
        has = w > 0
        counts = np.arange(self.size)[has] + self.low
        return counts, self.value[cell][has] / w[has, None]


def _cell_of(a: int, b: int) -> tuple[str, str]:
    """The chart row of a two-card hand (rank indices, a <= b; 0 = ace, 9 = ten)."""
    if a == b:
        return "pair", "A" if a == 0 else str(a + 1)
    if a == 0:
        return "soft", str(12 + b)
    return "hard", str(a + b + 2)


def _fold(
    rules: Rules,
    shoe: np.ndarray,
    weight: float,
    tags: np.ndarray,
    counter: _Counter,
    table: _Table,
) -> None:
    """Add one composition's exact action values to the table, by the count at the decision."""
    values = run_pass(rules, shoe, None).actions
    rc, unseen = _rc_unseen(shoe, tags, rules)
    peek = rules.hole_card == "peek" and rules.surrender != "early"
    for up in range(10):
        if shoe[up] == 0:
            continue
        after_up = shoe.copy()
        after_up[up] -= 1
        if up == 0:
            tens = after_up[9] / max(unseen - 1, 1)
            c = counter.of(rc + tags[0], unseen - 1)
            table.add(("insurance",), c, weight * shoe[0], np.array([3 * tens - 1]))
        for a in range(10):
            for b in range(a, 10):
                if a == 0 and b == 9:
                    continue  # a natural: nothing to decide
                left = after_up.copy()
                left[a] -= 1
                left[b] -= 1
                if (left < 0).any():
                    continue
                w = weight * shoe[up] * after_up[a] * (after_up[b] - (a == b)) * (1 + (a != b))
                row = values[up, a, b, :5]
                n_left = int(left.sum())
                if peek and up in (0, 9):
                    # decided knowing the peeking dealer has no blackjack
                    p = left[9 - up] / n_left
                    row = (row + p) / (1 - p)
                c = counter.of(rc + tags[a] + tags[b] + tags[up], n_left)
                table.add((*_cell_of(a, b), up), c, w, row)


def _resolve(code: str, rules: Rules, kind: str, row: str) -> int:
    """A chart cell's play under the rules (D: double, else hit; Ds: double, else stand)."""
    if code in ROW_PLAYS:
        return ROW_PLAYS[code]
    if _double_allowed(rules, kind, row):
        return A_DOUBLE
    return A_HIT if code == "D" else A_STAND


def _double_allowed(rules: Rules, kind: str, row: str) -> bool:
    if rules.double == "any_two":
        return True
    if kind != "hard":
        return False
    return int(row) in ((9, 10, 11) if rules.double == "9_to_11" else (10, 11))


def _chart_play(chart: Chart, rules: Rules, kind: str, row: str, col: int) -> tuple[str, int]:
    """The chart's play for a cell as (kind of the row it comes from, action); an unsplit pair
    plays its total's row."""
    if kind == "pair":
        code = chart.pairs[row][col]
        if code == "P" or (code == "PD" and rules.double_after_split):
            return "pair", A_SPLIT
        kind, row = ("soft" if row == "A" else "hard"), _total(row)
    rows = chart.hard if kind == "hard" else chart.soft
    return kind, _resolve(rows[row][col], rules, kind, row)


def _total(pair_row: str) -> str:
    """The hard (aces: soft) row of an unsplit pair."""
    return "12" if pair_row == "A" else str(2 * int(pair_row))


def _crossing(counts: np.ndarray, gain: np.ndarray, low: int, high: int) -> tuple[int, str] | None:
    """Where ``gain`` (by count) turns from not paying to paying, within the window. Rising
    (``at_or_above``): the lowest count from which it pays ``STEADY`` counts running; falling
    (``below``): one above the highest count down from which it does. A lone paying count
    among sparse ones is noise, not a crossover. None when it pays nowhere, or already at the
    window's end where it should not (the chart's play never is the better one there)."""
    inside = (counts >= low) & (counts <= high)
    counts, gain = counts[inside], gain[inside]
    pays = gain > 0
    runs = [i for i in range(len(counts) - STEADY + 1) if pays[i : i + STEADY].all()]
    if not runs or pays.all():
        return None
    if np.polyfit(counts, np.clip(gain, -1, 1), 1)[0] > 0:
        first = runs[0]
        return None if first == 0 else (int(counts[first]), "at_or_above")
    last = runs[-1] + STEADY - 1
    return None if last == len(counts) - 1 else (int(counts[last]) + 1, "below")


def _deviations(rules: Rules, chart: Chart, table: _Table, low: int, high: int) -> list[IndexPlay]:
    """Every cell's index plays: the play nearest the neutral count that beats the chart's."""
    centre = (low + high) / 2
    found: list[IndexPlay] = []
    for cell in sorted((c for c in table.value if c != ("insurance",)), key=_cell_order):
        kind, row, up = cell
        col = (up + 9) % 10  # rank index (A first) to chart column (A last)
        upcard = UPCARDS[col]
        counts, means = table.means(cell)
        hand = f"{kind} {row}"
        _, chart_action = _chart_play(chart, rules, kind, row, col)
        base = means[:, chart_action]
        best: tuple[float, IndexPlay] | None = None
        for action, label in _alternatives(chart, rules, kind, row, col, chart_action):
            cross = _crossing(counts, means[:, action] - base, low, high)
            if cross is None:
                continue
            index, apply = cross
            play = IndexPlay(hand=hand, upcard=upcard, action=label, index=index, apply=apply)
            if best is None or abs(index - centre) < best[0]:
                best = (abs(index - centre), play)
        if best is not None:
            found.append(best[1])
        if rules.surrender != "none":
            cross = _crossing(counts, means[:, A_SURRENDER] - base, low, high)
            if cross is not None:
                index, apply = cross
                if apply == "at_or_above":
                    found.append(IndexPlay(hand=hand, upcard=upcard, action="R", index=index))
    return found


def _alternatives(
    chart: Chart, rules: Rules, kind: str, row: str, col: int, chart_action: int
) -> list[tuple[int, str]]:
    """The plays that may replace the chart's, with the index-play action that names each
    (a pair's: splitting, or not splitting and playing its total's row)."""
    if kind == "pair":
        if chart_action != A_SPLIT:
            return [(A_SPLIT, "P")]
        unsplit = _chart_play(chart, rules, "hard" if row != "A" else "soft", _total(row), col)
        return [(unsplit[1], "N")]
    out = []
    if chart_action != A_HIT:
        out.append((A_HIT, "H"))
    if chart_action != A_STAND:
        out.append((A_STAND, "S"))
    if chart_action != A_DOUBLE and _double_allowed(rules, kind, row):
        out.append((A_DOUBLE, "D" if chart_action == A_HIT else "Ds"))
    return out


def _pack(arrays: list[np.ndarray]) -> bytes:
    joined = np.concatenate(arrays) if arrays else np.zeros(0)
    return zlib.compress(joined.astype("<f8").tobytes())


def _unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(zlib.decompress(data), "<f8")


def _cell_key(parts: list[str]) -> tuple:
    """A cell's key from its wire form (the upcard's rank index back to a number)."""
    return ("insurance",) if parts == ["insurance"] else (parts[0], parts[1], int(parts[2]))


def _cell_order(cell: tuple) -> tuple[int, int, int]:
    kind, row, up = cell
    rank = {"hard": 0, "soft": 1, "pair": 2}[kind]
    return rank, 11 if row == "A" else int(row), (up + 9) % 10


def _insurance_index(table: _Table, low: int, high: int) -> int | None:
    counts, means = table.means(("insurance",))
    cross = _crossing(counts, means[:, 0], low, high)
    return cross[0] if cross is not None and cross[1] == "at_or_above" else None
