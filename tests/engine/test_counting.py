"""Counting and betting: the shipped systems, the true count, index plays, ramps, wonging, spots,
and the advantage player's statistics."""

from __future__ import annotations

import json
import math

import msgspec
import numpy as np
import pytest

from jost.cli.config_file import profile_names, read_profile
from jost.contracts import SimulationConfig, decode_config
from jost.engine import kernel, layout, simulate, summarize
from jost.engine.counting import bet_money, count_system_names, load_count_system
from jost.engine.exact import analyze
from jost.engine.game import build_game

# Published imbalance (sum of tags over one deck) of each shipped system.
IMBALANCE = {
    "hi_lo": 0,
    "hi_opt_1": 0,
    "hi_opt_2": 0,
    "omega_2": 0,
    "zen": 0,
    "wong_halves": 0,
    "ko": 4,
    "red_7": 2,
}


def counter(rounds: int = 2_000_000, **changes: object) -> SimulationConfig:
    """6 decks H17 DAS LS, Hi-Lo with I18 + Fab 4, a 1-12 ramp; ``changes`` by dotted path."""
    raw = msgspec.to_builtins(read_profile("hilo-i18-6d-h17-das-ls-1-12").config)
    raw.update(rounds=rounds, shard_rounds=500_000, seed=5)
    raw.pop("bankroll")
    for path, value in changes.items():
        node = raw
        *parents, leaf = path.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return decode_config(json.dumps(raw))


def test_every_required_system_is_shipped_with_its_published_imbalance() -> None:
    assert set(IMBALANCE) <= set(count_system_names())
    for name, imbalance in IMBALANCE.items():
        system = load_count_system(name)
        assert system.deck_sum() == imbalance, name
        assert system.balanced == (imbalance == 0), name
        assert system.source, name


def test_ko_and_red_7_start_at_their_initial_running_counts() -> None:
    game = build_game(counter(strategy__count={"system": "ko"}, strategy__deviations="none"))
    assert game.irc == 2 * (4 - 4 * 6)  # half points: KO's IRC is 4 - 4 x decks
    game = build_game(counter(strategy__count={"system": "red_7"}, strategy__deviations="none"))
    assert game.irc == 2 * (-2 * 6)
    assert game.tags[7] == 0 and game.tags[7 | layout.RED] == 2  # black 7: 0, red 7: +1


@pytest.mark.parametrize(
    ("estimation", "rounding", "rc_half_points", "unseen", "expected"),
    [
        ("exact", "floor", 10, 156, 1),  # RC 5 over 3 decks = 1.67
        ("exact", "floor", -10, 156, -2),  # -1.67 floors to -2
        ("exact", "truncate", -10, 156, -1),
        ("exact", "round", -10, 156, -2),
        ("exact", "round", 8, 208, 1),  # 4 / 4 decks = 1.0
        ("half_deck", "floor", 10, 140, 2),  # 2.69 decks read as 2.5: 5 / 2.5 = 2
        ("full_deck", "floor", 10, 140, 1),  # 2.69 decks read as 3: 5 / 3 = 1.67
        ("full_deck", "round", 10, 140, 2),
    ],
)
def test_true_count_from_the_unseen_cards(
    estimation: str, rounding: str, rc_half_points: int, unseen: int, expected: int
) -> None:
    cfg = counter(
        strategy__count={"system": "hi_lo", "deck_estimation": estimation, "rounding": rounding}
    )
    game = build_game(cfg)
    cur = np.zeros(layout.CURSOR_SIZE, np.int64)
    n_cards = 312
    cur[layout.POS] = n_cards - unseen
    cur[layout.RC] = rc_half_points
    assert kernel.count_now(cur, n_cards, game.params) == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"strategy__count": {"system": "no_such_count"}}, "strategy.count.system"),
        ({"strategy__deviations": "no_such_set"}, "strategy.deviations"),
    ],
)
def test_unknown_shipped_names_are_rejected_naming_the_field(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_game(counter(**change))


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        ({"betting__ramp": [[2, 4], [3, 2]]}, "$.betting", "units fall"),
        (
            {
                "strategy__deviations": [
                    {"hand": "hard 23", "upcard": "10", "action": "S", "index": 0}
                ]
            },
            "$.strategy.deviations[0]",
            "impossible",
        ),
        (
            {
                "strategy__deviations": [
                    {"hand": "hard 16", "upcard": "10", "action": "P", "index": 0}
                ]
            },
            "$.strategy.deviations[0]",
            "does not apply",
        ),
        (
            {"strategy__count": {"system": "hi_lo", "deck_estimation": "eyeball"}},
            "deck_estimation",
            "",
        ),
        ({"strategy__count": {"system": "hi_lo", "rounding": "ceil"}}, "rounding", ""),
        (
            {"strategy__count": None, "strategy__deviations": "none"},
            "betting.ramp",
            "needs a count",
        ),
    ],
)
def test_bad_counting_input_is_rejected_before_any_simulation(
    change: dict, path: str, reason: str
) -> None:
    with pytest.raises(msgspec.ValidationError) as err:
        counter(**change)
    assert path in str(err.value) and reason in str(err.value)


