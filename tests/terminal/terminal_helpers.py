"""Helpers of the terminal's tests: the platform's test fixtures module (tests/platform/
conftest.py, loaded by path under its own name, since both folders' conftest modules are
named "conftest"), ``Player``, ``jost`` run as a player does, and ``TokenStub``, a platform
that only checks tokens. A module of its own so that
tests import it by a name no other folder uses."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jost.cli.platform import JOST_COMMAND
from jost.defaults.standard import standard_profiles

REPO = Path(__file__).resolve().parents[2]

_spec = importlib.util.spec_from_file_location(
    "jost_platform_fixtures", REPO / "tests" / "platform" / "conftest.py"
)
platform_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(platform_fixtures)


class Player:
    """``jost`` run as a subprocess with ``JOST_PROFILES`` and ``JOST_TERMINAL_STATE`` in a
    temporary folder and no platform address or token from the environment."""

    def __init__(self, tmp_path: Path) -> None:
        self.profiles = tmp_path / "profiles"
        self.state = tmp_path / "state"
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("JOST_URL", "JOST_TOKEN", "EDITOR")
        }
        self.env.update(JOST_PROFILES=str(self.profiles), JOST_TERMINAL_STATE=str(self.state))

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*JOST_COMMAND, *args],
            input=input,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            cwd=REPO,
            timeout=300,
        )


class TokenStub:
    """A stand-in platform that checks tokens only: ``/api/defaults/`` answers anyone (the
    standard profiles), ``/api/jobs/`` answers an empty page to ``Token GOOD``, and every
    other request, or one without that token, is answered 401 as the platform does. A context
    manager; ``url`` is its address, ``paths`` the paths asked for."""

    GOOD = "good-token"

    def __init__(self) -> None:
        stub = self
        self.paths: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.paths.append(self.path)
                good = self.headers.get("Authorization") == f"Token {stub.GOOD}"
                if self.path.startswith("/api/defaults/"):
                    self._answer(200, standard_profiles())
                elif good and self.path.startswith("/api/jobs/"):
                    self._answer(200, {"jobs": [], "offset": 0, "limit": 1, "next_offset": None})
                else:
                    self._answer(401, {"detail": "unknown token", "field": "Authorization"})

            do_POST = do_GET

            def _answer(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TokenStub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
