"""Fixtures: a fresh embedded broker per test (real TCP, real consumer groups), the API as a
granian subprocess, engine workers as ``jost worker`` subprocesses. Every wait has a timeout."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from jost.platform.embedded import EmbeddedBroker
from jost.platform.settings import Topics
from jost.platform.standalone import (
    JOST_COMMAND,
    EmbeddedPlatform,
    embedded_platform,
    free_port,
    granian_command,
)
from jost.platform.topics import create_embedded_topics

ADMIN_TOKEN = "admin-token-for-tests"
USER_TOKEN = "player-token-for-tests"
OTHER_TOKEN = "another-player-token"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as b:
        create_embedded_topics(b, Topics())
        yield b


def _env(bootstrap: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "JOST_BOOTSTRAP": bootstrap,
        "JOST_DATA_DIR": str(data_dir),
        "JOST_TOKEN": ADMIN_TOKEN,
        "JOST_USER_TOKENS": f"{USER_TOKEN},{OTHER_TOKEN}",
        "PYTHONUNBUFFERED": "1",
    }


def stop_process(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class ApiServer:
    def __init__(self, bootstrap: str, data_dir: Path, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.db_path = data_dir / "projection.duckdb"
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            granian_command("127.0.0.1", self.port),
            env=_env(bootstrap, data_dir),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        self._wait_healthy(timeout=30)

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"API exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/api/health/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("API did not become healthy")

    def client(self, token: str | None = USER_TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Token {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


@pytest.fixture
def api(broker: EmbeddedBroker, tmp_path: Path) -> Iterator[ApiServer]:
    server = ApiServer(broker.bootstrap, tmp_path / "data", tmp_path / "api.log")
    yield server
    server.stop()


class Workers:
    """``jost worker`` subprocesses, stopped (SIGTERM, then SIGKILL) by ``stop_all``."""

    def __init__(self, bootstrap: str, tmp_path: Path) -> None:
        self.bootstrap = bootstrap
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []

    def __call__(self) -> subprocess.Popen:
        with (self.tmp_path / f"worker{len(self.procs)}.log").open("wb") as log:
            proc = subprocess.Popen(
                [*JOST_COMMAND, "worker", "--session-timeout-ms", "3000"],
                env=_env(self.bootstrap, self.tmp_path / "data"),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            stop_process(proc)


@pytest.fixture
def start_worker(broker: EmbeddedBroker, tmp_path: Path) -> Iterator[Workers]:
    workers = Workers(broker.bootstrap, tmp_path)
    yield workers
    workers.stop_all()


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")


def jost(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """The ``jost`` command as a user runs it, without the address, token or port this
    shell may have set."""
    env = {k: v for k, v in os.environ.items() if k not in ("JOST_TOKEN", "JOST_URL", "PORT")}
    return subprocess.run(
        [*JOST_COMMAND, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO
    )


@contextlib.contextmanager
def local_platform(tmp_path: Path, workers: int = 2) -> Iterator[tuple[EmbeddedPlatform, Path]]:
    """The whole embedded platform, as ``jost run`` starts it; yields it and its log file."""
    log_path = tmp_path / "platform.log"
    with (
        log_path.open("wb") as log,
        embedded_platform(
            host="127.0.0.1",
            port=free_port(),
            data_dir=tmp_path / "data",
            workers=workers,
            stop=threading.Event(),
            output=log,
        ) as platform,
    ):
        yield platform, log_path
