"""The two families every contract belongs to, with the options they share.

msgspec applies ``frozen`` and ``forbid_unknown_fields`` to subclasses; ``kw_only`` covers only
the fields a class defines itself, so each contract still says ``kw_only=True``."""

from __future__ import annotations

from msgspec import Struct


class Inbound(Struct, forbid_unknown_fields=True, frozen=True):
    """What JOST accepts from a person or a client (a config, a query, a request body): a
    misspelt field is an error, not a silently ignored default."""


class Record(Struct, frozen=True):
    """What JOST writes (statistics, events, answers): readers ignore fields they do not know,
    so a newer writer can add one without breaking an older reader."""
