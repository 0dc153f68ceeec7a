"""A screen's work in threads (following a job, a sweep, an analysis) hands what it fetched to
the app's loop; the player may have closed the screen meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def on_screen(screen: Screen[Any], action: Callable[..., object], *args: Any) -> None:
    """From a worker thread of ``screen``: run ``action(*args)`` on the app's loop, unless
    the screen was closed by then. A closed screen's widgets are gone, and an answer that
    arrived just after Escape failed on its first query and took the app down with it."""

    def if_open() -> None:
        if screen in screen.app.screen_stack:
            action(*args)

    screen.app.call_from_thread(if_open)
