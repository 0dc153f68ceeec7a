"""The shipped basic strategy charts: they decode, the right one is picked for the rules, the
well-known cells of the published charts hold, and bad charts are refused with a useful message.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import msgspec
import pytest

from jost.contracts import UPCARDS, Chart, Rules, Strategy, SurrenderChart
from jost.engine.charts import chart_name_for, chart_names, load_chart
from jost.engine.playing import resolve_playing

EXPECTED_NAMES = sorted(
    f"{decks}-{soft17}{suffix}"
    for decks in ("1d", "2d", "shoe")
    for soft17 in ("s17", "h17")
    for suffix in ("", "-enhc")
)


def cell(chart: Chart, section: str, row: str, up: str) -> str:
    return getattr(chart, section)[row][UPCARDS.index(up)]


def surrenders(table: SurrenderChart, hand: str, up: str) -> bool:
    """The contract's lookup for a two-card hand: "8,8" uses its pair row when there is one,
    else its hard total's row; "h16" / "s18" name a hard / soft total."""
    column = UPCARDS.index(up)
    if "," in hand:
        rank = hand.split(",")[0]
        if rank in table.pairs:
            return table.pairs[rank][column] == "R"
        row = table.soft.get("12") if rank == "A" else table.hard.get(str(2 * int(rank)))
    elif hand.startswith("s"):
        row = table.soft.get(hand[1:])
    else:
        row = table.hard.get(hand[1:])
    return row is not None and row[column] == "R"


def raw_chart(name: str) -> dict[str, Any]:
    data = (files("jost.defaults") / "charts" / f"{name}.json").read_bytes()
    return msgspec.json.decode(data)


# --- every shipped chart -------------------------------------------------------------------


def test_the_twelve_charts_are_shipped() -> None:
    assert chart_names() == EXPECTED_NAMES


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_chart_decodes_and_validates(name: str) -> None:
    data = (files("jost.defaults") / "charts" / f"{name}.json").read_bytes()
    chart = msgspec.json.decode(data, type=Chart)
    assert chart.name == name
    assert chart.source
    assert list(chart.hard) == [str(t) for t in range(4, 22)]
    assert list(chart.soft) == [str(t) for t in range(12, 22)]
    assert list(chart.pairs) == ["2", "3", "4", "5", "6", "7", "8", "9", "10", "A"]
    assert load_chart(name) == chart
    assert load_chart(name) is load_chart(name)


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_surrender_tables(name: str) -> None:
    chart = load_chart(name)
    late, early = chart.surrender, chart.early_surrender
    assert early is not None
    # Hands that no basic strategy gives up: doubling and strong hands, soft hands.
    for table in (late, early):
        assert not table.soft
        for up in UPCARDS:
            for hand in ("h9", "h10", "h11", "h18", "h19", "h20", "A,A", "5,5", "10,10"):
                assert not surrenders(table, hand, up), (name, hand, up)
        # Against 2..8 nothing is surrendered, whatever the surrender rule.
        for rows in (table.hard, table.pairs):
            for cells in rows.values():
                assert set(cells[:7]) == {"-"}
    # Surrendering early only differs against a 10 or an ace, and gives up at least the hands
    # that late surrender gives up.
    for hand in [f"h{t}" for t in range(4, 21)] + [f"{r},{r}" for r in chart.pairs]:
        for up in UPCARDS[:8]:
            assert surrenders(late, hand, up) == surrenders(early, hand, up), (name, hand, up)
        for up in ("10", "A"):
            if surrenders(late, hand, up):
                assert surrenders(early, hand, up), (name, hand, up)


# --- picking the chart ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (Rules(), "shoe-s17"),
        (Rules(decks=1), "1d-s17"),
        (Rules(decks=1, dealer_hits_soft_17=True), "1d-h17"),
        (Rules(decks=2, dealer_hits_soft_17=True), "2d-h17"),
        (Rules(decks=3), "shoe-s17"),
        (Rules(decks=8, dealer_hits_soft_17=True), "shoe-h17"),
        (Rules(decks=6, hole_card="enhc_all"), "shoe-s17-enhc"),
        (Rules(decks=2, dealer_hits_soft_17=True, hole_card="enhc_all"), "2d-h17-enhc"),
        (Rules(decks=1, hole_card="enhc_all"), "1d-s17-enhc"),
        # Only the original bet is lost to a dealer blackjack: the peek strategy is right.
        (Rules(decks=6, hole_card="enhc"), "shoe-s17"),
        (Rules(decks=4, dealer_hits_soft_17=True, hole_card="enhc"), "shoe-h17"),
        # Doubling, DAS and surrender rules are resolved inside one chart.
        (Rules(double="10_to_11", double_after_split=False, surrender="late"), "shoe-s17"),
    ],
)
def test_chart_name_for(rules: Rules, expected: str) -> None:
    assert chart_name_for(rules) == expected


