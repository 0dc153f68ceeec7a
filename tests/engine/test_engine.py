"""The engine's statistics: deterministic, exactly mergeable, and right in the numbers that
follow from the rules alone."""

from __future__ import annotations

import math

import msgspec
import pytest

from jost.contracts import TICKS_PER_UNIT, Rules, SimulationConfig, Table
from jost.engine import merge, plan_shards, run_shard, simulate, summarize
from jost.engine.game import build_game


def config(rounds: int = 200_000, seed: int = 11, **rules: object) -> SimulationConfig:
    return SimulationConfig(rules=Rules(**rules), rounds=rounds, seed=seed, shard_rounds=50_000)


def test_a_shard_is_bit_identical_when_run_again() -> None:
    cfg = config()
    assert run_shard(cfg, 3, 50_000) == run_shard(cfg, 3, 50_000)
    assert run_shard(cfg, 3, 50_000) != run_shard(cfg, 4, 50_000)


def test_one_worker_and_all_cores_give_the_same_statistics() -> None:
    cfg = config(rounds=230_000)
    assert plan_shards(cfg) == [50_000] * 4 + [30_000]
    assert simulate(cfg, workers=1) == simulate(cfg, workers=2)


def test_merge_is_exact_in_any_order() -> None:
    cfg = config()
    shards = [run_shard(cfg, i, n) for i, n in enumerate(plan_shards(cfg))]
    forward = merge(shards)
    backward = merge(reversed(shards))
    nested = merge([merge(shards[:1]), merge(shards[1:])])
    assert forward == backward == nested
    assert forward.total.rounds == cfg.rounds and forward.shards == len(shards)


def test_outcomes_partition_the_rounds_and_money_adds_up() -> None:
    t = simulate(config(rounds=300_000)).total
    assert t.wins + t.losses + t.pushes == t.rounds
    assert t.initial == t.rounds * TICKS_PER_UNIT  # flat one-unit bets
    assert t.wagered > t.initial  # doubles and splits
    s = summarize(simulate(config(rounds=300_000)))
    # flat bets: the ratio estimator's error is the plain standard error of the mean
    assert s.ev_stderr == pytest.approx(s.sd_per_round / math.sqrt(s.rounds), rel=1e-3)
    assert s.ev_ci95_low < s.ev < s.ev_ci95_high


def test_blackjack_and_insurance_frequencies_match_the_shoe() -> None:
    # Exact probabilities off the top of 6 decks (312 cards, 24 aces, 96 tens); each frequency
    # must lie within 4 standard errors (a false alarm about 1 in 15,000 runs; fixed seed).
    n = 1_000_000
    s = summarize(simulate(config(rounds=n, shuffle="every_round")))
    p_bj = 2 * (24 / 312) * (96 / 311)
    p_ace_up = 24 / 312
    for name, p in (("blackjack", p_bj), ("insurance_offered", p_ace_up)):
        assert abs(s.frequencies[name] - p) < 4 * math.sqrt(p * (1 - p) / n), name


def test_six_to_five_costs_exactly_the_paid_blackjacks() -> None:
    # Payout rules change no card dealt: the same seed plays the same rounds, and each paid
    # blackjack (not pushed by a dealer blackjack) is worth 0.3 units less.
    a = simulate(config(blackjack_pays=1.5)).total
    b = simulate(config(blackjack_pays=1.2)).total
    diff = a.net - b.net
    paid = diff / (0.3 * TICKS_PER_UNIT)
    assert paid == int(paid)
    assert 0.9 * a.blackjacks < paid <= a.blackjacks
    assert a.blackjacks == b.blackjacks and a.wagered == b.wagered


def test_surrender_is_used_and_counted() -> None:
    s = summarize(simulate(config(surrender="late")))
    # late surrender of 16 vs 9/10/A and 15 vs 10 comes up in roughly 4% of rounds
    assert 0.02 < s.frequencies["surrender"] < 0.06
    assert summarize(simulate(config())).frequencies["surrender"] == 0


@pytest.mark.parametrize("shuffle", ["cut_card", "every_round", "continuous"])
def test_a_full_table_survives_a_shoe_dealt_to_the_last_card(shuffle: str) -> None:
    # One deck, seven seats, no cut card: rounds run out of cards mid-round and must reshuffle
    # the discards without losing a card.
    cfg = SimulationConfig(
        rules=Rules(decks=1, penetration=1.0, shuffle=shuffle),
        table=Table(seats=7, position=4),
        rounds=20_000,
        shard_rounds=20_000,
    )
    t = simulate(cfg).total
    assert t.wins + t.losses + t.pushes == t.rounds == 20_000


def test_an_unknown_chart_name_is_a_clear_error() -> None:
    raw = msgspec.to_builtins(config())
    raw["strategy"]["playing"] = "no-such-chart"
    cfg = msgspec.convert(raw, SimulationConfig)
    with pytest.raises(ValueError, match="no-such-chart"):
        build_game(cfg)
