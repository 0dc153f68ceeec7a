"""``jost up``: one command starts the embedded broker, the API with its projector and the
workers, prints the URL and a token, runs a job, and stops cleanly on SIGTERM."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from conftest import wait_for
from engine_configs import config
from up import Up


def test_up_runs_a_job_and_stops_on_sigterm(tmp_path: Path):
    up = Up(tmp_path / "data", tmp_path / "up.log", workers=1)
    try:
        text = wait_for(
            lambda: "admin token" in (t := up.text()) and t, 90, "jost up to print its token"
        )
        token = re.search(r"admin token \(new\): (\S+)", text).group(1)
        assert up.url in text
        saved = (tmp_path / "data" / "settings.json").read_text()
        assert token in saved  # kept under --data-dir for the next start
        wait_for(up.healthy, 30, "the API to answer")
        # A new user is told where the workbench is, and it opens at its sign-in form.
        workbench = re.search(r"workbench: (\S+)", up.text()).group(1)
        assert workbench == f"{up.url}/workbench/"
        opened = httpx.get(workbench, follow_redirects=True)
        assert opened.status_code == 200 and 'id="sign-in"' in opened.text
        with up.client(token) as c:
            job_id = c.post("/api/submit/", json=config(20_000, 5_000, 3)).json()["job_id"]
            wait_for(
                lambda: c.get(f"/api/status/{job_id}/").json()["status"] == "completed",
                90,
                "the job to complete",
            )
            assert c.get(f"/api/results/{job_id}/").json()["summary"]["rounds"] == 20_000
        assert up.stop(40) == 0
        # Everything it started is gone: nothing listens on the port any more.
        try:
            httpx.get(f"{up.url}/api/health/", timeout=2)
            raise AssertionError("the API still answers after jost up stopped")
        except httpx.ConnectError:
            pass
        assert (tmp_path / "data" / "projection.duckdb").exists()
    finally:
        if up.proc.poll() is None:
            up.proc.kill()
            up.proc.wait(10)
