"""Who a key belongs to: the tokens the platform is configured with (``JOST_TOKEN``,
``JOST_USER_TOKENS``) and the tokens an admin issued while it runs, less those revoked.

Issued tokens are facts in the log (``TokenIssued``, ``TokenRevoked``), recorded in the DuckDB
file before each answer (``token_intake``) and folded from the log (``tokens``); the registry
reads both, so a token works (or is refused) on the very next request, after a restart and in
a projection rebuilt by ``jost replay``. The file has one writer, the process serving the API,
and every change there counts in ``Projection.tokens_version``: the registry keeps what it read
until that count moves. Keys are never stored: only their sha256 digests.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from datetime import UTC, datetime

import msgspec
from msgspec import Struct

from jost.contracts import TokenEvent, TokenInfo, TokenIssued, TokenRevoked
from jost.platform.fold import utc_naive
from jost.platform.projection import Projection
from jost.platform.settings import Token, key_digest, owner_of

KEY_PREFIX = "jost_"
"""Issued keys start with it, so secret scanners and people can tell one when they see it."""

_fact = msgspec.json.Decoder(TokenEvent)


class Principal(Struct, frozen=True):
    """Who made a request: the owner recorded on its jobs, and whether it may administer."""

    owner: str
    admin: bool
    name: str | None = None
    """The issued token's name; None for a configured token."""


def new_key() -> str:
    """A fresh key: 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


class _Issued(Struct, kw_only=True):
    digest: str
    info: TokenInfo


class _Snapshot(Struct, frozen=True, kw_only=True):
    version: int
    issued: dict[str, _Issued]
    """By name, every token issued, revoked ones too."""
    live: list[tuple[bytes, Principal]]
    """The digest of every key that is admitted now, configured ones first."""


def _merge(folded: list[tuple], intake: list[TokenEvent]) -> dict[str, _Issued]:
    """The folded tokens, completed by the facts recorded here and not folded yet."""
    issued: dict[str, _Issued] = {}
    for name, digest, admin, created_at, revoked_at in folded:
        info = TokenInfo(
            name=name,
            admin=admin,
            created_at=_utc(created_at),
            revoked_at=_utc(revoked_at) if revoked_at else None,
        )
        issued[name] = _Issued(digest=digest, info=info)
    # Issues first: a revocation always names a token issued before it.
    for fact in sorted(intake, key=lambda f: isinstance(f, TokenRevoked)):
        known = issued.get(fact.name)
        if isinstance(fact, TokenIssued) and known is None:
            info = TokenInfo(name=fact.name, admin=fact.admin, created_at=_utc(fact.at))
            issued[fact.name] = _Issued(digest=fact.digest, info=info)
        elif isinstance(fact, TokenRevoked) and known and known.info.revoked_at is None:
            known.info = msgspec.structs.replace(known.info, revoked_at=_utc(fact.at))
    return issued


def _utc(at: datetime) -> datetime:
    """Aware UTC (the file stores UTC without a zone), to the microsecond the fact said."""
    return utc_naive(at).replace(tzinfo=UTC)


class TokenRegistry:
    """Thread-safe. ``principal`` is what authentication asks; ``issued``/``info`` what the
    admin's list shows."""

    def __init__(self, configured: list[Token], projection: Projection) -> None:
        self._configured = [
            (t.digest.encode(), Principal(owner=t.owner, admin=t.admin)) for t in configured
        ]
        self._projection = projection
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def principal(self, key: str) -> Principal | None:
        """The principal of ``key``; None when it is unknown or revoked."""
        digest = key_digest(key).encode()
        found = None
        # Every digest is compared, in constant time each, with no early exit: how long this
        # takes tells nothing of which token, or how much of one, matched.
        for known, principal in self._current().live:
            if hmac.compare_digest(known, digest):
                found = principal
        return found

    def issued(self) -> list[TokenInfo]:
        """Every token issued, oldest first, revoked ones included."""
        infos = [i.info for i in self._current().issued.values()]
        return sorted(infos, key=lambda i: (i.created_at, i.name))

    def info(self, name: str) -> TokenInfo | None:
        found = self._current().issued.get(name)
        return found.info if found else None

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and snapshot.version == self._projection.tokens_version:
            return snapshot
        with self._lock:
            # The count is read before the tables: a change committed meanwhile moves it
            # again, and the next request reads once more.
            version = self._projection.tokens_version
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = self._read(version)
            return self._snapshot

    def _read(self, version: int) -> _Snapshot:
        cur = self._projection.cursor()
        folded = cur.execute(
            "SELECT name, digest, admin, created_at, revoked_at FROM tokens"
        ).fetchall()
        intake = cur.execute("SELECT event FROM token_intake ORDER BY accepted_at").fetchall()
        issued = _merge(folded, [_fact.decode(body) for (body,) in intake])
        live = list(self._configured)
        for issue in issued.values():
            if issue.info.revoked_at is None:
                principal = Principal(
                    owner=owner_of(issue.digest), admin=issue.info.admin, name=issue.info.name
                )
                live.append((issue.digest.encode(), principal))
        return _Snapshot(version=version, issued=issued, live=live)


def restorable(projection: Projection) -> list[TokenEvent]:
    """Every token fact this file knows (recorded here or archived from the log), each once,
    issues before revocations: what a new log needs so that a replay of it rebuilds the
    tokens."""
    cur = projection.cursor()
    rows = cur.execute(
        "SELECT event FROM token_intake UNION ALL "
        "SELECT body FROM events WHERE kind IN ('TokenIssued', 'TokenRevoked')"
    ).fetchall()
    facts: dict[str, TokenEvent] = {}
    for (body,) in rows:
        fact = _fact.decode(body)
        facts.setdefault(fact.event_id, fact)
    return sorted(facts.values(), key=lambda f: (isinstance(f, TokenRevoked), f.at, f.name))
