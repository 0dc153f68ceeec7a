"""``jost indices``: index plays generated for a config's rules and count from exact values over
compositions (jost.engine.indices). The fast tests run a coarse generation (few compositions per
count) and check what a coarse one must already get right; the slow ones compare a full
generation with the published Illustrious 18 and Fab 4, H17's known moves, KO and Hi-Opt II."""

from __future__ import annotations

import json
import random
from pathlib import Path

import msgspec
import numpy as np
import pytest

from jost.cli import main
from jost.contracts import IndexPlay, SimulationConfig, decode_config
from jost.contracts.indices import IndexPlan, IndexSums
from jost.engine import kernel, layout
from jost.engine.counting import load_count_system, load_deviation_set
from jost.engine.indices import GeneratedIndices, _Counter, finish, fold_slice, generate, plan


def config(h17: bool = False, surrender: str = "none", system: str = "hi_lo") -> SimulationConfig:
    return msgspec.convert(
        {
            "rules": {"decks": 6, "dealer_hits_soft_17": h17, "surrender": surrender},
            "strategy": {"playing": "basic", "count": {"system": system}},
        },
        SimulationConfig,
    )


def by_cell(result: GeneratedIndices) -> dict[tuple[str, str, str], IndexPlay]:
    return {(p.hand, p.upcard, p.action): p for p in result.deviations}


@pytest.mark.parametrize("estimation", ["exact", "half_deck", "full_deck"])
@pytest.mark.parametrize("rounding", ["floor", "truncate", "round"])
def test_the_count_is_the_kernels(estimation: str, rounding: str) -> None:
    """The count a composition is grouped by is the one the simulator's player acts on."""
    counter = _Counter(6, load_count_system("hi_lo"), estimation, rounding)
    params = np.zeros(layout.N_PARAMS, np.int64)
    params[layout.P_BALANCED] = 1
    params[layout.P_DECK_EST] = {"exact": layout.EST_EXACT, "half_deck": layout.EST_HALF_DECK}.get(
        estimation, layout.EST_FULL_DECK
    )
    params[layout.P_ROUNDING] = {
        "floor": layout.ROUND_FLOOR,
        "truncate": layout.ROUND_TRUNCATE,
    }.get(rounding, layout.ROUND_NEAREST)
    rng = random.Random(5)
    for _ in range(2000):
        unseen = rng.randint(1, 312)
        half_points = rng.randint(-80, 80)
        cur = np.zeros(layout.CURSOR_SIZE, np.int64)
        cur[layout.POS], cur[layout.RC] = 312 - unseen, half_points
        assert counter.of(half_points / 2, unseen) == kernel.count_now(cur, 312, params), (
            half_points,
            unseen,
        )


@pytest.fixture(scope="module")
def coarse() -> GeneratedIndices:
    """6D S17 DAS, no surrender, Hi-Lo: two compositions per count (about 20 s)."""
    return generate(config(), per_count=2, seed=11)


def test_coarse_generation_finds_the_strongest_indices(coarse: GeneratedIndices) -> None:
    found = by_cell(coarse)
    assert coarse.count_kind == "true count" and coarse.window == [-10, 10]
    assert found[("insurance", "A", "I")].index in (2, 3, 4)
    # the plays whose gain changes fastest with the count are found even this coarsely
    assert abs(found[("hard 10", "10", "D")].index - 4) <= 2
    assert abs(found[("hard 12", "4", "H")].index - 0) <= 2
    assert found[("hard 12", "4", "H")].apply == "below"
    assert abs(found[("pair 10", "5", "P")].index - 5) <= 2
    # no surrender in these rules, and one play per chart cell (the kernel keeps one)
    assert not [p for p in coarse.deviations if p.action == "R"]
    cells = [(p.hand, p.upcard) for p in coarse.deviations]
    assert len(cells) == len(set(cells))
    assert coarse.compositions > 40 and "exact values over compositions" in coarse.method


def test_the_indices_paste_into_a_config(coarse: GeneratedIndices) -> None:
    listed = json.loads(msgspec.json.encode(coarse.deviations))
    pasted = {"strategy": {"count": {"system": "hi_lo"}, "deviations": listed}}
    decoded = decode_config(json.dumps(pasted))
    assert decoded.strategy.deviations == coarse.deviations


