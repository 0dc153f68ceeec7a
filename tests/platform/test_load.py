"""The short form of ``benchmarks/load.py``: four clients submit tiny jobs for four seconds to a
real embedded platform (broker, API, two workers); every accepted job completes exactly once,
with the statistics the engine gives locally."""

from __future__ import annotations

from pathlib import Path

from conftest import local_platform

from benchmarks.load import run_load


def test_every_job_accepted_under_load_completes_once_and_right(tmp_path: Path):
    with local_platform(tmp_path) as (platform, _):
        report = run_load(platform, seconds=4.0, clients=4)
    print(report)
    assert report.accepted >= 8, "the platform accepted almost nothing under load"
    assert report.refused == 0
    assert report.wrong == []
    assert report.completed_once == report.accepted
