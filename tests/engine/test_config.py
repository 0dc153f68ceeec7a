"""Bad configs are rejected before any simulation, with the field path and the reason."""

from __future__ import annotations

import json

import msgspec
import pytest

from jost.contracts import SimulationConfig, decode_config

BASE = {
    "rules": {
        "decks": 6,
        "dealer_hits_soft_17": False,
        "blackjack_pays": 1.5,
        "double": "any_two",
        "double_after_split": True,
        "max_split_hands": 4,
        "resplit_aces": False,
        "hit_split_aces": False,
        "surrender": "none",
        "hole_card": "peek",
        "shuffle": "cut_card",
        "penetration": 0.75,
    },
    "strategy": {"playing": "basic"},
    "betting": {"unit": 1},
    "table": {"seats": 1},
    "rounds": 10_000_000,
    "seed": 7,
}


def with_change(path: str, value: object) -> bytes:
    raw = json.loads(json.dumps(BASE))
    node = raw
    *parents, leaf = path.split(".")
    for key in parents:
        node = node[key]
    node[leaf] = value
    return json.dumps(raw).encode()


def test_the_issue_example_decodes_to_the_defaults() -> None:
    config = decode_config(json.dumps(BASE))
    assert config.rules.decks == 6 and config.rounds == 10_000_000 and config.seed == 7
    assert config.rules == SimulationConfig().rules


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("rules.decks", 0, "`$.rules.decks`"),
        ("rules.decks", 9, "`$.rules.decks`"),
        ("rules.penetration", 1.2, "`$.rules.penetration`"),
        ("rules.double", "any", "`$.rules.double`"),
        ("rules.surrender", "sometimes", "`$.rules.surrender`"),
        ("rules.hole_card", "maybe", "`$.rules.hole_card`"),
        ("rules.shuffle", "riffle", "`$.rules.shuffle`"),
        ("rules.blackjack_pays", 2.0, "blackjack_pays must be one of"),
        ("rules.doubel", True, "unknown field `doubel`"),
        ("table.seats", 8, "`$.table.seats`"),
        ("rounds", 0, "`$.rounds`"),
        ("seed", -1, "`$.seed`"),
    ],
)
def test_bad_fields_are_named(path: str, value: object, message: str) -> None:
    with pytest.raises(msgspec.ValidationError) as err:
        decode_config(with_change(path, value))
    assert message in str(err.value)


def test_position_beyond_the_seats_is_rejected() -> None:
    raw = json.loads(json.dumps(BASE))
    raw["table"] = {"seats": 2, "position": 3}
    with pytest.raises(
        msgspec.ValidationError, match=r"position \(3\) is beyond the 2 seats - at `\$.table`"
    ):
        decode_config(json.dumps(raw))


def inline_chart() -> dict:
    row = ["H"] * 10
    return {
        "hard": {str(t): row for t in range(4, 22)},
        "soft": {str(t): row for t in range(12, 22)},
        "pairs": {p: ["N"] * 10 for p in ["2", "3", "4", "5", "6", "7", "8", "9", "10", "A"]},
    }


def test_an_inline_chart_is_accepted() -> None:
    config = decode_config(with_change("strategy.playing", inline_chart()))
    assert not isinstance(config.strategy.playing, str)


def test_a_chart_with_a_missing_cell_is_rejected() -> None:
    chart = inline_chart()
    chart["hard"]["16"] = ["H"] * 9
    with pytest.raises(msgspec.ValidationError) as err:
        decode_config(with_change("strategy.playing", chart))
    assert "hard['16']: needs 10 cells" in str(err.value)
    assert "`$.strategy.playing`" in str(err.value)


def test_a_chart_with_a_missing_row_or_bad_code_is_rejected() -> None:
    chart = inline_chart()
    del chart["soft"]["18"]
    with pytest.raises(msgspec.ValidationError, match=r"soft: row '18' is missing"):
        decode_config(with_change("strategy.playing", chart))
    chart = inline_chart()
    chart["pairs"]["8"][9] = "X"
    with pytest.raises(msgspec.ValidationError, match=r"pairs\['8'\] vs A: unknown action 'X'"):
        decode_config(with_change("strategy.playing", chart))