def test_slices_merged_in_order_give_generates_answer(coarse: GeneratedIndices) -> None:
    """The platform's path: the plan, each slice folded on its own and sent as JSON, the sums
    merged in slice order (whatever order they arrive in) give generate()'s deviations."""
    planned = msgspec.json.decode(msgspec.json.encode(plan(config(), 2, 11)), type=IndexPlan)
    assert len(planned.slices) >= 2 and planned.compositions == coarse.compositions
    sums = [
        msgspec.json.decode(msgspec.json.encode(fold_slice(config(), part)), type=IndexSums)
        for part in planned.slices
    ]
    merged = finish(config(), planned, sums[::-1], seconds=0.0)
    assert merged.deviations == coarse.deviations
    assert merged.counts_analysed == coarse.counts_analysed


def test_cli_prints_the_deviations_list(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "game.json"
    path.write_text(
        '{"rules": {"decks": 2, "surrender": "late"}, "strategy": {"count": {"system": "hi_lo"}}}'
    )
    assert main(["indices", str(path), "--per-count", "1", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    plays = msgspec.json.decode(out, type=list[IndexPlay])
    assert any(p.action == "R" for p in plays)  # late surrender: surrender indices too
    assert ("insurance", "A") in {(p.hand, p.upcard) for p in plays}
    assert "exact values over compositions met at each true count" in err


def test_cli_needs_a_count(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "flat.json"
    path.write_text('{"rules": {"decks": 6}}')
    assert main(["indices", str(path)]) == 2
    assert "strategy.count" in capsys.readouterr().err


# -- against the published indices (slow: about a minute and a half each)

I18 = load_deviation_set("illustrious18_fab4")


def agreeing(result: GeneratedIndices, published: list[IndexPlay]) -> list[IndexPlay]:
    found = by_cell(result)
    return [
        p
        for p in published
        if (g := found.get((p.hand, p.upcard, p.action))) is not None
        and g.apply == p.apply
        and abs(g.index - p.index) <= 1
    ]


@pytest.mark.slow
def test_hi_lo_s17_agrees_with_the_illustrious_18() -> None:
    result = generate(config(), per_count=12)
    i18 = [p for p in I18.s17 if p.action != "R"]  # the Fab 4 are the surrender plays
    assert len(i18) == 18
    assert len(agreeing(result, i18)) >= 16


@pytest.mark.slow
def test_hi_lo_s17_late_surrender_agrees_with_the_fab_4() -> None:
    result = generate(config(surrender="late"), per_count=12)
    fab4 = [p for p in I18.s17 if p.action == "R"]
    assert len(fab4) == 4
    assert len(agreeing(result, fab4)) == 4


@pytest.mark.slow
def test_hi_lo_h17_shows_the_h17_differences() -> None:
    found = by_cell(generate(config(h17=True), per_count=12))
    # H17 basic strategy doubles 11 v A: the index turns into hitting below about -1
    assert ("hard 11", "A", "D") not in found
    assert abs(found[("hard 11", "A", "H")].index - (-1)) <= 1
    # H17 makes standing on 12 v 6 better: hit only well below 0
    assert found[("hard 12", "6", "H")].index <= -3


@pytest.mark.slow
def test_ko_indices_are_running_counts_about_its_pivot() -> None:
    """KO 6D starts at -20 with its pivot at +4: where Hi-Lo's indices are high (+3..+5) KO's
    lie near the pivot, and 16 v 10 (Hi-Lo 0) at a running count between start and pivot."""
    result = generate(config(system="ko"))
    found = by_cell(result)
    assert result.count_kind == "running count" and result.window == [-30, 14]
    assert abs(found[("insurance", "A", "I")].index - 3) <= 2
    assert abs(found[("hard 10", "10", "D")].index - 4) <= 2
    assert -20 < found[("hard 16", "10", "S")].index < 0


@pytest.mark.slow
def test_hi_opt_2_indices_scale_with_its_two_point_tags() -> None:
    """Hi-Opt II counts tens and small cards two points: its indices sit further from zero than
    Hi-Lo's, the sign and order unchanged."""
    found = by_cell(generate(config(system="hi_opt_2")))
    assert 4 <= found[("insurance", "A", "I")].index <= 7
    assert abs(found[("hard 16", "10", "S")].index) <= 1
    assert 5 <= found[("hard 10", "10", "D")].index <= 8
    assert 6 <= found[("pair 10", "5", "P")].index <= 9
    assert found[("hard 12", "4", "H")].apply == "below"
