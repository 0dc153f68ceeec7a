"""Bounds on what a request may send, checked once for every route by ``bounded_body`` in the
app's guard, after authentication and before any handler parses the body.

- At most ``MAX_BODY_BYTES``: larger is 413. The limit stays well below what the event log
  takes in one message (about 1 MB with the event's envelope): a body the API accepted but the
  log refused used to be a 503, an outage clients retry, for what is the client's fault.
- JSON nested at most ``MAX_DEPTH`` levels: deeper is 400. The decoders (msgspec, Litestar's)
  recurse once per level, so 100,000 levels of ``[`` ended in a RecursionError, a 500.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import BaseRouteHandler

from jost.platform.api.problems import Problem

MAX_BODY_BYTES = 64 * 1024
"""A complete config with a custom chart and index plays is a few kilobytes."""
MAX_DEPTH = 32
"""A config nests five levels deep (``$.strategy.playing.hard.16``)."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
"""A JSON string: its brackets are text, not nesting. Linear: the alternatives cannot overlap."""
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_OPENING = frozenset(b"[{")


def too_large() -> Problem:
    # The rest of the body is left unread on the connection: closing it keeps a client from
    # sending its next request after those bytes.
    return Problem(
        413,
        f"the body is larger than {MAX_BODY_BYTES} bytes",
        field="$",
        slug="body-too-large",
        headers={"Connection": "close"},
    )


def nesting(body: bytes, stop_above: int = MAX_DEPTH) -> int:
    """How deep the arrays and objects in ``body`` nest (counting stops past ``stop_above``).
    Malformed JSON is measured as well as it goes: the decoder reports what is wrong with it."""
    level = deepest = 0
    for byte in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        level += 1 if byte in _OPENING else -1
        if level > deepest:
            deepest = level
            if deepest > stop_above:
                break
    return deepest


def check_depth(body: bytes) -> None:
    """Refuse JSON nested deeper than ``MAX_DEPTH`` (also for a config that arrives inside a
    form, where the body's own brackets are encoded)."""
    if nesting(body) > MAX_DEPTH:
        raise Problem(
            400,
            f"the JSON nests deeper than {MAX_DEPTH} levels",
            field="$",
            slug="too-deeply-nested",
        )


async def bounded_body(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The second half of the app's guard (``auth.admit``): reads the body, within the size
    limit, and refuses it when too large or too deeply nested. Litestar keeps the body it
    read, so the handler's own parsing reads it from memory."""
    if not isinstance(connection, Request) or connection.method in ("GET", "HEAD", "OPTIONS"):
        return
    announced = connection.content_length
    if announced is not None and announced > MAX_BODY_BYTES:
        raise too_large()
    try:
        # Litestar counts the bytes as they arrive (a chunked body announces no length).
        body = await connection.body()
    except RequestEntityTooLarge as exc:
        raise too_large() from exc
    if len(body) > MAX_BODY_BYTES:  # whatever limit the route itself was given
        raise too_large()
    check_depth(body)