def test_every_rule_set_has_a_shipped_chart() -> None:
    for decks in range(1, 9):
        for h17 in (False, True):
            for hole in ("peek", "enhc", "enhc_all"):
                rules = Rules(decks=decks, dealer_hits_soft_17=h17, hole_card=hole)
                assert chart_name_for(rules) in chart_names()


def test_resolve_playing_basic_named_and_own() -> None:
    rules = Rules(decks=2, dealer_hits_soft_17=True)
    assert resolve_playing(Strategy(), rules) is load_chart("2d-h17")
    assert resolve_playing(Strategy(playing="1d-s17"), rules) is load_chart("1d-s17")
    own = load_chart("shoe-s17")
    own = msgspec.structs.replace(own, name="mine")
    assert resolve_playing(Strategy(playing=own), rules) is own


def test_resolve_playing_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"strategy\.playing") as err:
        resolve_playing(Strategy(playing="6d-s17"), Rules())
    message = str(err.value)
    assert "'6d-s17'" in message
    for name in EXPECTED_NAMES:
        assert name in message


def test_load_chart_unknown_name() -> None:
    with pytest.raises(ValueError, match="shoe-s17") as err:
        load_chart("nope")
    assert "'nope'" in str(err.value)


def test_chart_names_is_a_fresh_list() -> None:
    names = chart_names()
    names.clear()
    assert chart_names() == EXPECTED_NAMES