def test_the_ramp_sets_the_bet_at_every_count_and_chips_and_limits_hold() -> None:
    s = summarize(simulate(counter()))
    for row in s.by_true_count:
        if row.rounds:
            ramp = {2: 2, 3: 4, 4: 8}.get(row.true_count, 12 if row.true_count >= 5 else 1)
            assert row.avg_bet == ramp, row.true_count
    cfg = counter(betting__unit=10, betting__chip=5, betting__table_min=15, betting__table_max=100)
    assert bet_money(cfg, 0) == 15  # 10 rounds to 10, raised to the table minimum
    assert bet_money(cfg, 5) == 100  # 12 units = 120, held to the maximum
    cfg = counter(betting__unit=25, betting__chip=10, betting__ramp=[[2, 1.5]])
    assert bet_money(cfg, 2) == 40  # 37.5 to the nearest 10-chip


def test_statistics_by_count_add_up_to_the_whole() -> None:
    stats = simulate(counter())
    s = summarize(stats)
    rows = s.by_true_count
    assert sum(r.frequency for r in rows) == pytest.approx(1.0, abs=1e-12)
    # the frequency-weighted EV over all counts is the overall EV (bets as weights)
    weighted = sum(r.ev * r.avg_bet * r.rounds for r in rows) / sum(
        r.avg_bet * r.rounds for r in rows
    )
    assert weighted == pytest.approx(s.ev, rel=1e-9)
    assert sum(b.rounds for b in stats.by_count.values()) == stats.total.rounds


def test_ev_rises_about_half_a_percent_per_true_count_and_starts_off_the_top() -> None:
    # Flat bet, basic strategy, counting only to tally by count; rounding to the nearest count
    # centres each count's bin on it. Fixed seed; bounds are 4 standard errors (a false alarm
    # about 1 in 15,000 runs) around the exact off-the-top EV, plus 0.1% for what the cut card
    # and rounding do to count 0.
    cfg = counter(
        rounds=16_000_000,
        strategy__deviations="none",
        strategy__count={"system": "hi_lo", "rounding": "round"},
        betting__ramp=None,
    )
    rows = {r.true_count: r for r in summarize(simulate(cfg)).by_true_count}
    exact = analyze(cfg.rules).ev_basic
    zero = rows[0]
    assert abs(zero.ev - exact) < 4 * zero.ev_stderr + 0.001
    counts = [c for c in range(-3, 5)]
    x = np.array(counts, float)
    y = np.array([rows[c].ev for c in counts])
    w = np.array([1 / rows[c].ev_stderr ** 2 for c in counts])
    slope = np.polyfit(x, y, 1, w=np.sqrt(w))[0]
    assert 0.004 < slope < 0.0065, slope


