"""Token authentication: ``Authorization: Token <key>`` or ``Bearer <key>``. The keys are the
configured ones (``JOST_TOKEN``, ``JOST_USER_TOKENS``) and those an admin issued and did not
revoke (``jost.platform.tokens``: the registry, asked on every request).

A route is authenticated when its handler (or its controller) provides the ``principal``
dependency (``Provide(principal_dependency)``); a route whose ``opt`` has ``admin_only`` needs
an admin token too. The ``authenticated`` guard checks both before anything reads the request's body
(guards run before the handler's arguments are parsed), so a request without a valid token
is answered 401 (403 for a player on an admin route) whatever its body holds."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.handlers import BaseRouteHandler

from jost.platform.api.limits import bounded_body
from jost.platform.api.problems import Problem
from jost.platform.api.services import Services
from jost.platform.tokens import Principal, TokenRegistry


def authenticate(tokens: TokenRegistry, header: str | None) -> Principal:
    if not header:
        raise Problem(
            401,
            "missing Authorization header (use 'Token <key>')",
            field="Authorization",
            slug="unauthenticated",
        )
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not key.strip():
        raise Problem(
            401,
            "Authorization must be 'Token <key>' or 'Bearer <key>'",
            field="Authorization",
            slug="unauthenticated",
        )
    principal = tokens.principal(key.strip())
    if principal is None:  # never issued, or revoked: the same answer
        raise Problem(401, "unknown token", field="Authorization", slug="unauthenticated")
    return principal


ADMIN_ONLY = "admin_only"
"""The ``opt`` key of routes that only admin tokens may use."""
_PRINCIPAL = "jost.principal"
"""Where the guard leaves the principal in the request's scope state."""


async def principal_dependency(request: Request[Any, Any, Any], services: Services) -> Principal:
    """The principal the ``authenticated`` guard admitted. It depends on ``services`` (which
    every route is given) so that Litestar resolves the two one after the other: two
    dependencies that do not depend on each other are resolved in an anyio task group, which
    cost a fifth of the API's time per submit."""
    principal = request.scope.get("state", {}).get(_PRINCIPAL)
    if principal is None:  # the app runs without the guard: still authenticate
        principal = authenticate(services.tokens, request.headers.get("authorization"))
    return principal


def needs_token(handler: BaseRouteHandler) -> bool:
    """Whether the route is authenticated: it provides the principal dependency."""
    provided = handler.resolve_dependencies().values()
    return any(p.dependency is principal_dependency for p in provided)


def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The app's guard: authenticates the routes that need a token, refuses players on
    admin-only routes, and leaves the principal for ``principal_dependency``."""
    if not needs_token(handler):
        return
    principal = authenticate(
        connection.app.state.services.tokens, connection.headers.get("authorization")
    )
    if handler.opt.get(ADMIN_ONLY) and not principal.admin:
        raise Problem(
            403, "this route needs an admin token", field="Authorization", slug="admin-only"
        )
    connection.scope.setdefault("state", {})[_PRINCIPAL] = principal


async def admit(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app's one guard: ``authenticated``, then ``bounded_body``. One async guard, not
    two: Litestar copies the handler for every guard it runs, and runs a sync guard in a
    thread."""
    authenticated(connection, handler)
    await bounded_body(connection, handler)