# --- cells every published chart agrees on -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "section", "row", "up", "action"),
    [
        # 4 to 8 decks, dealer stands on soft 17.
        ("shoe-s17", "hard", "16", "10", "H"),
        ("shoe-s17", "hard", "12", "2", "H"),
        ("shoe-s17", "hard", "12", "4", "S"),
        ("shoe-s17", "hard", "13", "2", "S"),
        ("shoe-s17", "hard", "9", "2", "H"),
        ("shoe-s17", "hard", "9", "3", "D"),
        ("shoe-s17", "hard", "8", "6", "H"),
        ("shoe-s17", "hard", "10", "9", "D"),
        ("shoe-s17", "hard", "10", "10", "H"),
        ("shoe-s17", "hard", "11", "10", "D"),
        ("shoe-s17", "hard", "11", "A", "H"),
        ("shoe-s17", "soft", "13", "4", "H"),
        ("shoe-s17", "soft", "13", "5", "D"),
        ("shoe-s17", "soft", "15", "4", "D"),
        ("shoe-s17", "soft", "17", "2", "H"),
        ("shoe-s17", "soft", "17", "3", "D"),
        ("shoe-s17", "soft", "18", "2", "S"),
        ("shoe-s17", "soft", "18", "3", "Ds"),
        ("shoe-s17", "soft", "18", "6", "Ds"),
        ("shoe-s17", "soft", "18", "7", "S"),
        ("shoe-s17", "soft", "18", "9", "H"),
        ("shoe-s17", "soft", "18", "A", "H"),
        ("shoe-s17", "soft", "19", "6", "S"),
        ("shoe-s17", "pairs", "8", "A", "P"),
        ("shoe-s17", "pairs", "8", "10", "P"),
        ("shoe-s17", "pairs", "A", "A", "P"),
        ("shoe-s17", "pairs", "9", "7", "N"),
        ("shoe-s17", "pairs", "9", "8", "P"),
        ("shoe-s17", "pairs", "9", "A", "N"),
        ("shoe-s17", "pairs", "2", "2", "PD"),
        ("shoe-s17", "pairs", "3", "3", "PD"),
        ("shoe-s17", "pairs", "2", "4", "P"),
        ("shoe-s17", "pairs", "4", "5", "PD"),
        ("shoe-s17", "pairs", "4", "4", "N"),
        ("shoe-s17", "pairs", "5", "6", "N"),
        ("shoe-s17", "pairs", "6", "2", "PD"),
        ("shoe-s17", "pairs", "6", "3", "P"),
        ("shoe-s17", "pairs", "7", "7", "P"),
        ("shoe-s17", "pairs", "7", "8", "N"),
        ("shoe-s17", "pairs", "10", "6", "N"),
        # 4 to 8 decks, dealer hits soft 17.
        ("shoe-h17", "hard", "11", "A", "D"),
        ("shoe-h17", "soft", "18", "2", "Ds"),
        ("shoe-h17", "soft", "19", "6", "Ds"),
        ("shoe-h17", "soft", "19", "5", "S"),
        # Single deck.
        ("1d-s17", "hard", "8", "4", "H"),
        ("1d-s17", "hard", "8", "5", "D"),
        ("1d-s17", "hard", "8", "6", "D"),
        ("1d-s17", "hard", "9", "2", "D"),
        ("1d-s17", "hard", "11", "A", "D"),
        ("1d-s17", "soft", "13", "4", "D"),
        ("1d-s17", "soft", "17", "2", "D"),
        ("1d-s17", "soft", "18", "A", "S"),
        ("1d-s17", "soft", "19", "6", "Ds"),
        ("1d-s17", "pairs", "2", "2", "PD"),
        ("1d-s17", "pairs", "2", "3", "P"),
        ("1d-s17", "pairs", "4", "4", "PD"),
        ("1d-s17", "pairs", "6", "2", "P"),
        ("1d-s17", "pairs", "7", "8", "PD"),
        ("1d-h17", "soft", "18", "A", "H"),
        ("1d-h17", "hard", "11", "A", "D"),
        # Double deck.
        ("2d-s17", "hard", "11", "A", "D"),
        ("2d-s17", "hard", "9", "2", "D"),
        ("2d-s17", "soft", "17", "2", "H"),
        ("2d-s17", "soft", "18", "A", "H"),
        ("2d-h17", "soft", "18", "2", "Ds"),
        ("2d-h17", "soft", "19", "6", "Ds"),
        # No hole card, doubles and splits lost to a blackjack: no doubling or splitting
        # into a 10 or an ace where the peek game would.
        ("shoe-s17-enhc", "hard", "11", "10", "H"),
        ("shoe-s17-enhc", "hard", "11", "A", "H"),
        ("shoe-s17-enhc", "hard", "10", "10", "H"),
        ("shoe-s17-enhc", "hard", "11", "9", "D"),
        ("shoe-s17-enhc", "pairs", "A", "A", "N"),
        ("shoe-s17-enhc", "pairs", "A", "10", "P"),
        ("shoe-s17-enhc", "pairs", "8", "10", "N"),
        ("shoe-s17-enhc", "pairs", "8", "A", "N"),
        ("shoe-s17-enhc", "pairs", "8", "9", "P"),
        ("shoe-h17-enhc", "hard", "11", "A", "H"),
        ("1d-s17-enhc", "hard", "11", "A", "H"),
        ("2d-h17-enhc", "pairs", "8", "10", "N"),
    ],
)
def test_well_known_cells(name: str, section: str, row: str, up: str, action: str) -> None:
    assert cell(load_chart(name), section, row, up) == action


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_rows_every_chart_shares(name: str) -> None:
    chart = load_chart(name)
    for total in ("4", "5", "6", "7"):
        assert set(chart.hard[total]) == {"H"}
    for total in ("17", "18", "19", "20", "21"):
        assert set(chart.hard[total]) == {"S"}
    for total in ("20", "21"):
        assert set(chart.soft[total]) == {"S"}
    assert set(chart.pairs["5"]) == {"N"}
    assert set(chart.pairs["10"]) == {"N"}
    for up in UPCARDS[:5]:
        assert cell(chart, "hard", "13", up) == "S"
        assert cell(chart, "pairs", "8", up) == "P"
        assert cell(chart, "pairs", "A", up) == "P"
    for up in UPCARDS[5:]:
        assert cell(chart, "hard", "16", up) == "H"


@pytest.mark.parametrize(
    ("name", "hand", "up", "give_up"),
    [
        # Late surrender, 4 to 8 decks.
        ("shoe-s17", "h16", "9", True),
        ("shoe-s17", "h16", "10", True),
        ("shoe-s17", "h16", "A", True),
        ("shoe-s17", "h15", "10", True),
        ("shoe-s17", "h15", "9", False),
        ("shoe-s17", "h15", "A", False),
        ("shoe-s17", "h17", "A", False),
        ("shoe-s17", "h14", "10", False),
        ("shoe-s17", "8,8", "10", False),
        ("shoe-s17", "8,8", "A", False),
        ("shoe-s17", "7,7", "10", False),
        ("shoe-h17", "h15", "A", True),
        ("shoe-h17", "h17", "A", True),
        ("shoe-h17", "8,8", "A", True),
        ("shoe-h17", "8,8", "10", False),
        # Late surrender, one and two decks.
        ("1d-s17", "h16", "10", True),
        ("1d-s17", "h16", "A", True),
        ("1d-s17", "h16", "9", False),
        ("1d-s17", "h15", "10", False),
        ("1d-s17", "7,7", "10", True),
        ("1d-h17", "h15", "A", True),
        ("1d-h17", "h17", "A", True),
        ("2d-s17", "h15", "10", True),
        ("2d-s17", "h16", "9", False),
        ("2d-h17", "h17", "A", True),
    ],
)
def test_late_surrender(name: str, hand: str, up: str, give_up: bool) -> None:
    assert surrenders(load_chart(name).surrender, hand, up) is give_up


