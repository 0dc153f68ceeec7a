"""Every error is a problem details document (RFC 9457, ``application/problem+json``) naming,
where there is one, the field at fault. The place comes from the error itself: a ``Problem``
or the engine's ``ConfigRejected`` carries it; a msgspec error says it in its one fixed form
(``contracts.error_at`` reads it)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from msgspec import Meta

from jost.contracts import error_at
from jost.engine.errors import ConfigRejected

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ProblemDetails(msgspec.Struct, omit_defaults=True, kw_only=True):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    # One home for the format: every error body is one of these, and the OpenAPI schema's
    # ProblemDetails is generated from it (jost.platform.api.openapi).
    type: Annotated[
        str,
        Meta(description="The kind: https://jost.invalid/problems/<slug>, or about:blank."),
    ]
    title: Annotated[str, Meta(description="The HTTP status phrase.")]
    status: Annotated[int, Meta(ge=400, le=599)]
    detail: Annotated[str, Meta(description="What is wrong, for people.")]
    field: Annotated[
        str | None,
        Meta(
            description="The JSON path into the body ($.rules.decks), or the header, path or "
            "query parameter at fault."
        ),
    ] = None
    errors: Annotated[
        list[dict[str, Any]] | None,
        Meta(description="Every error of an invalid parameter."),
    ] = None


class Problem(HTTPException):
    """Raised by handlers: ``field`` is a JSON path into the request (``$.rules.decks``) or
    the name of the header, path or query parameter at fault."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.field = field
        self.slug = slug


def invalid_body(exc: msgspec.DecodeError) -> Problem:
    """A msgspec error says where: ``Expected `int`, got `str` - at `$.rounds```."""
    detail, field = error_at(str(exc))
    if isinstance(exc, msgspec.ValidationError):
        return Problem(400, detail, field=field, slug="invalid-body")
    return Problem(400, f"malformed JSON: {detail}", field=field, slug="invalid-json")


def rejected(exc: ConfigRejected, status: int = 422, slug: str = "config-rejected") -> Problem:
    """A config the engine refused, as the problem a handler raises: the field and the reason
    as the engine found them (a handler picks the status and slug its route documents)."""
    return Problem(status, exc.reason, field=exc.field, slug=slug)


def _document(
    status: int,
    detail: str,
    field: str | None,
    slug: str | None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ProblemDetails]:
    body = ProblemDetails(
        type=f"https://jost.invalid/problems/{slug}" if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        field=field,
        errors=errors,
    )
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, ConfigRejected):
        exc = rejected(exc)
    if isinstance(exc, Problem):
        return _document(exc.status_code, exc.detail, exc.field, exc.slug, headers=exc.headers)
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else []
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        detail = first.get("message") or exc.detail
        return _document(400, str(detail), first.get("key"), "invalid-parameter", errors)
    if isinstance(exc, HTTPException):
        return _document(exc.status_code, exc.detail, None, None)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _document(500, "internal error; the service logged it", None, None)


def media_type_is_problem(media_type: str) -> bool:
    return media_type == PROBLEM_JSON or media_type == MediaType.JSON
