"""Keeping the platform's processes alive on one machine: ``jost up`` starts the API and the
engine workers as children, restarts any that dies (with backoff, and a line in the log) and
never stops the whole platform for one crash; its children never outlive it.

Three mechanisms, because no one of them covers every death:
- each child runs in a process group of its own, and a dead child's whole group is killed
  before it is started again (granian's own worker process would otherwise keep the port and
  the DuckDB file lock);
- each child gets SIGKILL from the kernel when the supervisor's thread dies
  (``PR_SET_PDEATHSIG``), even when the supervisor is SIGKILLed;
- each child also watches the supervisor's pid and its own parent (``lifeline``), for the
  grandchildren the kernel signal does not reach.
The data folder is locked while a supervisor runs, so a second ``jost up`` on it says plainly
that one is running, and where.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import msgspec

SUPERVISOR_ENV = "JOST_SUPERVISOR_PID"
READY_ENV = "JOST_READY_DIR"
"""A folder where a child says it is ready (a file named by its pid): its supervisor's
caller waits for every worker before it reports the platform ready."""
LOCK_FILE = "jost-up.lock"
_PR_SET_PDEATHSIG = 1


class AlreadyRunning(RuntimeError):
    pass


class DataDirLock:
    """An exclusive lock on a data folder, held while the platform runs on it; the lock file
    says who holds it."""

    def __init__(self, data_dir: Path, url: str) -> None:
        self.path = data_dir / LOCK_FILE
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise AlreadyRunning(
                f"a JOST platform is already running on {data_dir} "
                f"(pid {holder.get('pid', '?')}, {holder.get('url', 'address unknown')}); "
                "stop it first, or give another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "url": url}).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def _read_holder(fd: int) -> dict[str, object]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096) or b"{}")
    except (OSError, ValueError):
        return {}


def die_with_parent(parent: int) -> None:
    """In a new child: SIGKILL from the kernel when the thread that started it dies; exit at
    once when ``parent`` died before that took effect."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie not yet reaped counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RestartPolicy(msgspec.Struct, frozen=True, kw_only=True):
    stable_seconds: float = 30.0
    max_backoff: float = 30.0


class Restartable(msgspec.Struct, kw_only=True):
    """A process kept alive: when it dies it is started again, at once when it ran at least
    ``RestartPolicy.stable_seconds``, else after a delay doubling from 1 s to ``max_backoff``.
    The supervisor keeps its children so and the worker pool its members."""

    name: str
    started: float = 0.0
    restarts: int = 0
    next_start: float = 0.0

    def exited(self, pid: int, code: int, policy: RestartPolicy) -> str:
        """Record a death (``code`` negative for a signal); returns the line to log."""
        clock = time.monotonic()
        ran = clock - self.started
        self.restarts = 0 if ran >= policy.stable_seconds else self.restarts + 1
        delay = min(policy.max_backoff, 2.0 ** max(self.restarts - 1, 0))
        self.next_start = clock + delay
        return (
            f"{self.name} (pid {pid}) exited with code {code} after {ran:.1f} s; "
            f"restarting it in {delay:.0f} s"
        )

    def due(self) -> bool:
        return time.monotonic() >= self.next_start


class Child(Restartable, kw_only=True):
    command: list[str]
    proc: subprocess.Popen | None = None


