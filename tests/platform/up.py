"""``jost up`` as a user runs it: a real process tree (supervisor, granian, workers) on a real
embedded broker, driven over HTTP and with signals."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
from conftest import REPO, wait_for

from jost.platform.standalone import JOST_COMMAND, free_port


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Up:
    """One ``jost up`` process; ``log`` holds what it printed."""

    def __init__(
        self,
        data_dir: Path,
        log: Path,
        workers: int = 2,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log = log
        run_env = {k: v for k, v in os.environ.items() if k not in ("JOST_TOKEN", "PORT")}
        run_env.update(PYTHONUNBUFFERED="1", **(env or {}))
        with log.open("ab") as sink:
            self.proc = subprocess.Popen(
                [
                    *JOST_COMMAND,
                    "up",
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(data_dir),
                    "--workers",
                    str(workers),
                ],
                env=run_env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 120) -> str:
        """Wait for the admin token line and a healthy API; returns the token."""
        start = len(self.text())
        text = wait_for(
            lambda: (t := self.text()[start:]) and "admin token" in t and t,
            timeout,
            "jost up to print its token",
        )
        token = re.search(r"admin token(?: \(new\))?: (\S+)", text).group(1)
        wait_for(self.healthy, 30, "the API to answer")
        return token

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/health/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Token {token}"}, timeout=30
        )

    def children(self) -> set[int]:
        return descendants(self.proc.pid)

    def kill(self) -> set[int]:
        """SIGKILL ``jost up`` alone; returns the processes it had started."""
        tree = self.children()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        return tree

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait(10)


def wait_gone(pids: set[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return
        time.sleep(0.1)
    left = sorted(p for p in pids if alive(p))
    raise AssertionError(f"processes outlived jost up: {left}")
