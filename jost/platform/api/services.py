"""What the handlers share, built once per process by the app's lifespan."""

from __future__ import annotations

import os
from pathlib import Path

from litestar.datastructures import State
from msgspec import Struct

from jost.platform import lifeline
from jost.platform.api.reads import Reads
from jost.platform.log import EventLog
from jost.platform.projection import Projection
from jost.platform.projector import Projector
from jost.platform.settings import DB_NAME, Token, Topics, default_data_dir, tokens_from_env
from jost.platform.tokens import TokenRegistry


class ApiSettings(Struct, frozen=True, kw_only=True):
    bootstrap: str
    data_dir: Path
    tokens: list[Token]
    """The configured tokens; those issued while the platform runs are in its file and log
    (``Services.tokens``, the registry of both)."""
    topics: Topics = Topics()
    read_your_writes_seconds: float = 3.0
    """How long a read waits for the projection to show this process's writes (and a cancel
    for its own) before answering anyway."""
    sql_seconds: float = 5.0
    """Time limit of one /api/sql/ query."""
    stalled_seconds: float = 120.0
    """A running job with no new fact for this long counts as lost when it is resubmitted:
    its facts are restored into the log from the archive (see ``recovery``)."""

    @classmethod
    def from_env(cls) -> ApiSettings:
        bootstrap = os.environ.get("JOST_BOOTSTRAP")
        if not bootstrap:
            raise RuntimeError("set JOST_BOOTSTRAP to the broker address (host:port)")
        tokens = tokens_from_env()
        if not tokens:
            raise RuntimeError("set JOST_TOKEN (the admin token) so the API can authenticate")
        return cls(bootstrap=bootstrap, data_dir=default_data_dir(), tokens=tokens)

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME


class Services:
    def __init__(self, settings: ApiSettings) -> None:
        lifeline.watch()
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.projection = Projection(settings.db_path, lock_down=True)
        self.tokens = TokenRegistry(settings.tokens, self.projection)
        self.projector = Projector(
            self.projection, settings.bootstrap, settings.topics.events, exit_on_error=True
        ).start()
        self.reads = Reads(
            self.projection,
            lambda: self.projector.catch_up(settings.read_your_writes_seconds),
        )
        self.event_log = EventLog(settings.bootstrap, settings.topics)

    def close(self) -> None:
        # The fold's last step ends while the log flushes: each waits out a poll's timeout,
        # and one after the other they made the platform's stop 0.1 s longer.
        self.projector.request_stop()
        self.event_log.close()
        self.projector.stop()
        self.projection.close()


def provide_services(state: State) -> Services:
    """The ``services`` dependency of every controller (the JSON API's and the workbench's)."""
    return state.services
