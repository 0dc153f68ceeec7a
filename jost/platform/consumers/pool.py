"""Several engine workers from one start: the pool imports the worker and loads the kernel
once, then forks its members, each a whole worker (``worker.run_member``) with Kafka clients
of its own, made after the fork.

Why: on this 2-core machine each worker started alone spent about 1.5 s of CPU importing
numba, the platform and the engine and loading the kernel, all of them at once and beside the
API's own start; forked, a member starts from the loaded kernel in milliseconds and shares its
pages.

The pool keeps its members as the supervisor keeps its children (``Restartable``: the same
backoff, the same lines in the log); a member dies with the pool (``PR_SET_PDEATHSIG``), the
pool with its supervisor (``lifeline``), and SIGTERM stops the members (each finishes its
shard, and leaves its groups unless the whole platform stops: ``worker.serve``) before the
pool exits. Nothing may start a thread or a Kafka
client in the pool before it forks: a forked process keeps only the thread that forked, and
librdkafka's threads and locks would be lost or held.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import sys
import time
import traceback
from typing import NoReturn

from jost.platform import lifeline
from jost.platform.consumers.engine import warm_up
from jost.platform.consumers.groups import GroupTiming
from jost.platform.consumers.worker import LOG_FORMAT, run_member
from jost.platform.supervisor import Restartable, RestartPolicy, die_with_parent

log = logging.getLogger(__name__)

STOP_SECONDS = 65.0
"""How long stopping members may take (a shard finishing) before they are killed."""


class Member(Restartable, kw_only=True):
    pid: int = 0


class Pool:
    def __init__(self, bootstrap: str, members: int, timing: GroupTiming) -> None:
        self._bootstrap = bootstrap
        self._timing = timing
        self._policy = RestartPolicy()
        self._parent = os.getppid()
        self._stopping = False
        self._wake: tuple[int, int] = (-1, -1)
        """A pipe the pool's signals write to (``signal.set_wakeup_fd``); its loop waits on it."""
        self.members = [Member(name=f"worker-{i + 1}") for i in range(members)]

    def run(self) -> int:
        # A signal writes to this pipe as it arrives, and the loop waits on it: the pool's
        # stop no longer waits out the rest of a 0.1 s sleep (the last 40 ms of a platform's
        # stop were the pool's, after its members had gone).
        self._wake = os.pipe()
        for fd in self._wake:
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self._wake[1])
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        signal.signal(signal.SIGCHLD, _noted)  # a member's exit wakes the loop too
        for member in self.members:
            self._fork(member)
        while not self._stopping:
            if lifeline.gone(self._parent):
                log.error("pool: the supervising process is gone; exiting")
                os._exit(70)  # the members die with us (PR_SET_PDEATHSIG)
            self._reap()
            for member in self.members:
                if not member.pid and member.due() and not self._stopping:
                    self._fork(member)
                    log.info("%s restarted (pid %d)", member.name, member.pid)
            self._rest(0.1)
        self._stop_members()
        return 0

    def _rest(self, seconds: float) -> None:
        """Wait ``seconds``, or until a signal arrives."""
        select.select([self._wake[0]], [], [], seconds)
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake[0], 512)

    def _stop(self, *_: object) -> None:
        self._stopping = True

    def _fork(self, member: Member) -> None:
        pool = os.getpid()
        pid = os.fork()
        if pid:
            member.pid, member.started = pid, time.monotonic()
            return
        # The member: never return into the pool's loop, whatever happens (``run_member``
        # ends the process itself; only an exception gets here).
        try:
            signal.set_wakeup_fd(-1)  # the pool's own: its signals are the pool's business
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in self._wake:
                os.close(fd)
            die_with_parent(pool)
            run_member(self._bootstrap, self._timing)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            member = next((m for m in self.members if m.pid == pid), None)
            if member is None:
                continue
            member.pid = 0
            if not self._stopping:
                log.info(member.exited(pid, os.waitstatus_to_exitcode(status), self._policy))

    def _stop_members(self) -> None:
        """SIGTERM each member (a member's group also gets it from the supervisor), wait for
        them to finish their shards, SIGKILL what is left."""
        running = [m.pid for m in self.members if m.pid]
        for pid in running:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline:
            self._reap()
            if not any(m.pid for m in self.members):
                break  # not one more rest: it was the last 20 ms of every platform's stop
            self._rest(0.02)
        for member in self.members:
            if member.pid:
                _signal(member.pid, signal.SIGKILL)


def _noted(*_: object) -> None:
    """SIGCHLD's handler: nothing to do but exist, so the signal reaches the wake-up pipe."""


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def run_pool(
    bootstrap: str, members: int, session_timeout_ms: int = GroupTiming().session_timeout_ms
) -> NoReturn:
    """The pool's process: load the kernel, fork ``members`` workers, keep them until
    SIGINT/SIGTERM, then end (without the interpreter's teardown: numba's takes half a
    second, and everything the members did is in the log)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    timing = GroupTiming.for_broker(bootstrap, session_timeout_ms)
    # Loaded here, before the fork, so no member loads (or, the first time on a machine,
    # compiles) it again; ``serve`` in each member finds it loaded.
    log.info("pool: kernel loaded in %.2f s; forking %d workers", warm_up(), members)
    code = Pool(bootstrap, members, timing).run()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
