"""``jost run``'s own process (the parent of the platform it starts) checks the config,
submits it and prints the result without loading numba: only the platform's workers run the
kernel. A config it cannot run is refused naming the field, by its own check before anything
starts, or by the platform's."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from jost_probe import probe

from jost.cli.config_file import read_config


def config_file(tmp_path: Path, **changes: object) -> Path:
    """The default game with ``changes`` (dotted keys for nested fields: rules.decks)."""
    raw = msgspec.to_builtins(read_config(None))
    for key, value in changes.items():
        *parents, last = key.split("__")
        target = raw
        for parent in parents:
            target = target[parent]
        target[last] = value
    path = tmp_path / "game.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rules__decks": 9}, "$.rules.decks"),  # its type, as decoded
        ({"rounds": 10_001_000, "shard_rounds": 1_000}, "$.shard_rounds"),  # check_runnable's
        ({"strategy__playing": "no-such-chart"}, "$.strategy.playing"),  # the shipped data's
    ],
)
def test_a_config_it_cannot_run_is_refused_before_anything_starts(
    tmp_path: Path, changes: dict[str, object], field: str
) -> None:
    data_dir = tmp_path / "data"
    probed = probe("run", str(config_file(tmp_path, **changes)), "--data-dir", str(data_dir))
    assert probed.code == 2, probed.err
    assert probed.err.startswith("jost: ") and field in probed.err, probed.err
    assert not data_dir.exists()
    assert not probed.loaded["numba"]


def test_a_run_loads_no_numba_in_its_own_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    probed = probe(
        "run", "--rounds", "20000", "--workers", "1", "--json", "--data-dir", str(data_dir),
        timeout=180,
    )  # fmt: skip
    assert probed.code == 0, probed.err + (data_dir / "run.log").read_text()
    assert json.loads(probed.out)["rounds"] == 20_000
    assert not probed.loaded["numba"] and not probed.loaded["textual"]


def test_a_config_only_the_platform_refuses_is_reported_with_its_field(tmp_path: Path) -> None:
    """The platform's submit checks every config too: a config the parent's check let through
    (here the parent's check is switched off) is refused by the platform, and jost run says so
    as jost submit does, naming the field, once the platform is stopped."""
    path = config_file(tmp_path, rounds=10_001_000, shard_rounds=1_000)
    data_dir = tmp_path / "data"
    probed = probe(
        "run", str(path), "--workers", "1", "--data-dir", str(data_dir),
        before="import jost.cli.run\njost.cli.run.check_runnable = lambda config: None\n",
        timeout=180,
    )  # fmt: skip
    assert probed.code == 1, probed.err + (data_dir / "run.log").read_text()
    last = probed.err.strip().splitlines()[-1]
    assert last.startswith("jost: the platform refused (400): "), probed.err
    assert last.endswith("- at `$.shard_rounds`"), probed.err
    assert "10,001 shards" in last and "platform log" not in last
    assert not probed.loaded["numba"]
