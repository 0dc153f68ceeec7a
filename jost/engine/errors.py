"""The engine's one error for input it cannot use, raised where the fault is found and carrying
where it is, so no caller has to read the place back out of a message."""

from __future__ import annotations


class ConfigRejected(ValueError):
    """A config, or an analysis request, the engine cannot use: ``field`` is the JSON path at
    fault (``$.strategy.playing``, ``$.shoe.T``), ``reason`` says why.

    Its text has msgspec's shape, ``reason - at `field```, as every config error a player
    sees (the CLI prints it, the API puts ``reason`` and ``field`` in a problem). ``label``
    names the place as a Python caller wrote it where that is not a config path (the
    analyzer's ``shoe[T]``): the text is then ``label: reason``."""

    def __init__(self, field: str, reason: str, *, label: str | None = None) -> None:
        super().__init__(f"{label}: {reason}" if label else f"{reason} - at `{field}`")
        self.field = field
        self.reason = reason
