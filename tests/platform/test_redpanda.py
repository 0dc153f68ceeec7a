"""The same pipeline on Redpanda through testcontainers: only the bootstrap address differs
from the embedded runs. Needs a Docker engine and ``testcontainers`` (skipped otherwise, with
the reason)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from conftest import ApiServer, Workers, wait_for
from engine_configs import config, job_result, local_result, wait_status

from jost.platform.settings import Topics
from jost.platform.topics import ensure_topics
from jost.platform.workbench.health import describe_engine_group

REDPANDA_IMAGE = "docker.redpanda.com/redpandadata/redpanda:v24.2.7"


def _docker_reason() -> str | None:
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"no Docker engine: {exc}"
    if info.returncode != 0:
        return "no Docker engine answers `docker info`"
    return None


@pytest.fixture(scope="module")
def redpanda() -> Iterator[str]:
    pytest.importorskip(
        "testcontainers", reason="testcontainers is not installed (testcontainers[kafka])"
    )
    try:  # 4.x moved the module; the old name still works there, with a warning
        from testcontainers.community import kafka
    except ImportError:
        from testcontainers import kafka
    if reason := _docker_reason():
        pytest.skip(reason)
    with kafka.RedpandaContainer(REDPANDA_IMAGE) as container:
        bootstrap = container.get_bootstrap_server()
        ensure_topics(bootstrap, Topics())
        yield bootstrap


def test_job_completes_on_redpanda_equal_to_local_engine(redpanda: str, tmp_path: Path):
    api = ApiServer(redpanda, tmp_path / "data", tmp_path / "api.log")
    workers = Workers(redpanda, tmp_path)
    try:
        workers()
        workers()
        body = config(rounds=20_000, shard_rounds=5_000, seed=2024)
        with api.client() as c:
            job_id = c.post("/api/submit/", json=body).json()["job_id"]
        status = wait_status(api, job_id, "completed", timeout=120)
        assert status["shards_done"] == 4
        result = job_result(api, job_id)
        expected = local_result(body)
        assert result.stats == expected.stats
        assert result.summary == expected.summary
    finally:
        workers.stop_all()
        api.stop()


def test_workbench_health_describes_the_engine_group(redpanda: str, tmp_path: Path):
    """The embedded broker implements no DescribeGroups; Redpanda does: the health page's
    engine workers are the group's members there."""
    workers = Workers(redpanda, tmp_path)
    try:
        workers()
        workers()
        admin = AdminClient({"bootstrap.servers": redpanda})
        group = wait_for(
            lambda: (
                (g := describe_engine_group(admin)).unknown is None
                and len(g.members) == 2
                and g.state == "stable"
                and g
            ),
            90,
            "two engine workers in the group",
        )
        assert sum(m.partitions for m in group.members) == Topics().shards_partitions
    finally:
        workers.stop_all()
