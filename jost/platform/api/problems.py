"""Every error is a problem details document (RFC 9457, ``application/problem+json``) naming,
where there is one, the field at fault."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_AT_PATH = re.compile(r" - at `(\$[^`]*)`$")


class Problem(HTTPException):
    """Raised by handlers: ``field`` is a JSON path into the request (``$.rules.decks``) or
    the name of the header, path or query parameter at fault."""

    def __init__(
        self, status: int, detail: str, *, field: str | None = None, slug: str | None = None
    ) -> None:
        super().__init__(detail=detail, status_code=status)
        self.field = field
        self.slug = slug


def invalid_body(exc: msgspec.DecodeError) -> Problem:
    """A msgspec error says where: ``Expected `int`, got `str` - at `$.rounds```."""
    message = str(exc)
    match = _AT_PATH.search(message)
    field = match.group(1) if match else "$"
    detail = message[: match.start()] if match else message
    if isinstance(exc, msgspec.ValidationError):
        return Problem(400, detail, field=field, slug="invalid-body")
    return Problem(400, f"malformed JSON: {detail}", field=field, slug="invalid-json")


def _document(
    status: int,
    detail: str,
    field: str | None,
    slug: str | None,
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"https://jost.invalid/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    if extra:
        body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def problem_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, Problem):
        return _document(exc.status_code, exc.detail, exc.field, exc.slug)
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else []
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        detail = first.get("message") or exc.detail
        return _document(
            400, str(detail), first.get("key"), "invalid-parameter", {"errors": errors}
        )
    if isinstance(exc, HTTPException):
        return _document(exc.status_code, exc.detail, None, None)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _document(500, "internal error; the service logged it", None, None)


def media_type_is_problem(media_type: str) -> bool:
    return media_type == PROBLEM_JSON or media_type == MediaType.JSON
