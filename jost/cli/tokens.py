"""``jost tokens create NAME``, ``jost tokens list``, ``jost tokens revoke NAME``: an admin
manages the platform's tokens over HTTP, with the address and token the other client commands
use (``--url``/``--token``, else ``JOST_URL``/``JOST_TOKEN``, else what ``jost login`` saved).

``create`` prints the new key alone on standard output, once (``KEY=$(jost tokens create
alice)``); the platform keeps only its digest. Exit codes: 0 done; 1 the platform (nothing
answers, the token refused or not an admin's, a name in use or unknown); 2 a bad name, a
malformed address or a token that cannot be one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from urllib.parse import quote

import msgspec
from rich.console import Console
from rich.table import Table

from jost.cli.config_file import fail
from jost.contracts import TokenCreated, TokenInfo, TokenRequest
from jost.terminal.client import (
    BadTarget,
    PlatformClient,
    PlatformError,
    PlatformRefused,
    resolve_target,
)
from jost.terminal.output import json_line


class TokenClient(PlatformClient):
    """The platform's admin calls about tokens."""

    def create(self, request: TokenRequest) -> TokenCreated:
        return self._call(
            "POST",
            "/api/tokens/",
            TokenCreated,
            body=msgspec.json.encode(request),
            headers={"Content-Type": "application/json"},
        )

    def listing(self) -> list[TokenInfo]:
        return self._call("GET", "/api/tokens/", list[TokenInfo])

    def revoke(self, name: str) -> TokenInfo:
        return self._call("DELETE", f"/api/tokens/{quote(name, safe='')}/", TokenInfo)


def register(sub: argparse._SubParsersAction) -> None:
    tokens = sub.add_parser("tokens", help="issue, list and revoke the platform's tokens (admin)")
    actions = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("create", help="issue a token; prints its key, this once")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--admin", action="store_true", help="an admin token (default: a player's)")
    _common(p)
    p.set_defaults(handler=_handled(_create))

    p = actions.add_parser("list", help="the tokens issued, revoked ones too (never a key)")
    _common(p)
    p.set_defaults(handler=_handled(_list))

    p = actions.add_parser("revoke", help="refuse a token from now on, on every route")
    p.add_argument("name", metavar="NAME")
    _common(p)
    p.set_defaults(handler=_handled(_revoke))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="the platform (default: JOST_URL, else jost login's)")
    parser.add_argument("--token", help="an admin token (default: JOST_TOKEN, else jost login's)")
    parser.add_argument("--json", action="store_true", help="the answer as JSON")


def _handled(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except BadTarget as exc:
            return fail(str(exc))
        except PlatformRefused as exc:
            if exc.status == 403:
                print(
                    "jost: the platform refused (403): the token given is not an admin token, "
                    "and only an admin token can manage tokens",
                    file=sys.stderr,
                )
            else:
                print(f"jost: {exc}", file=sys.stderr)
            return 1
        except PlatformError as exc:
            print(f"jost: {exc}", file=sys.stderr)
            return 1

    return run


def _client(args: argparse.Namespace) -> TokenClient:
    return TokenClient(*resolve_target(args.url, args.token))


def _request(name: str, admin: bool = False) -> TokenRequest:
    """Checked here as the platform checks it, so a bad name is said before anything is sent."""
    return msgspec.convert({"name": name, "admin": admin}, TokenRequest)


def _create(args: argparse.Namespace) -> int:
    try:
        request = _request(args.name, args.admin)
    except msgspec.ValidationError as exc:
        return fail(f"bad token name {args.name!r}: {exc}")
    with _client(args) as client:
        created = client.create(request)
    if args.json:
        sys.stdout.write(json_line(created))
    else:
        print(created.token)
    kind = "an admin" if created.admin else "a player's"
    print(
        f"issued {kind} token named {created.name!r} on {client.url}; its key is printed "
        "this once, the platform keeps only its digest",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        infos = client.listing()
    if args.json:
        sys.stdout.write(json_line(infos))
        return 0
    table = Table("name", "kind", "created (UTC)", "revoked (UTC)")
    for info in infos:
        table.add_row(
            info.name,
            "admin" if info.admin else "player",
            f"{info.created_at:%Y-%m-%d %H:%M:%S}",
            f"{info.revoked_at:%Y-%m-%d %H:%M:%S}" if info.revoked_at else "",
        )
    Console().print(table)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        request = _request(args.name)
    except msgspec.ValidationError as exc:
        return fail(f"bad token name {args.name!r}: {exc}")
    with _client(args) as client:
        info = client.revoke(request.name)
    if args.json:
        sys.stdout.write(json_line(info))
    else:
        print(f"revoked {info.name!r} at {info.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
    return 0
