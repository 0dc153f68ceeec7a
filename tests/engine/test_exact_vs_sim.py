"""The simulator against the exact analyzer on rule sets drawn at random from the config space.

Each rule set is simulated off the top (``shuffle: every_round``) playing the chart derived for
the rules (``"playing": "derived"``), and the simulated EV must lie within k standard errors
of the analyzer's ``ev_basic`` for that chart. Both compute the same quantity, so a miss is a
bug in one of them, not a modelling gap.

Confidence: the slow test (``pytest -m slow``) checks 20 rule sets at 10^8 rounds within
3 SE: a false alarm in about 1 of 370 per rule set for a correct pair, about 5% over the 20.
The CI test checks 6 rule sets at 4*10^6 rounds within 4 SE: about 1 in 16,000 per rule set,
0.04% over the 6. Rule sets and seeds are fixed, so a run either passes or fails every time.
"""

from __future__ import annotations

import random

import pytest

from jost.contracts import Rules, SimulationConfig, Strategy
from jost.engine import simulate, summarize
from jost.engine.exact import analyze, derive_chart


def random_rules(rng: random.Random) -> Rules:
    """One rule set drawn uniformly from each rule's options (independent draws)."""
    return Rules(
        decks=rng.randint(1, 8),
        dealer_hits_soft_17=rng.random() < 0.5,
        blackjack_pays=rng.choice((1.5, 1.2, 1.0)),
        double=rng.choice(("any_two", "9_to_11", "10_to_11")),
        double_after_split=rng.random() < 0.5,
        max_split_hands=rng.randint(2, 4),
        resplit_aces=rng.random() < 0.5,
        hit_split_aces=rng.random() < 0.5,
        surrender=rng.choice(("none", "late", "early")),
        hole_card=rng.choice(("peek", "enhc", "enhc_all")),
        shuffle="every_round",
    )


def rule_sets(count: int, seed: int) -> list[Rules]:
    rng = random.Random(seed)
    return [random_rules(rng) for _ in range(count)]


def label(rules: Rules) -> str:
    return derive_chart(rules).name.removeprefix("derived ")


def check(rules: Rules, rounds: int, seed: int, k: float) -> None:
    exact = analyze(rules).ev_basic
    config = SimulationConfig(
        rules=rules, strategy=Strategy(playing="derived"), rounds=rounds, seed=seed
    )
    s = summarize(simulate(config))
    gap = (s.ev - exact) / s.ev_stderr
    line = (
        f"{label(rules)}: simulated {100 * s.ev:+.4f}% ± {100 * s.ev_stderr:.4f}%, "
        f"exact {100 * exact:+.4f}%: {gap:+.2f} SE"
    )
    print(line)  # shown with -s: the gaps of a passing run are worth reading too
    assert abs(gap) <= k, line


FAST = rule_sets(6, seed=8)
SLOW = rule_sets(20, seed=88)


@pytest.mark.parametrize("rules", FAST, ids=label)
def test_simulator_agrees_with_the_analyzer(rules: Rules) -> None:
    check(rules, rounds=4_000_000, seed=2026, k=4.0)


@pytest.mark.slow
@pytest.mark.parametrize("rules", SLOW, ids=label)
def test_simulator_agrees_with_the_analyzer_at_1e8_rounds(rules: Rules) -> None:
    check(rules, rounds=100_000_000, seed=2026, k=3.0)
