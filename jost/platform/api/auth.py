"""Token authentication: ``Authorization: Token <key>`` or ``Bearer <key>``. Tokens are
configured (``JOST_TOKEN``, ``JOST_USER_TOKENS``), never stored per user."""

from __future__ import annotations

import hmac
from typing import Annotated

from litestar.datastructures import State
from litestar.params import Parameter
from msgspec import Struct

from jost.platform.api.problems import Problem
from jost.platform.settings import Token


class Principal(Struct, frozen=True):
    owner: str
    admin: bool


def authenticate(tokens: list[Token], header: str | None) -> Principal:
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
    key = key.strip()
    for token in tokens:
        # Constant-time comparison: response timing does not leak how much of a key matched.
        if hmac.compare_digest(token.key.encode(), key.encode()):
            return Principal(owner=token.owner, admin=token.admin)
    raise Problem(401, "unknown token", field="Authorization", slug="unauthenticated")


async def principal_dependency(
    state: State,
    authorization: Annotated[str | None, Parameter(header="Authorization")] = None,
) -> Principal:
    return authenticate(state.services.tokens, authorization)
