"""Tokens managed while the platform runs: issue, list, revoke. The functions are the one way
to do each, for every front door (the JSON API here, the workbench's pages); they raise
``Problem`` (400 a bad name, 404 an unknown one, 409 a name in use, 503 the log refused) and
leave it to the caller to admit admins only (the routes here are admin-only).

Each change is recorded in the DuckDB file before it is appended to the log and before the
answer, so it holds at once (the next request is admitted or refused by it) and survives a
restart; the key of an issued token is in the answer and nowhere else."""

from __future__ import annotations

import asyncio

import msgspec
from confluent_kafka import KafkaException
from litestar import Controller, delete, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide

from jost.contracts import (
    TokenCreated,
    TokenEvent,
    TokenInfo,
    TokenIssued,
    TokenRequest,
    TokenRevoked,
    error_at,
)
from jost.platform.api.auth import ADMIN_ONLY, principal_dependency
from jost.platform.api.problems import Problem
from jost.platform.api.services import Services
from jost.platform.events import event_id, now
from jost.platform.log import token_key
from jost.platform.settings import key_digest
from jost.platform.tokens import new_key


def _checked(name: str, admin: bool = False) -> TokenRequest:
    """The request as the route's body is decoded: a bad name is a 400 at ``name`` (as
    Litestar names a body's field)."""
    try:
        return msgspec.convert({"name": name, "admin": admin}, TokenRequest)
    except msgspec.ValidationError as exc:
        detail, _ = error_at(str(exc))
        raise Problem(400, detail, field="name", slug="invalid-parameter") from exc


def _fact_id(name: str, kind: str) -> str:
    """One issue and one revocation per name, ever: a fact logged twice is recognised."""
    return event_id(token_key(name), kind)


async def _append(services: Services, fact: TokenEvent, detail: str) -> None:
    try:
        appended = await services.event_log.append(fact)
    except KafkaException as exc:
        raise Problem(
            503, f"the event log did not accept the write ({exc}): {detail}", slug="log-unavailable"
        ) from exc
    # Read-your-writes: a read of the folded tables (the SQL route's) waits for this fact.
    services.projector.wrote(appended.partition, appended.offset)


async def issue_token(services: Services, name: str, admin: bool) -> TokenCreated:
    """A new token named ``name``; its key is in the answer, once."""
    request = _checked(name, admin)
    key = new_key()
    fact = TokenIssued(
        event_id=_fact_id(request.name, "TokenIssued"),
        name=request.name,
        digest=key_digest(key),
        admin=request.admin,
        at=now(),
    )
    if not await asyncio.to_thread(services.projection.record_token, fact):
        raise Problem(
            409,
            f"a token named {request.name!r} exists (a revoked token keeps its name)",
            field="name",
            slug="name-in-use",
        )
    try:
        await _append(services, fact, "nothing was issued; try again")
    except Problem:
        # Nobody saw the key: the token is dropped rather than left unusable under its name.
        await asyncio.to_thread(services.projection.forget_token, fact)
        raise
    return TokenCreated(name=request.name, token=key, admin=request.admin)


async def revoke_token(services: Services, name: str) -> TokenInfo:
    """Refuse the token named ``name`` from now on, on every route. Revoking it again changes
    nothing (and logs the same fact again, should the log have missed it)."""
    request = _checked(name)
    info = services.tokens.info(request.name)
    if info is None:
        raise Problem(404, f"no token named {request.name!r}", field="name", slug="no-such-token")
    # Revoked already: the same fact, to the microsecond, so every copy of it is one fact.
    at = info.revoked_at or now()
    fact = TokenRevoked(event_id=_fact_id(request.name, "TokenRevoked"), name=request.name, at=at)
    await asyncio.to_thread(services.projection.record_token, fact)
    await _append(
        services, fact, "the token is refused here already; revoke it again so the log has it"
    )
    revoked = services.tokens.info(request.name)
    assert revoked is not None
    return revoked


def list_tokens(services: Services) -> list[TokenInfo]:
    """Every token issued, oldest first, revoked ones too (configured tokens are not listed)."""
    return services.tokens.issued()


class TokensController(Controller):
    path = "/api/tokens"
    dependencies = {"principal": Provide(principal_dependency)}  # noqa: RUF012
    opt = {ADMIN_ONLY: True}  # noqa: RUF012 (the app's guard refuses players: jost.platform.api.auth)

    # The answer holds a secret: no cache along the way keeps it.
    @post(
        "/",
        status_code=201,
        summary="Issue a token",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def create(self, data: TokenRequest, state: State) -> TokenCreated:
        """Admin tokens only. The answer holds the key (``token``), shown this once: the
        platform keeps only its digest. It works on the next request."""
        return await issue_token(state.services, data.name, data.admin)

    @get("/", sync_to_thread=False, summary="List the issued tokens")
    def listing(self, state: State) -> list[TokenInfo]:
        """Admin tokens only. Every token issued, oldest first, revoked ones too; never a
        key."""
        return list_tokens(state.services)

    @delete("/{name:str}/", status_code=200, summary="Revoke a token")
    async def revoke(self, name: str, state: State) -> TokenInfo:
        """Admin tokens only. From the answer on, the token gets 401 on every route."""
        return await revoke_token(state.services, name)

    @post("/{name:str}/revoke/", status_code=200, summary="Revoke a token (as a POST)")
    async def revoke_by_post(self, name: str, state: State) -> TokenInfo:
        """The same as ``DELETE /api/tokens/{name}/``, for clients that only POST."""
        return await revoke_token(state.services, name)
