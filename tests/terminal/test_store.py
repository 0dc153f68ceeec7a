"""The profile store, hydration, sync and the local job history, on real folders."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import msgspec
import pytest

from jost import files
from jost.cli.config_file import profile_names, read_profile
from jost.contracts import Chart, CountSystem, IndexPlay, SimulationConfig
from jost.defaults import load
from jost.defaults.standard import profile_bytes, standard_profiles
from jost.profiles.hydrate import hydrate
from jost.profiles.install import ensure_defaults
from jost.profiles.store import (
    ProfileEntry,
    ProfileError,
    ProfileInvalid,
    ProfileMissing,
    ProfileReadOnly,
    ProfileStore,
)
from jost.terminal.client import PlatformRefused, PlatformUnavailable
from jost.terminal.history import JobHistory
from jost.terminal.sync import sync_defaults

RULES = b'{"description": "mine", "rules": {"decks": 2, "dealer_hits_soft_17": true}}\n'


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    s = ProfileStore(tmp_path / "profiles")
    ensure_defaults(s)
    return s


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(files.TEMP_SUFFIX)]


def test_save_writes_the_bytes_atomically_and_leaves_no_temp_file(store: ProfileStore):
    store.save("rules", "mine", RULES)
    path = store.root / "rules" / "mine.json"
    assert path.read_bytes() == RULES
    assert _mode(path) == 0o644
    store.save("rules", "mine", RULES.replace(b"mine", b"changed"))
    assert path.read_bytes() == RULES.replace(b"mine", b"changed")
    assert _leftovers(path.parent) == []
    assert store.list("rules")[-1] == ProfileEntry(
        kind="rules", name="mine", source="user", valid=True, error=None
    )


def test_a_write_that_fails_before_the_rename_keeps_the_old_file(
    store: ProfileStore, monkeypatch: pytest.MonkeyPatch
):
    store.save("rules", "mine", RULES)

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError, match="No space"):
        store.save("rules", "mine", RULES.replace(b"mine", b"half"))
    assert (store.root / "rules" / "mine.json").read_bytes() == RULES
    assert _leftovers(store.root / "rules") == []


def test_an_invalid_profile_is_refused_naming_the_field_and_nothing_is_written(
    store: ProfileStore,
):
    with pytest.raises(ProfileInvalid) as caught:
        store.save("rules", "mine", b'{"rules": {"decks": 9}}')
    assert caught.value.field == "$.rules.decks"
    assert caught.value.reason == "Expected `int` <= 8"
    assert not (store.root / "rules" / "mine.json").exists()

    store.save("rules", "mine", RULES)
    with pytest.raises(ProfileInvalid) as caught:
        store.save("rules", "mine", b'{"rules": {"decks": 2, "surrender": "sometimes"}}')
    assert caught.value.field == "$.rules.surrender"
    assert (store.root / "rules" / "mine.json").read_bytes() == RULES
    with pytest.raises(ProfileInvalid) as caught:
        store.save("rules", "mine", b'{"rules": ')
    assert caught.value.field == "$"
    assert caught.value.reason == "not valid JSON: Input data was truncated"


def test_defaults_are_read_only_and_changed_by_copying(store: ProfileStore):
    path = store.root / "rules" / "6d-s17-das.json"
    before = path.read_bytes()
    assert _mode(path) == 0o444
    assert store.is_default("rules", "6d-s17-das")
    with pytest.raises(ProfileReadOnly, match="copy it"):
        store.save("rules", "6d-s17-das", RULES)
    with pytest.raises(ProfileReadOnly):
        store.remove("rules", "6d-s17-das")
    assert path.read_bytes() == before
    store.copy("rules", "6d-s17-das", "my-game")
    assert not store.is_default("rules", "my-game")
    assert (store.root / "rules" / "my-game.json").read_bytes() == before
    assert _mode(store.root / "rules" / "my-game.json") == 0o644
    with pytest.raises(ProfileError, match="exists already"):
        store.copy("rules", "6d-s17-das", "my-game")
    store.remove("rules", "my-game")
    assert not (store.root / "rules" / "my-game.json").exists()


def test_a_hand_broken_file_is_reported_invalid_and_kept(store: ProfileStore):
    path = store.root / "rules" / "broken.json"
    broken = b'{"rules": {"decks": "six"}}\n'
    path.write_bytes(broken)
    entry = next(e for e in store.list("rules") if e.name == "broken")
    assert (entry.source, entry.valid) == ("user", False)
    assert entry.error == f"{path}: Expected `int`, got `str` - at `$.rules.decks`"
    with pytest.raises(ProfileInvalid) as caught:
        store.validate("rules", "broken")
    assert (caught.value.path, caught.value.field) == (path, "$.rules.decks")
    assert path.read_bytes() == broken


def test_names_that_would_leave_the_folder_are_refused(store: ProfileStore):
    for name in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(ProfileError, match="bad profile name"):
            store.save("rules", name, RULES)
    with pytest.raises(ProfileError, match="unknown profile kind"):
        store.save("games", "x", RULES)


def test_every_shipped_setup_hydrates_to_its_config(store: ProfileStore):
    assert len(profile_names()) == 6
    for name in profile_names():
        assert hydrate(store, name) == read_profile(name).config, name


def test_every_default_is_valid(store: ProfileStore):
    entries = store.list()
    assert [e for e in entries if not e.valid] == []
    assert {e.source for e in entries} == {"default"}
    assert len(entries) == sum(len(v) for v in standard_profiles().values())


def _simulation(**changes: object) -> bytes:
    doc = {
        "rules": "mine",
        "strategy": "hilo-i18-fab4",
        "betting": "hilo-1-12",
        "rounds": 20_000,
        "seed": 3,
        "shard_rounds": 5_000,
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def test_hydration_puts_the_players_own_data_in_and_shipped_data_by_name(store: ProfileStore):
    store.save("rules", "mine", RULES)
    chart = msgspec.json.decode(profile_bytes(standard_profiles()["chart"]["2d-h17"]), type=Chart)
    store.save("chart", "my-chart", msgspec.json.encode(msgspec.structs.replace(chart, name="")))
    i18 = standard_profiles()["indices"]["illustrious18_fab4"]
    store.save("indices", "my-i18", json.dumps(i18).encode())
    store.save(
        "strategy",
        "own",
        b'{"playing": "my-chart", "count": "hi_lo", "deviations": "my-i18", '
        b'"deck_estimation": "half_deck"}',
    )
    store.save("simulation", "sim", _simulation(strategy="own"))
    config = hydrate(store, "sim", seed=99)
    assert config.rules.decks == 2 and config.rules.dealer_hits_soft_17
    assert config.strategy.playing == msgspec.structs.replace(chart, name="")
    assert config.strategy.count.system == "hi_lo"  # a default, equal to the shipped one
    assert config.strategy.count.deck_estimation == "half_deck"
    # the player's copy of a shipped-style set: the H17 values, since the rules say H17
    assert len(config.strategy.deviations) == len(i18["h17"])
    assert config.strategy.deviations == msgspec.convert(i18["h17"], list[IndexPlay])
    assert config.strategy.deviations != msgspec.convert(i18["s17"], list[IndexPlay])
    assert config.seed == 99 and config.rounds == 20_000 and config.shard_rounds == 5_000
    assert config.betting.ramp == [(2, 2), (3, 4), (4, 8), (5, 12)]


def test_a_simulation_naming_a_missing_profile_says_which(store: ProfileStore):
    store.root.joinpath("simulation", "lost.json").write_bytes(_simulation(rules="gone"))
    with pytest.raises(ProfileMissing) as caught:
        hydrate(store, "lost")
    assert str(caught.value) == (
        "simulation profile 'lost' names rules profile 'gone', which does not exist "
        f"(no file {store.root / 'rules' / 'gone'}.json)"
    )
    # and saving such a simulation is refused: nothing written
    with pytest.raises(ProfileMissing):
        store.save("simulation", "lost2", _simulation(rules="gone"))
    assert not store.root.joinpath("simulation", "lost2.json").exists()
    with pytest.raises(ProfileMissing):
        hydrate(store, "nothing-here")


def test_a_profile_naming_a_broken_one_says_so_once_in_a_list(store: ProfileStore):
    """Each invalid profile's error says its own fault: the rules file's field, then the
    simulation naming it, then a strategy naming a broken count and a simulation naming
    that strategy (not the count's error again, word for word)."""
    store.save("rules", "mine", RULES)
    store.save("simulation", "mysim", _simulation())
    store.save("count", "mycount", store.read_bytes("count", "hi_lo"))
    strategy = json.dumps({"playing": "basic", "count": "mycount"}).encode()
    store.save("strategy", "mine", strategy)
    store.save("simulation", "counted", _simulation(rules="6d-s17-das", strategy="mine"))
    rules = store.path("rules", "mine")
    rules.write_bytes(RULES.replace(b'"decks": 2', b'"decks": "two"'))
    count = store.path("count", "mycount")
    count.write_bytes(b"[]")
    errors = {f"{e.kind}/{e.name}": e.error for e in store.list() if not e.valid}
    rules_error = f"{rules}: Expected `int`, got `str` - at `$.rules.decks`"
    assert errors["rules/mine"] == rules_error
    assert errors["simulation/mysim"] == (
        f"simulation/mysim: its rules profile mine is invalid: {rules_error}"
    )
    count_error = errors["count/mycount"]
    assert count_error.startswith(f"{count}: ")
    assert errors["strategy/mine"] == (
        f"strategy/mine: its count profile mycount is invalid: {count_error}"
    )
    assert errors["simulation/counted"] == (
        "simulation/counted: its strategy profile mine is invalid: strategy/mine: its count "
        f"profile mycount is invalid: {count_error}"
    )
    assert len(set(errors.values())) == len(errors) == 5
    with pytest.raises(ProfileInvalid) as caught:
        hydrate(store, "mysim")
    assert (caught.value.kind, caught.value.name, caught.value.field) == (
        "simulation",
        "mysim",
        "$.rules",
    )


def test_a_config_the_engine_refuses_is_blamed_on_the_file_at_fault(store: ProfileStore):
    store.save("rules", "mine", RULES)
    path = store.root / "simulation" / "big.json"
    path.write_bytes(_simulation(rounds=10**12, shard_rounds=1_000))
    with pytest.raises(ProfileInvalid) as caught:
        hydrate(store, "big")
    assert (caught.value.path, caught.value.field) == (path, "$.shard_rounds")
    # a ramp without a count: the combination is the simulation's fault
    path.write_bytes(_simulation(strategy="basic"))
    with pytest.raises(ProfileInvalid) as caught:
        hydrate(store, "big")
    assert caught.value.path == path
    assert "betting.ramp needs a count" in caught.value.reason


class FakePlatform:
    url = "http://platform.invalid"

    def __init__(self, documents: dict | None) -> None:
        self.documents = documents

    def defaults(self) -> dict:
        if self.documents is None:
            raise PlatformUnavailable(f"no platform answers at {self.url}")
        return self.documents


def test_sync_adds_new_defaults_and_never_overwrites_the_players(tmp_path: Path):
    store = ProfileStore(tmp_path / "profiles")
    # the player's own profile under a default's name, before any sync
    mine = store.root / "rules" / "6d-s17-das.json"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(RULES)
    first = sync_defaults(store, FakePlatform(standard_profiles()))
    total = sum(len(v) for v in standard_profiles().values())
    assert first.source == "platform http://platform.invalid"
    assert len(first.added) == total - 1
    assert first.skipped == ["rules/6d-s17-das"]
    assert mine.read_bytes() == RULES and not store.is_default("rules", "6d-s17-das")

    # the platform ships a new default and changes another; the player edited a third by hand
    served = standard_profiles()
    served["rules"]["7d-new"] = served["rules"]["6d-s17-das-ls"]
    served["betting"]["flat"]["betting"]["unit"] = 5
    edited = store.root / "betting" / "hilo-1-12.json"
    edited.chmod(0o644)
    edited.write_bytes(b'{"betting": {"unit": 2}}\n')
    served["betting"]["hilo-1-12"]["description"] = "changed upstream"
    second = sync_defaults(store, FakePlatform(served))
    assert second.added == ["rules/7d-new"]
    assert second.updated == ["betting/flat"]
    assert second.kept == ["betting/hilo-1-12"]
    assert second.skipped == ["rules/6d-s17-das"]
    assert second.unchanged == total - 3
    assert edited.read_bytes() == b'{"betting": {"unit": 2}}\n'
    assert mine.read_bytes() == RULES
    assert store.load("betting", "flat").betting.unit == 5
    assert _mode(store.root / "rules" / "7d-new.json") == 0o444


def test_sync_without_a_platform_uses_the_packaged_copy(tmp_path: Path):
    store = ProfileStore(tmp_path / "profiles")
    report = sync_defaults(store, FakePlatform(None))
    assert report.source == "packaged copy"
    assert report.fallback == "no platform answers at http://platform.invalid"
    assert store.load("count", "hi_lo") == load("counts", "hi_lo", CountSystem, "x")
    assert ensure_defaults(store) is None  # installed once


class RefusingPlatform(FakePlatform):
    def defaults(self) -> dict:
        raise PlatformRefused(404, "no such route", None, self.url)


def test_sync_from_a_platform_that_refuses_uses_the_packaged_copy(tmp_path: Path):
    store = ProfileStore(tmp_path / "profiles")
    report = sync_defaults(store, RefusingPlatform(None))
    assert report.source == "packaged copy"
    assert "404" in report.fallback and "no such route" in report.fallback
    assert store.load("count", "hi_lo") == load("counts", "hi_lo", CountSystem, "x")


def test_history_reuses_the_key_of_a_submission_that_got_no_answer(tmp_path: Path):
    history = JobHistory(tmp_path / "state")
    config = SimulationConfig(rounds=20_000, shard_rounds=5_000)
    first = history.begin("http://a", "simulation x", config)
    again = history.begin("http://a", "simulation x", config)
    assert again.key == first.key
    assert history.begin("http://b", "simulation x", config).key != first.key
    other = SimulationConfig(rounds=20_000, shard_rounds=5_000, seed=1)
    assert history.begin("http://a", "simulation y", other).key != first.key
    history.accept(first.key, "job-1")
    assert history.get("job-1").config == config
    assert history.get("job") is not None and history.get("job").job_id == "job-1"
    assert history.begin("http://a", "simulation x", config).key != first.key
    assert _mode(history.path) == 0o600
    assert sorted(os.listdir(tmp_path / "state")) == [".history.lock", "history.json"]


def test_a_profile_other_profiles_name_is_removed_only_by_force(store: ProfileStore):
    store.copy("rules", "6d-s17-das", "mine")
    store.save("simulation", "uses-mine", _simulation(rules="mine"))
    with pytest.raises(ProfileError) as refused:
        store.remove("rules", "mine")
    assert str(refused.value) == (
        "rules/mine is used by simulation/uses-mine: change those first, or remove it "
        "anyway with --force"
    )
    assert store.exists("rules", "mine")
    store.remove("rules", "mine", force=True)
    assert not store.exists("rules", "mine")
