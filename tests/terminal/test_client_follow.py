"""``PlatformClient``: its TLS set-up, and ``status_change`` against a platform that cannot wait
for a change (no ETag): a follower that asks again at once must not ask in a tight loop. A
stand-in server for this one function (the real platform always waits:
tests/platform/test_api.py)."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import msgspec
import pytest

from jost.contracts import JobStatus
from jost.terminal.client import UNWAITED_PAUSE, PlatformClient

STATUS = msgspec.json.encode(
    {
        "job_id": "j",
        "status": "running",
        "shards_done": 1,
        "shards_total": 4,
        "submitted_at": "2026-12-02T00:00:00Z",
        "rounds": 4_000,
    }
)


class _NoETag(BaseHTTPRequestHandler):
    reads = 0

    def do_GET(self) -> None:  # the stdlib names it
        type(self).reads += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(STATUS)))
        self.end_headers()
        self.wfile.write(STATUS)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def no_etag_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoETag)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_follower_of_a_platform_without_etags_pauses_between_reads(no_etag_url: str):
    _NoETag.reads = 0
    last: JobStatus | None = None
    started = time.monotonic()
    with PlatformClient(no_etag_url, "token") as client:
        while time.monotonic() - started < 1.0:
            last = client.status_change("j", last, 5.0)
    assert last is not None and last.shards_done == 1
    # One read, then one per pause: a tight loop would make hundreds.
    assert _NoETag.reads <= 1 / UNWAITED_PAUSE + 2, _NoETag.reads


def test_a_platform_over_https_is_still_verified_and_plain_http_skips_tls_set_up():
    """Plain HTTP builds no CA bundle (31 ms of every command's start); HTTPS verifies the
    platform's certificate and name as before."""
    for url, verified in (("http://127.0.0.1:8000", False), ("https://jost.example", True)):
        with PlatformClient(url, "token") as client:
            context = client._http._transport._pool._ssl_context
            assert (context.verify_mode == ssl.CERT_REQUIRED) is verified, url
            assert context.check_hostname is verified, url
