"""Who is using the workbench: sign-in with an API token, server-side sessions, and the
checks that keep other sites from changing anything through a signed-in browser.

- A session is an opaque random id in an HttpOnly, SameSite=Strict cookie scoped to
  ``/workbench``; what it stands for lives in this process's memory only (Litestar's
  MemoryStore, keyed by a digest of the id), so signing out forgets it at once.
- Every request checks the session's token again (``principal_for``): a revoked token is
  signed out on its next click, not when its session expires.
- Signing in always starts a new session id: an id planted in the browser beforehand (by a
  page on another port of the same host, which may set cookies for it) is never adopted.
- Cross-site requests: every unsafe request must come from the workbench's own origin (the
  browser's ``Origin`` header; other ports of the host are other origins, though the same
  *site* for SameSite). A signed-in form also carries the session's own CSRF token, kept on
  the server, which no other page can read or plant (a double-submit cookie could be planted
  by a page on another port, which is why Litestar's cookie-based CSRF is not used here).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, FormMultiDict
from litestar.handlers import BaseRouteHandler
from litestar.stores.base import Store

from jost.platform.api.problems import Problem
from jost.platform.api.services import Services
from jost.platform.tokens import Principal

PREFIX = "/workbench"
SIGN_IN_PATH = f"{PREFIX}/sign-in"
COOKIE = "jost_workbench"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 8 * 3600
"""A session unused this long is forgotten (each request renews it)."""
_STORE = "jost-workbench-sessions"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No session, or its token no longer admitted: the page answers with the sign-in form."""


class Session(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    """The API token signed in with: checked again on every request (revocation)."""
    csrf: str
    signed_in_at: datetime


class Viewer(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in user of a request."""

    principal: Principal
    csrf: str


def services_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Services:
    return connection.app.state.services


def principal_for(services: Services, key: str) -> Principal | None:
    """The principal of an API token, None when it is not (or no longer) admitted."""
    return services.tokens.principal(key)


def _store(connection: ASGIConnection[Any, Any, Any, Any]) -> Store:
    return connection.app.stores.get(_STORE)


def _store_key(session_id: str) -> str:
    # A digest: the ids a browser holds are not what this process's memory holds.
    return hashlib.sha256(session_id.encode()).hexdigest()


def browser_scheme(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The scheme the browser used: behind a TLS proxy (the Procfile serves plain HTTP behind
    the host's) the proxy says it in ``X-Forwarded-Proto``. Trusting it gives an attacker
    nothing: no page of another site can add it to a request it makes the browser send."""
    forwarded = connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded if forwarded in ("http", "https") else connection.url.scheme


def session_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=value,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        # Behind TLS the cookie never travels in clear (plain http serves 127.0.0.1 only).
        secure=browser_scheme(request) == "https",
        max_age=max_age,
    )


async def start_session(request: Request[Any, Any, Any], key: str) -> Cookie:
    """A new session for token ``key`` (already checked); any session the browser held ends.
    Returns the cookie to set."""
    await end_session(request)
    store = _store(request)
    await store.delete_expired()
    session_id = secrets.token_urlsafe(32)
    session = Session(key=key, csrf=secrets.token_urlsafe(32), signed_in_at=datetime.now(UTC))
    await store.set(
        _store_key(session_id), msgspec.json.encode(session), expires_in=SESSION_SECONDS
    )
    return session_cookie(request, session_id, SESSION_SECONDS)


async def end_session(request: Request[Any, Any, Any]) -> Cookie:
    """Forget the browser's session; returns the cookie that clears it."""
    if session_id := request.cookies.get(COOKIE):
        await _store(request).delete(_store_key(session_id))
    return session_cookie(request, "", 0)


async def _session(request: Request[Any, Any, Any]) -> Session | None:
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    data = await _store(request).get(_store_key(session_id), renew_for=SESSION_SECONDS)
    return msgspec.json.decode(data, type=Session) if data is not None else None


async def read_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The request's form, the one way every page reads it. Litestar decodes each part of a
    multipart form in the charset it names (UTF-8 by default) and lets a failure through as
    a 500 with its traceback in the log: bytes a client chose are the client's error."""
    try:
        return await request.form()
    except (UnicodeDecodeError, LookupError) as exc:  # bad bytes, or a charset that is none
        raise Problem(
            400, f"the form is not text in the charset it names: {exc}", slug="invalid-form"
        ) from exc


async def signed_in(request: Request[Any, Any, Any]) -> Viewer:
    """The ``viewer`` dependency of every page but sign-in: the session's user, its token
    checked again; on an unsafe request, the form's CSRF token checked against the
    session's."""
    session = await _session(request)
    if session is None:
        raise SignInRequired
    principal = principal_for(services_of(request), session.key)
    if principal is None:  # revoked, or no longer configured: the session ends here
        await end_session(request)
        raise SignInRequired
    if request.method not in _SAFE_METHODS:
        sent = (await read_form(request)).get(CSRF_FIELD)
        # As bytes: compare_digest refuses str with non-ASCII characters (a 500, not a 403).
        if not isinstance(sent, str) or not hmac.compare_digest(
            sent.encode(), session.csrf.encode()
        ):
            raise Problem(
                403, "the form's CSRF token is missing or wrong", field=CSRF_FIELD, slug="csrf"
            )
    return Viewer(principal=principal, csrf=session.csrf)


def same_origin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The workbench router's guard: an unsafe request whose browser says it comes from
    another origin is refused before anything reads its form. (A request without ``Origin``
    comes from no browser page: no CSRF without one.)"""
    if connection.scope.get("method", "GET") in _SAFE_METHODS:
        return
    origin = connection.headers.get("origin")
    if origin is None:
        return
    host = connection.headers.get("host", "")
    parts = urlsplit(origin)
    if parts.netloc != host or parts.scheme != browser_scheme(connection):
        raise Problem(403, f"cross-origin request from {origin} refused", slug="cross-origin")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a workbench path only (never another site)."""
    if (
        target
        and target.startswith(PREFIX + "/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return PREFIX + "/"
