"""The command line as a new player types it, against a real platform (embedded broker, the
API under granian, a ``jost worker``): sync, list, copy a default rule set and change it, save a
simulation naming it, hydrate (equal to the config the platform records), submit and wait
(equal to ``jost simulate`` of the hydrated config), and the failures a player meets."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
from terminal_helpers import Player, platform_fixtures

from jost.cli.platform import free_port
from jost.contracts import JobSubmitted, SimulationConfig
from jost.defaults.standard import standard_profiles
from jost.terminal.output import TIMING_KEYS

USER_TOKEN = platform_fixtures.USER_TOKEN


def test_a_new_player_against_a_running_platform(api, start_worker, player: Player, tmp_path: Path):
    start_worker()
    url = ["--url", api.url]
    auth = [*url, "--token", USER_TOKEN]

    # sync: every standard profile, from the platform
    out = player("sync", *url)
    assert out.returncode == 0, out.stderr
    total = sum(len(v) for v in standard_profiles().values())
    assert out.stdout.splitlines()[0] == (
        f"defaults from the platform {api.url}: {total} added, 0 updated, 0 unchanged"
    )
    with api.client(None) as c:
        assert set(c.get("/api/defaults/").json()) == {
            "rules", "strategy", "betting", "simulation", "chart", "count", "indices"
        }  # fmt: skip
    rows = json.loads(player("profiles", "list", "--json").stdout)
    assert len(rows) == total
    assert {"kind": "rules", "name": "6d-h17-das-ls", "source": "default", "valid": True} in rows

    # copy a default rule set and change it; a simulation naming it
    assert player("profiles", "copy", "rules/6d-h17-das-ls", "my-casino").returncode == 0
    rules = json.loads(player("profiles", "show", "rules/my-casino").stdout)
    rules["description"] = "my casino: 6 decks H17 DAS LS, 80% penetration"
    rules["rules"]["penetration"] = 0.8
    out = player("profiles", "save", "rules/my-casino", input=json.dumps(rules))
    assert out.returncode == 0, out.stderr
    simulation = {
        "description": "Hi-Lo I18 1-12 at my casino",
        "rules": "my-casino",
        "strategy": "hilo-i18-fab4",
        "betting": "hilo-1-12",
        "table": {"seats": 2, "position": 1},
        "bankroll": {"units": 400, "trip_rounds": 1000},
        "rounds": 20_000,
        "seed": 11,
        "shard_rounds": 5_000,
    }
    out = player("profiles", "save", "simulation/mine", input=json.dumps(simulation))
    assert out.returncode == 0, out.stderr

    out = player("profiles", "hydrate", "mine")
    assert out.returncode == 0, out.stderr
    hydrated = json.loads(out.stdout)
    assert hydrated["rules"]["penetration"] == 0.8
    assert hydrated["strategy"]["deviations"] == "illustrious18_fab4"
    config_file = tmp_path / "hydrated.json"
    config_file.write_text(out.stdout)

    # submit and wait: the result as jost simulate --json prints it
    out = player("submit", "mine", *auth, "--wait", "--json")
    assert out.returncode == 0, out.stderr
    job_id = out.stderr.split()[1]
    assert out.stderr.startswith(f"job {job_id} submitted to {api.url}")
    submitted = json.loads(out.stdout)

    # what the platform records for the job is the hydrated config, field by field
    with api.client(USER_TOKEN) as c:
        events = c.get(f"/api/jobs/{job_id}/events/").json()["events"]
    recorded = [e["event"] for e in events if e["event"]["kind"] == "JobSubmitted"]
    assert len(recorded) == 1
    assert recorded[0]["config"] == hydrated
    event = msgspec.convert(recorded[0], JobSubmitted)
    assert event.config == msgspec.json.decode(config_file.read_bytes(), type=SimulationConfig)
    assert event.idempotency_key is not None and event.idempotency_key.startswith("jost-")

    local = player("simulate", str(config_file), "--json", "--workers", "1")
    assert local.returncode == 0, local.stderr
    simulated = json.loads(local.stdout)
    assert set(submitted) == set(simulated)
    same = {k: v for k, v in simulated.items() if k not in TIMING_KEYS}
    assert {k: submitted[k] for k in same} == same  # statistics bit for bit
    assert submitted["rounds"] == 20_000 and submitted["shards"] == 4
    assert submitted["by_true_count"] and submitted["risk"]["bankroll"] == 400

    # results again, as JSON and CSV; the local history
    again = player("results", job_id, *auth, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == submitted
    csv = player("results", job_id, *auth, "--csv").stdout.splitlines()
    assert csv[0] == "statistic,value"
    assert csv[1] == f"rounds,{submitted['rounds']}"
    assert "true_count,frequency,ev,ev_stderr,rounds,avg_bet,variance" in csv
    jobs = json.loads(player("jobs", *auth, "--json").stdout)
    assert [(j["job_id"], j["status"], j["source"]) for j in jobs] == [
        (job_id, "completed", "simulation mine")
    ]

    # a wrong token: one line, exit 1, nothing recorded
    out = player("submit", "mine", *url, "--token", "wrong-token")
    assert out.returncode == 1
    assert out.stderr.strip() == (
        f"jost: the platform at {api.url} refused the token (401): give the right one with "
        "--token, JOST_TOKEN or jost login"
    )
    # a job the platform does not know
    out = player("watch", "no-such-job", *auth)
    assert out.returncode == 1
    assert out.stderr.strip() == (
        f"jost: the platform at {api.url} knows no job no-such-job (lost, or submitted with "
        "another token)"
    )
    # a platform that is down
    down = f"http://127.0.0.1:{free_port()}"
    out = player("submit", "mine", "--url", down, "--token", USER_TOKEN)
    assert out.returncode == 1
    assert out.stderr.startswith(f"jost: no platform answers at {down} (ConnectError")
    # a broken profile file: named with its field, unchanged, nothing submitted
    path = player.profiles / "rules" / "my-casino.json"
    broken = path.read_text().replace('"penetration": 0.8', '"penetration": 1.8')
    path.write_text(broken)
    out = player("submit", "mine", *auth)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"jost: simulation/mine: its rules profile my-casino is invalid: {path}: "
        "Expected `float` <= 1.0 - at `$.rules.penetration`"
    )
    assert path.read_text() == broken
    # the history: the job, and the submission the down platform never answered (kept for a
    # retry under the same key); the wrong token and the broken profile left nothing
    jobs = json.loads(player("jobs", *auth, "--json").stdout)
    assert [(j["job_id"], j["url"], j["status"]) for j in jobs] == [
        (None, down, "pending"),
        (job_id, api.url, "completed"),
    ]
