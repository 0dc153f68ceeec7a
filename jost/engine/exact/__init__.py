"""The exact combinatorial analyzer: the house edge of a rule set computed, not simulated, and
basic strategy derived from the rules.

For a shoe composition (default: the full shoe of ``rules.decks``, off the top) it computes the
dealer's final-total probabilities, the exact value of every action for every two-card hand and
upcard with the hand's own cards removed, the optimal composition-dependent EV, the
total-dependent basic strategy for the rules as a :class:`~jost.contracts.Chart`, and the exact
EV of playing any chart. Every ``Rules`` field is honoured except ``shuffle`` and
``penetration`` (the analysis is of one round from the given composition).

Conventions (stated in results as ``post_split``):

- Split hands are valued on their own cards with the shoe reduced by the pair cards split so
  far; the cards drawn to the other split hands are not taken into account, and resplits are
  taken whenever allowed. Composition-dependent EVs play split hands by one of three
  conventions (``POST_SPLIT_CONVENTIONS``): optimally for the number of pair cards removed
  (``per_hand_split_count``, the default ``POST_SPLIT``), by the play optimal for the same
  cards before the split (``pre_split``), or by the play optimal at the first split applied
  to every resplit hand (``first_split``). ``ev_basic`` and :func:`chart_ev` play split hands
  by the chart, whatever the convention.
- Under ENHC (only the original bet lost to a dealer blackjack) the game's value equals the
  peek game's, and the analyzer uses that; under ENHC-all doubles and splits are lost too.
  Late surrender with no hole card is settled after a dealer blackjack (which takes the whole
  bet); early surrender always returns half.
- EVs are fractions of the initial bet per round (-0.0043 is a 0.43% house edge).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from msgspec import Struct

from jost.contracts import POST_SPLIT, RANKS, Chart, Rules
from jost.engine.codes import RANK_LETTERS
from jost.engine.exact.analysis import Pass, run_pass
from jost.engine.exact.charts import format_chart, from_arrays, to_arrays
from jost.engine.exact.dealer import N_OUTCOMES, OUTCOMES, dealer_joint, dealer_tables
from jost.engine.exact.shoe import check_shoe, full_shoe, rank_index
from jost.engine.exact.solver import (
    A_DOUBLE,
    A_HIT,
    A_NATURAL,
    A_SPLIT,
    A_STAND,
    A_SURRENDER,
    PS_FIRST_SPLIT,
    PS_PER_LEVEL,
    PS_PRE_SPLIT,
)
from jost.engine.exact_store import rules_key

__all__ = [
    "POST_SPLIT",
    "POST_SPLIT_CONVENTIONS",
    "POST_SPLIT_DESCRIPTION",
    "ExactResult",
    "HandEV",
    "analyze",
    "chart_ev",
    "derive_chart",
    "format_chart",
    "hand_action_evs",
    "rules_key",
]

POST_SPLIT_CONVENTIONS = {
    "per_hand_split_count": (
        "each split hand played optimally on its own cards, the shoe reduced by the pair "
        "cards split so far (other split hands' cards ignored); resplit whenever allowed"
    ),
    "pre_split": (
        "each split hand played as the same cards are best played before any split "
        "(doubling, where not allowed after a split, replaced by the better of hit and "
        "stand), valued on its own cards with the pair cards split so far removed; resplit "
        "whenever allowed"
    ),
    "first_split": (
        "each split hand played as the same cards are best played at the first split (one "
        "pair card besides the hand's own removed), at every resplit too, valued on its own "
        "cards with the pair cards split so far removed; resplit whenever allowed"
    ),
}
"""The post-split conventions of composition-dependent EVs, by name."""
POST_SPLIT_DESCRIPTION = POST_SPLIT_CONVENTIONS[POST_SPLIT]
_POST_SPLIT_CODE = {
    "per_hand_split_count": PS_PER_LEVEL,
    "pre_split": PS_PRE_SPLIT,
    "first_split": PS_FIRST_SPLIT,
}
ShoeInput = Sequence[int] | Mapping[str, int] | np.ndarray | None
_ACTIONS = (
    ("stand", A_STAND),
    ("hit", A_HIT),
    ("double", A_DOUBLE),
    ("split", A_SPLIT),
    ("surrender", A_SURRENDER),
    ("blackjack", A_NATURAL),
)


class HandEV(Struct, frozen=True, kw_only=True):
    """One two-card hand against one upcard: its probability (given the upcard) and the round
    value of each action it has (None where the rules don't offer it)."""

    cards: str
    upcard: str
    probability: float
    stand: float | None = None
    hit: float | None = None
    double: float | None = None
    split: float | None = None
    surrender: float | None = None
    blackjack: float | None = None
    best: str


class ExactResult(Struct, frozen=True, kw_only=True):
    """What :func:`analyze` computes. ``dealer``: upcard -> outcome -> probability (given no
    dealer blackjack where the dealer peeks; "blackjack" is an outcome only without a hole
    card). ``ev_by_upcard``: upcard -> {"composition_dependent", "basic", "probability"}."""

    rules: Rules
    shoe: list[int]
    ev_composition_dependent: float
    ev_basic: float
    post_split: str = POST_SPLIT
    post_split_description: str = POST_SPLIT_DESCRIPTION
    ev_by_upcard: dict[str, dict[str, float]]
    dealer: dict[str, dict[str, float]]
    hands: list[HandEV]
    chart: Chart


def _chart_name(rules: Rules) -> str:
    parts = [
        f"{rules.decks}D",
        "H17" if rules.dealer_hits_soft_17 else "S17",
        {1.5: "3:2", 1.2: "6:5", 1.0: "1:1"}[rules.blackjack_pays],
        f"double {rules.double}",
        "DAS" if rules.double_after_split else "no DAS",
        f"split to {rules.max_split_hands}",
    ]
    if rules.resplit_aces:
        parts.append("RSA")
    if rules.hit_split_aces:
        parts.append("hit split aces")
    if rules.surrender != "none":
        parts.append(f"{rules.surrender} surrender")
    if rules.hole_card != "peek":
        parts.append(rules.hole_card.upper().replace("_ALL", "-all"))
    return "derived " + " ".join(parts)


def _dealer(rules: Rules, shoe: np.ndarray) -> dict[str, dict[str, float]]:
    tables = dealer_tables(rules.dealer_hits_soft_17)
    result: dict[str, dict[str, float]] = {}
    for up in range(10):
        if shoe[up] == 0:
            continue
        rest = shoe.copy()
        rest[up] -= 1
        table = tables[up]
        out = np.zeros(N_OUTCOMES)
        dealer_joint(rest, table, np.empty(len(table.parent)), np.empty(32), out)
        probs = dict(zip(OUTCOMES, (float(x) for x in out), strict=True))
        if rules.hole_card == "peek":
            no_bj = 1.0 - probs.pop("blackjack")
            probs = {k: v / no_bj for k, v in probs.items()}
        elif up not in (0, 9):
            probs.pop("blackjack")
        result[RANKS[up]] = probs
    return result


def _hands(result: Pass) -> list[HandEV]:
    hands = []
    for up in range(10):
        for a in range(10):
            for b in range(a, 10):
                q = float(result.hand_prob[up, a, b])
                if q == 0.0:
                    continue
                row = result.actions[up, a, b]
                values = {name: float(row[i]) for name, i in _ACTIONS if not np.isnan(row[i])}
                hands.append(
                    HandEV(
                        cards=f"{RANK_LETTERS[b]},{RANK_LETTERS[a]}"
                        if a > 0
                        else f"{RANK_LETTERS[a]},{RANK_LETTERS[b]}",
                        upcard=RANKS[up],
                        probability=q,
                        best=max(values, key=values.__getitem__),
                        **values,
                    )
                )
    return hands


def _post_split_code(post_split: str) -> int:
    code = _POST_SPLIT_CODE.get(post_split)
    if code is None:
        raise ValueError(
            f"post_split: unknown convention {post_split!r} "
            f"(one of {', '.join(POST_SPLIT_CONVENTIONS)})"
        )
    return code


def analyze(rules: Rules, shoe: ShoeInput = None, *, post_split: str = POST_SPLIT) -> ExactResult:
    """The full analysis of ``rules`` drawing from ``shoe`` (counts per rank A, 2..9, T as a
    sequence of 10 or a mapping; default the full shoe), split hands played by the
    ``post_split`` convention in composition-dependent values. Raises ``ConfigRejected``
    (naming ``$.shoe`` or ``$.shoe.<rank>``) for a bad shoe, ValueError for an unknown
    convention (an argument, not part of a config)."""
    code = _post_split_code(post_split)
    counts = check_shoe(shoe, rules)
    result = run_pass(rules, counts, None, code)
    chart = from_arrays(result.chart, rules, _chart_name(rules))
    by_upcard = {
        RANKS[up]: {
            "probability": float(result.upcard_prob[up]),
            "composition_dependent": float(result.ev_cd[up]),
            "basic": float(result.ev_chart[up]),
        }
        for up in range(10)
        if counts[up] > 0
    }
    return ExactResult(
        rules=rules,
        shoe=[int(c) for c in counts],
        ev_composition_dependent=result.ev_composition_dependent,
        ev_basic=result.ev_basic,
        post_split=post_split,
        post_split_description=POST_SPLIT_CONVENTIONS[post_split],
        ev_by_upcard=by_upcard,
        dealer=_dealer(rules, counts),
        hands=_hands(result),
        chart=chart,
    )


@lru_cache(maxsize=128)
def _derived(rules: Rules) -> Chart:
    counts = full_shoe(rules.decks)
    check_shoe(counts, rules)
    result = run_pass(rules, counts, None)
    return from_arrays(result.chart, rules, _chart_name(rules))


def derive_chart(rules: Rules) -> Chart:
    """Total-dependent basic strategy for ``rules`` (full shoe), cached per rule set."""
    return _derived(rules_key(rules))


def chart_ev(rules: Rules, chart: Chart, shoe: ShoeInput = None) -> float:
    """The exact EV of playing ``chart`` under ``rules`` (split hands by the chart too)."""
    counts = check_shoe(shoe, rules)
    return run_pass(rules, counts, to_arrays(chart, rules)).ev_basic


def hand_action_evs(
    rules: Rules,
    cards: str | Sequence[str],
    upcard: str,
    shoe: ShoeInput = None,
    *,
    given_no_blackjack: bool = False,
    post_split: str = POST_SPLIT,
) -> dict[str, float]:
    """Round value of each action open to a two-card hand (``"T,6"``) against ``upcard``,
    composition-dependent with the hand's and the upcard's cards removed. With
    ``given_no_blackjack`` (a peeking dealer, upcard A or 10) the values are those at the
    moment of decision, knowing the dealer has no blackjack (early surrender excepted).
    A split's value plays the split hands by the ``post_split`` convention."""
    code = _post_split_code(post_split)
    names = cards.split(",") if isinstance(cards, str) else list(cards)
    if len(names) != 2:
        raise ValueError(f"hand: needs two cards like 'T,6', got {cards!r}")
    a, b = sorted(rank_index(n, "hand") for n in names)
    up = rank_index(upcard, "upcard")
    counts = check_shoe(shoe, rules)
    need = np.zeros(10, np.int64)
    for r in (a, b, up):
        need[r] += 1
    for r in range(10):
        if need[r] > counts[r]:
            raise ValueError(
                f"hand: the shoe has only {counts[r]} card(s) of rank {RANK_LETTERS[r]}"
            )
    result = run_pass(rules, counts, None, code)
    row = result.actions[up, a, b]
    values = {name: float(row[i]) for name, i in _ACTIONS if not np.isnan(row[i])}
    if given_no_blackjack and rules.hole_card != "enhc_all" and up in (0, 9):
        other = 9 if up == 0 else 0
        left = counts.copy()
        left[up] -= 1
        left[a] -= 1
        left[b] -= 1
        p_bj = float(left[other]) / float(left.sum())
        for name in values:
            if name == "surrender" and rules.surrender == "early":
                continue
            values[name] = (values[name] + (0.0 if name == "blackjack" else p_bj)) / (1 - p_bj)
    return values
