"""``check_runnable``: what a config must satisfy to run beyond its types, refused before a job
is accepted (by the API, the CLI and the terminal alike), naming the field."""

from __future__ import annotations

import copy

import msgspec
import pytest

from jost.cli.config_file import read_profile
from jost.contracts import SimulationConfig
from jost.engine.validate import MAX_SHARD_ROUNDS, ConfigRejected, check_runnable

WONGER = msgspec.to_builtins(read_profile("hilo-i18-6d-s17-das-wong-in-1").config)
RANKS = ["A", "2", "3", "4", "5", "6", "7", "8", "9", "10"]


def _with(path: list[str], value: object, base: dict = WONGER) -> dict:
    config = copy.deepcopy(base)
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return config


CASES = [
    ({"strategy": {"playing": "no-such-chart"}}, "$.strategy.playing"),
    ({"strategy": {"count": {"system": "no-such-count"}}}, "$.strategy.count.system"),
    ({"betting": {"unit": 1, "chip": 0.0003}}, "$.betting"),
    (_with(["betting", "ramp"], [[1, 1e-300]]), "$.betting.ramp"),
    (
        _with(["betting", "wonging"], {"enter_at": 1000, "leave_below": 1000}),
        "$.betting.wonging.enter_at",
    ),
    (
        _with(
            ["strategy"],
            {"count": {"system": {"tags": dict.fromkeys(RANKS, 0)}}, "deviations": "none"},
        ),
        "$.strategy.count.system.tags",
    ),
    ({"rounds": 10**13, "shard_rounds": 10**9}, "$.shard_rounds"),
    ({"rounds": 10**13}, "$.shard_rounds"),
    (
        _with(["betting", "ramp"], [[1, 1e6]]) | {"rounds": 10**11, "shard_rounds": 10**8},
        "$.rounds",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"), CASES, ids=[f"{i}-{f}" for i, (_, f) in enumerate(CASES)]
)
def test_a_config_that_cannot_run_is_refused_naming_the_field(body: dict, field: str):
    config = msgspec.convert(body, SimulationConfig)
    with pytest.raises(ConfigRejected) as refused:
        check_runnable(config)
    assert refused.value.field == field


def test_shipped_profiles_and_the_largest_shard_are_accepted():
    check_runnable(msgspec.convert(WONGER, SimulationConfig))
    check_runnable(SimulationConfig(rounds=10**12, shard_rounds=MAX_SHARD_ROUNDS))


def test_a_game_checked_before_is_still_checked_for_the_rounds_of_each_job():
    """The checks of a game are remembered by its parts; what depends on ``rounds`` (the 64-bit
    sums) is checked for every config, and a game refused once is refused again."""
    spread = _with(["betting", "ramp"], [[1, 1000]]) | {"shard_rounds": 10**8}
    check_runnable(msgspec.convert(spread | {"rounds": 10**8, "seed": 1}, SimulationConfig))
    check_runnable(msgspec.convert(spread | {"rounds": 10**9, "seed": 2}, SimulationConfig))
    with pytest.raises(ConfigRejected) as refused:
        check_runnable(msgspec.convert(spread | {"rounds": 10**10}, SimulationConfig))
    assert refused.value.field == "$.rounds"
    unknown = {"strategy": {"playing": "no-such-chart"}}
    for seed in (1, 2):
        with pytest.raises(ConfigRejected):
            check_runnable(msgspec.convert(unknown | {"seed": seed}, SimulationConfig))