@pytest.mark.parametrize(
    ("name", "hand", "up", "give_up"),
    [
        # No hole card, late surrender (a dealer blackjack found after play still takes the
        # whole bet): the peek game's table, plus 8,8 that is no longer split against 10 or A.
        ("shoe-s17-enhc", "h16", "9", True),
        ("shoe-s17-enhc", "h15", "10", True),
        ("shoe-s17-enhc", "h14", "10", False),
        ("shoe-s17-enhc", "h17", "A", False),
        ("shoe-s17-enhc", "8,8", "10", True),
        ("shoe-s17-enhc", "8,8", "A", True),
        ("shoe-h17-enhc", "h17", "A", True),
    ],
)
def test_late_surrender_without_hole_card(name: str, hand: str, up: str, give_up: bool) -> None:
    assert surrenders(load_chart(name).surrender, hand, up) is give_up


@pytest.mark.parametrize(
    ("name", "hand", "up", "give_up"),
    [
        # The classic early surrender strategy, 4 to 8 decks; the same without a hole card.
        ("shoe-s17", "h5", "A", True),
        ("shoe-s17", "h7", "A", True),
        ("shoe-s17", "h8", "A", False),
        ("shoe-s17", "h12", "A", True),
        ("shoe-s17", "h17", "A", True),
        ("shoe-s17", "h18", "A", False),
        ("shoe-s17", "3,3", "A", True),
        ("shoe-s17", "6,6", "A", True),
        ("shoe-s17", "7,7", "A", True),
        ("shoe-s17", "8,8", "A", True),
        ("shoe-s17", "h14", "10", True),
        ("shoe-s17", "h16", "10", True),
        ("shoe-s17", "h13", "10", False),
        ("shoe-s17", "7,7", "10", True),
        ("shoe-s17", "8,8", "10", True),
        ("shoe-s17", "h16", "9", True),
        ("shoe-s17", "h15", "9", False),
        ("shoe-s17-enhc", "h5", "A", True),
        ("shoe-s17-enhc", "h14", "10", True),
        ("shoe-s17-enhc", "8,8", "10", True),
        ("shoe-s17-enhc", "7,7", "A", True),
    ],
)
def test_early_surrender(name: str, hand: str, up: str, give_up: bool) -> None:
    table = load_chart(name).early_surrender
    assert table is not None
    assert surrenders(table, hand, up) is give_up


# --- refusing bad charts -------------------------------------------------------------------


def _decode(data: dict[str, Any]) -> Chart:
    return msgspec.json.decode(msgspec.json.encode(data), type=Chart)


def test_missing_row_is_refused_naming_it() -> None:
    data = raw_chart("shoe-s17")
    del data["hard"]["13"]
    with pytest.raises(msgspec.ValidationError, match=r"hard: row '13' is missing"):
        _decode(data)


def test_missing_cell_is_refused_naming_the_row() -> None:
    data = raw_chart("shoe-s17")
    data["pairs"]["8"] = data["pairs"]["8"][:9]
    with pytest.raises(msgspec.ValidationError, match=r"pairs\['8'\]: needs 10 cells"):
        _decode(data)


def test_bad_code_is_refused_naming_row_and_upcard() -> None:
    data = raw_chart("1d-h17")
    data["soft"]["18"][UPCARDS.index("3")] = "X"
    with pytest.raises(msgspec.ValidationError, match=r"soft\['18'\] vs 3: unknown action 'X'"):
        _decode(data)


def test_pair_code_in_a_total_row_is_refused() -> None:
    data = raw_chart("2d-s17")
    data["hard"]["10"][0] = "P"
    with pytest.raises(msgspec.ValidationError, match=r"hard\['10'\] vs 2"):
        _decode(data)


def test_bad_surrender_code_is_refused() -> None:
    data = raw_chart("shoe-s17")
    data["surrender"]["hard"]["16"][UPCARDS.index("10")] = "H"
    with pytest.raises(msgspec.ValidationError, match=r"surrender\.hard\['16'\] vs 10"):
        _decode(data)