class Supervisor:
    """Starts ``children`` from a thread of its own and keeps them running until ``stop()``
    (restarted as ``Restartable`` says)."""

    def __init__(
        self,
        children: list[tuple[str, list[str]]],
        env: dict[str, str],
        output: IO[bytes] | None = None,
        policy: RestartPolicy | None = None,
    ) -> None:
        self.children = [Child(name=n, command=c) for n, c in children]
        self._env = {**env, SUPERVISOR_ENV: str(os.getpid())}
        self._output = output
        self._policy = policy or RestartPolicy()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jost-supervisor", daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def say(self, message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} jost up: {message}\n"
        if self._output is not None:
            self._output.write(line.encode())
            self._output.flush()
        else:
            sys.stderr.write(line)
            sys.stderr.flush()

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def _spawn(self, child: Child) -> None:
        sink = {"stdout": self._output, "stderr": subprocess.STDOUT} if self._output else {}
        parent = os.getpid()

        def in_child() -> None:  # before exec: a process group of its own, dying with us
            os.setsid()
            die_with_parent(parent)

        child.proc = subprocess.Popen(child.command, env=self._env, preexec_fn=in_child, **sink)
        child.started = time.monotonic()

    def _run(self) -> None:
        # Every child is started from this thread: PR_SET_PDEATHSIG fires when the thread that
        # forked a child ends, so this thread lives as long as the children may.
        for child in self.children:
            self._spawn(child)
        while not self._stop.wait(0.2):
            for child in self.children:
                self._watch(child)
        _terminate([c.proc for c in self.children if c.proc is not None])

    def _watch(self, child: Child) -> None:
        if child.proc is not None:
            code = child.proc.poll()
            if code is None:
                return
            pid = child.proc.pid
            _kill_group(pid)  # what it started dies with it
            child.proc = None
            self.say(child.exited(pid, code, self._policy))
            return
        if child.due():
            self._spawn(child)
            assert child.proc is not None
            self.say(f"{child.name} restarted (pid {child.proc.pid})")

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def ready_count(ready: Path) -> int:
    """How many live processes said they are ready (``mark_ready``) in ``ready``: the engine
    workers are the pool's children, not the supervisor's."""
    return sum(1 for entry in os.listdir(ready) if entry.isdigit() and alive(int(entry)))


RESTORED_ENV = "JOST_RESTORED_MARK"
"""A file the embedded platform creates once it has restored the log from the archive: it
starts its children first (their start is most of the platform's), and the API opens the
projection's file only when the restore, which reads it from the platform's own process,
is done (DuckDB lets one process at a time open a file)."""

RESTORE_WAIT_SECONDS = 120.0


def wait_restored(timeout: float = RESTORE_WAIT_SECONDS) -> bool:
    """In the API: wait for ``RESTORED_ENV``'s file, if one is named; False when it never came
    (the API then opens the file anyway: a platform that died restoring left it free)."""
    mark = os.environ.get(RESTORED_ENV)
    deadline = time.monotonic() + timeout
    while mark and not os.path.exists(mark):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


STOPPING_MARK = "stopping"
"""A file in ``READY_ENV``'s folder: the platform is stopping as a whole, its broker with it."""


def mark_stopping(ready: Path) -> None:
    """Say to the children that the platform stops as a whole, before they are told to stop."""
    Path(ready, STOPPING_MARK).touch()


def platform_stopping() -> bool:
    """In a child: whether the platform that started it is stopping as a whole. A worker
    then need not leave its groups: the broker that keeps them goes too. (A ``jost worker``
    started on its own has no such folder: it always leaves its groups.)"""
    ready = os.environ.get(READY_ENV)
    return bool(ready) and os.path.exists(os.path.join(ready, STOPPING_MARK))


def mark_ready() -> None:
    """In a child: tell the supervisor's caller this process is ready (a no-op when no one
    waits for it)."""
    if ready := os.environ.get(READY_ENV):
        with contextlib.suppress(OSError):
            Path(ready, str(os.getpid())).touch()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _terminate(procs: list[subprocess.Popen], timeout: float = 25.0) -> None:
    """SIGTERM every child's group (in-flight work finishes), then SIGKILL what is left."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            _wait_exit(proc, max(0.1, deadline - time.monotonic()))
        _kill_group(proc.pid)
        if proc.poll() is None:
            proc.wait(5)


def _wait_exit(proc: subprocess.Popen, timeout: float) -> None:
    """``proc.wait(timeout)``, woken the moment the process exits: Popen's own wait with a
    timeout sleeps in steps that double up to 50 ms, and noticed an exit 15-20 ms late, the
    last of every platform's stop. A pidfd becomes readable when its process exits."""
    if proc.poll() is not None:
        return  # reaped: its pid may be another process's by now
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # no pidfd here, or the process is reaped already
        proc.wait(timeout)
        return
    try:
        select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    proc.wait(0.05)  # reaps an exited child at once; raises TimeoutExpired for a live one