def test_wonging_plays_only_where_the_count_says_and_counts_the_rounds_sat_out() -> None:
    cfg = counter(betting__wonging={"enter_at": 1, "leave_below": 0})
    stats = simulate(cfg)
    t = stats.total
    assert t.rounds_dealt == cfg.rounds and t.rounds < t.rounds_dealt
    for count, b in stats.by_count.items():
        if count < 0:
            assert b.rounds == 0, count
        if count >= 1:
            assert b.rounds == b.rounds_dealt, count
    s = summarize(stats, cfg)
    assert s.rounds_dealt == cfg.rounds
    assert s.win_per_100 == pytest.approx(100 * t.net / t.rounds_dealt / stats.ticks_per_unit)


def test_two_spots_double_the_initial_bet_and_share_the_round() -> None:
    cfg = counter(
        table={"seats": 3, "position": 2, "spots": 2},
        strategy__deviations="none",
        betting__ramp=None,
    )
    s = summarize(simulate(cfg))
    assert s.avg_bet == 2.0
    assert s.frequencies["blackjack"] == pytest.approx(2 * 0.0475, abs=0.002)


def test_insurance_is_taken_only_by_the_index() -> None:
    with_index = simulate(counter()).total
    without = simulate(counter(strategy__deviations="none")).total
    assert without.insurance_taken == 0
    # Hi-Lo insures at true count +3 and above: about a tenth of the aces up in this game
    assert 0.03 < with_index.insurance_taken / with_index.insurance_offered < 0.2


def test_flat_basic_strategy_has_a_negative_score_and_the_counter_a_positive_one() -> None:
    flat = summarize(simulate(SimulationConfig(rounds=1_000_000, seed=3)))
    assert flat.win_per_100 < 0 and flat.score < 0 and flat.di < 0
    s = summarize(simulate(counter()))
    assert s.win_per_100 > 0 and s.score > 0
    assert s.score == pytest.approx(1e6 * (s.win_per_100 / 100 / (s.sd_per_100 / 10)) ** 2)
    assert s.n0 == pytest.approx((s.sd_per_100 / 10 / (s.win_per_100 / 100)) ** 2)


def test_risk_of_ruin_formula_agrees_with_the_simulated_trips() -> None:
    # A flat-bet game (drift -0.4% a round) and a 30-unit bankroll over 400-round trips: the
    # diffusion formula applies; discrete rounds overshoot the barrier a little, so the
    # simulated share sits slightly below. 3000 trips: 3 SE is about 0.025.
    cfg = decode_config(
        json.dumps(
            {
                "rounds": 1_200_000,
                "shard_rounds": 400_000,
                "seed": 11,
                "bankroll": {"units": 30, "trip_rounds": 400},
            }
        )
    )
    risk = summarize(simulate(cfg), cfg).risk
    assert risk.trips == 3000
    assert 0.05 < risk.trip_ror_formula < 0.5
    assert abs(risk.trip_ror_simulated - risk.trip_ror_formula) < 3 * risk.trip_ror_stderr + 0.02
    assert risk.ror_formula == 1.0  # a losing game is ruined with certainty over infinite play
    q = risk.quantiles
    assert q["p05"] < q["p50"] < q["p95"]
    assert abs(q["p50"] - (-0.004 * 400)) < 3


def test_counting_results_are_the_same_on_one_worker_or_two() -> None:
    cfg = counter(rounds=1_000_000, betting__wonging={"enter_at": 0, "leave_below": -1})
    assert simulate(cfg, workers=1) == simulate(cfg, workers=2)


def test_every_shipped_profile_runs() -> None:
    for name in profile_names():
        cfg = msgspec.structs.replace(
            read_profile(name).config, rounds=20_000, shard_rounds=20_000, bankroll=None
        )
        s = summarize(simulate(cfg), cfg)
        assert s.rounds_dealt == 20_000, name
        assert math.isfinite(s.ev), name
