"""``jost profiles`` and the platform commands as a player types them (subprocesses), without
a platform: exit codes (2 bad input, 1 platform), one-line messages, files unchanged."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from terminal_helpers import Player, TokenStub

from jost.cli.platform import free_port
from jost.defaults.standard import standard_profiles

RULES = '{"description": "mine", "rules": {"decks": 2, "dealer_hits_soft_17": true}}\n'


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_list_json_and_first_start(player: Player):
    out = player("profiles", "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == sum(len(v) for v in standard_profiles().values())
    assert {"kind": "rules", "name": "6d-s17-das-ls", "source": "default", "valid": True} in rows
    assert all(set(r) == {"kind", "name", "source", "valid"} for r in rows)
    assert stat.S_IMODE((player.profiles / "rules" / "6d-s17-das-ls.json").stat().st_mode) == 0o444
    only = json.loads(player("profiles", "list", "indices", "--json").stdout)
    assert only == [
        {"kind": "indices", "name": "illustrious18_fab4", "source": "default", "valid": True}
    ]


def test_save_invalid_exits_2_naming_the_field_and_writes_nothing(player: Player):
    out = player("profiles", "save", "rules/mine", input='{"rules": {"decks": 9}}')
    assert out.returncode == 2
    assert _one_line(out.stderr) == "jost: rules/mine: Expected `int` <= 8 - at `$.rules.decks`"
    assert not (player.profiles / "rules" / "mine.json").exists()

    assert player("profiles", "save", "rules/mine", input=RULES).returncode == 0
    assert player("profiles", "show", "rules/mine").stdout == RULES
    default = player.profiles / "rules" / "6d-s17-das.json"
    before = default.read_bytes()
    out = player("profiles", "save", "rules/6d-s17-das", input=RULES)
    assert out.returncode == 2
    assert "is a default and read-only" in _one_line(out.stderr)
    assert default.read_bytes() == before
    out = player("profiles", "show", "rules/nope")
    assert out.returncode == 2
    assert _one_line(out.stderr).startswith("jost: no rules profile 'nope'")


def test_a_hand_broken_file_is_named_with_its_field_and_kept(player: Player):
    assert player("profiles", "copy", "rules/6d-s17-das", "mine").returncode == 0
    path = player.profiles / "rules" / "mine.json"
    broken = path.read_text().replace('"decks": 6', '"decks": "six"')
    path.write_text(broken)
    out = player("profiles", "validate", "rules/mine")
    assert out.returncode == 2
    assert _one_line(out.stderr) == (
        f"jost: {path}: Expected `int`, got `str` - at `$.rules.decks`"
    )
    out = player("profiles", "validate")
    assert out.returncode == 2
    assert out.stdout.endswith(" profiles, 1 invalid\n")
    assert path.read_text() == broken


def test_validate_names_the_simulation_naming_a_broken_rules_profile(player: Player):
    assert player("profiles", "save", "rules/my2d", input=RULES).returncode == 0
    sim = json.loads(player("profiles", "show", "simulation/basic-6d-s17-das-flat").stdout)
    sim["rules"] = "my2d"
    out = player("profiles", "save", "simulation/mysim", input=json.dumps(sim))
    assert out.returncode == 0, out.stderr
    path = player.profiles / "rules" / "my2d.json"
    path.write_text(RULES.replace('"decks": 2', '"decks": 0'))
    out = player("profiles", "validate")
    assert out.returncode == 2
    error = f"{path}: Expected `int` >= 1 - at `$.rules.decks`"
    assert out.stderr.splitlines() == [
        f"jost: {error}",
        f"jost: simulation/mysim: its rules profile my2d is invalid: {error}",
    ]


def test_show_prints_a_broken_file_and_warns(player: Player):
    assert player("profiles", "save", "rules/mine", input=RULES).returncode == 0
    path = player.profiles / "rules" / "mine.json"
    broken = RULES.replace('"decks": 2', '"decks": "two"')
    path.write_text(broken)
    out = player("profiles", "show", "rules/mine")
    assert out.returncode == 2
    assert out.stdout == broken
    assert _one_line(out.stderr) == (
        f"jost: {path}: Expected `int`, got `str` - at `$.rules.decks` "
        "(shown as it is: the profile is invalid)"
    )
    path.write_text(RULES)
    out = player("profiles", "show", "rules/mine")
    assert (out.returncode, out.stdout, out.stderr) == (0, RULES, "")


def test_hydrate_names_a_missing_profile(player: Player):
    sim = player.profiles / "simulation" / "lost.json"
    player("profiles", "list")  # first start: the defaults
    sim.write_text('{"rules": "gone", "strategy": "basic", "betting": "flat"}')
    out = player("profiles", "hydrate", "lost")
    assert out.returncode == 2
    assert _one_line(out.stderr) == (
        "jost: simulation profile 'lost' names rules profile 'gone', which does not exist "
        f"(no file {player.profiles / 'rules' / 'gone'}.json)"
    )
    out = player("profiles", "hydrate", "basic-6d-s17-das-flat", "--rounds", "20000")
    assert out.returncode == 0
    assert json.loads(out.stdout)["rounds"] == 20_000


def test_edit_refuses_an_invalid_edit_and_keeps_the_file(player: Player, tmp_path: Path):
    assert player("profiles", "save", "rules/mine", input=RULES).returncode == 0
    path = player.profiles / "rules" / "mine.json"
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('\"decks\": 2', '\"decks\": 0'))\n"
    )
    out = player("profiles", "edit", "rules/mine", env={"EDITOR": f"{sys.executable} {editor}"})
    assert out.returncode == 2
    message = _one_line(out.stderr)
    assert message.startswith("jost: rules/mine: Expected `int` >= 1 - at `$.rules.decks`")
    assert message.endswith(f"the edit is refused and {path} kept as it was")
    assert path.read_text() == RULES

    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('\"decks\": 2', '\"decks\": 1'))\n"
    )
    out = player("profiles", "edit", "rules/mine", env={"EDITOR": f"{sys.executable} {editor}"})
    assert out.returncode == 0, out.stderr
    assert path.read_text() == RULES.replace('"decks": 2', '"decks": 1')
    out = player("profiles", "edit", "rules/6d-s17-das", env={"EDITOR": "false"})
    assert out.returncode == 2
    assert "read-only: copy it first" in _one_line(out.stderr)


def test_platform_down_and_no_address_are_one_line_and_exit_1(player: Player):
    url = f"http://127.0.0.1:{free_port()}"
    out = player("submit", "basic-6d-s17-das-flat", "--url", url, "--token", "t")
    assert out.returncode == 1
    message = _one_line(out.stderr)
    assert message.startswith(f"jost: no platform answers at {url} (ConnectError")
    assert "resubmits it under the same idempotency key" in message
    history = json.loads((player.state / "history.json").read_text())
    assert [(e["job_id"], e["source"]) for e in history] == [
        (None, "simulation basic-6d-s17-das-flat")
    ]
    # the retry goes out under the same key
    player("submit", "basic-6d-s17-das-flat", "--url", url, "--token", "t")
    again = json.loads((player.state / "history.json").read_text())
    assert [e["key"] for e in again] == [history[0]["key"]]

    out = player("submit", "basic-6d-s17-das-flat")
    assert out.returncode == 1
    assert _one_line(out.stderr) == (
        "jost: no platform address: give --url, set JOST_URL or run jost login URL --token TOKEN"
    )
    out = player("sync", "--url", url)
    assert out.returncode == 1
    assert "installed the copy packaged with jost" in out.stderr
    assert (player.profiles / "rules" / "6d-s17-das.json").exists()
    out = player("results", "some-job", "--url", url)
    assert out.returncode == 1
    assert _one_line(out.stderr).startswith(f"jost: no platform answers at {url}")


def test_login_is_used_when_no_address_is_given(player: Player):
    url = f"http://127.0.0.1:{free_port()}"
    assert player("login", url, "--token", "secret").returncode == 0
    login = player.state / "login.json"
    assert json.loads(login.read_text()) == {"url": url, "token": "secret"}
    assert stat.S_IMODE(login.stat().st_mode) == 0o600
    out = player("jobs")
    assert out.returncode == 0
    out = player("watch", "abc")
    assert out.returncode == 1
    assert _one_line(out.stderr).startswith(f"jost: no platform answers at {url}")


@pytest.mark.parametrize(
    "url", ["localhost:8000", "127.0.0.1", "ftp://host", "http://", "http://host:port", "x"]
)
def test_login_refuses_what_is_not_an_address(player: Player, url: str):
    out = player("login", url, "--token", "t")
    assert out.returncode == 2
    assert _one_line(out.stderr).startswith(f"jost: {url!r} is not a platform address")
    assert not (player.state / "login.json").exists()


def test_login_tries_the_token_and_saves_it_all_the_same(player: Player):
    login = player.state / "login.json"
    with TokenStub() as stub:
        out = player("login", stub.url + "/", "--token", stub.GOOD)
        assert out.returncode == 0
        assert _one_line(out.stderr) == f"saved the address and token in {login}"
        assert json.loads(login.read_text()) == {"url": stub.url, "token": stub.GOOD}
        assert stub.paths == ["/api/jobs/?offset=0&limit=1"]

        out = player("login", stub.url, "--token", "wrong")
        assert out.returncode == 0
        warning, saved = out.stderr.splitlines()
        assert warning == (
            f"jost: warning: the platform at {stub.url} refused the token (401): give the right "
            "one with --token, JOST_TOKEN or jost login; saved all the same"
        )
        assert saved == f"saved the address and token in {login}"
        assert json.loads(login.read_text())["token"] == "wrong"
    url = f"http://127.0.0.1:{free_port()}"
    out = player("login", url, "--token", "t")
    assert out.returncode == 0
    warning, _ = out.stderr.splitlines()
    assert warning.startswith(
        f"jost: warning: the token is not checked: no platform answers at {url}"
    )
    assert warning.endswith("; saved all the same")
    assert json.loads(login.read_text()) == {"url": url, "token": "t"}


def test_no_token_at_all_says_how_to_give_one(player: Player):
    with TokenStub() as stub:
        out = player("results", "some-job", "--url", stub.url)
        assert out.returncode == 1
        assert _one_line(out.stderr) == (
            "jost: no token given: use --token, JOST_TOKEN or jost login (the platform at "
            f"{stub.url} answered 401)"
        )
        out = player("results", "some-job", "--url", stub.url, "--token", "wrong")
        assert out.returncode == 1
        assert "refused the token (401)" in _one_line(out.stderr)
