"""``jost up``: one command starts the embedded broker, the API with its projector and the
workers, prints the URL and a token, runs a job, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import httpx
from conftest import REPO, wait_for
from engine_configs import config

from jost.cli.platform import JOST_COMMAND, free_port


def test_up_runs_a_job_and_stops_on_sigterm(tmp_path: Path):
    port = free_port()
    out = tmp_path / "up.log"
    env = {k: v for k, v in os.environ.items() if k not in ("JOST_TOKEN", "PORT")}
    env["PYTHONUNBUFFERED"] = "1"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [
                *JOST_COMMAND,
                "up",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path / "data"),
                "--workers",
                "1",
            ],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    try:
        text = wait_for(
            lambda: "admin token" in (t := out.read_text()) and t, 90, "jost up to print its token"
        )
        token = re.search(r"admin token \(new\): (\S+)", text).group(1)
        assert f"http://127.0.0.1:{port}" in text
        saved = (tmp_path / "data" / "settings.json").read_text()
        assert token in saved  # kept under --data-dir for the next start
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Token {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=15) as c:
            job_id = c.post("/api/submit/", json=config(20_000, 5_000, 3)).json()["job_id"]
            wait_for(
                lambda: c.get(f"/api/status/{job_id}/").json()["status"] == "completed",
                90,
                "the job to complete",
            )
            assert c.get(f"/api/results/{job_id}/").json()["summary"]["rounds"] == 20_000
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(40) == 0
        # Everything it started is gone: nothing listens on the port any more.
        try:
            httpx.get(f"{url}/api/health/", timeout=2)
            raise AssertionError("the API still answers after jost up stopped")
        except httpx.ConnectError:
            pass
        assert (tmp_path / "data" / "projection.duckdb").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
