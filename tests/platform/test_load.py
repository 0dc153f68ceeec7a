"""The short form of ``benchmarks/load.py``: four clients submit tiny jobs for four seconds to a
real embedded platform (broker, API, two workers); every accepted job completes exactly once,
with the statistics the engine gives locally."""

from __future__ import annotations

import threading
from pathlib import Path

from benchmarks.load import run_load
from jost.platform.standalone import embedded_platform, free_port


def test_every_job_accepted_under_load_completes_once_and_right(tmp_path: Path):
    with (
        (tmp_path / "platform.log").open("wb") as log,
        embedded_platform(
            host="127.0.0.1",
            port=free_port(),
            data_dir=tmp_path / "data",
            workers=2,
            stop=threading.Event(),
            output=log,
        ) as platform,
    ):
        report = run_load(platform, seconds=4.0, clients=4)
    print(report)
    assert report.accepted >= 8, "the platform accepted almost nothing under load"
    assert report.refused == 0
    assert report.wrong == []
    assert report.completed_once == report.accepted
