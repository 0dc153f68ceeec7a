"""The platform over HTTP: the few calls the terminal makes, each answer decoded into its
contract, each failure one exception with a message a player can act on.

- ``PlatformUnavailable``: nothing answers (refused connection, timeout), or the platform
  answers 5xx; the message names the URL.
- ``PlatformRefused``: a 4xx problem document; ``status``, ``detail`` and ``field`` come from
  it, and a 401 says the token was refused (or, when none was given, how to give one).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import msgspec

from jost.contracts import (
    JobEvents,
    JobPage,
    JobResult,
    JobStatus,
    SimulationConfig,
    SubmitAccepted,
)
from jost.contracts.indices import AnalysisAccepted, AnalysisStatus, IndicesRequest
from jost.contracts.sweeps import SweepAccepted, SweepPage, SweepResults, SweepSpec, SweepStatus
from jost.files import atomic_write
from jost.terminal.paths import state_dir

T = TypeVar("T")
LOGIN_FILE = "login.json"
UNWAITED_PAUSE = 0.2
"""How long ``status_change`` pauses itself when the platform did not wait (no ETag)."""


class PlatformError(Exception):
    """Anything the platform did not do for us."""


class PlatformUnavailable(PlatformError):
    pass


class BadTarget(ValueError):
    """The platform's address or the token given is not one: the user's input (exit 2), not
    the platform."""


class PlatformRefused(PlatformError):
    def __init__(
        self, status: int, detail: str, field: str | None, url: str, no_token: bool = False
    ) -> None:
        if status == 401 and no_token:
            message = (
                f"no token given: use --token, JOST_TOKEN or jost login (the platform at {url} "
                "answered 401)"
            )
        elif status == 401:
            message = (
                f"the platform at {url} refused the token (401): give the right one with "
                "--token, JOST_TOKEN or jost login"
            )
        else:
            message = f"the platform refused ({status}): {detail}"
            if field:
                message += f" - at `{field}`"
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.field = field


class Login(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    token: str | None = None


def saved_login(state: Path | None = None) -> Login | None:
    path = (state or state_dir()) / LOGIN_FILE
    try:
        return msgspec.json.decode(path.read_bytes(), type=Login)
    except (FileNotFoundError, msgspec.DecodeError):
        return None


def check_url(url: str) -> str:
    """``url`` without a trailing slash when it is an http or https address with a host;
    else ``BadTarget`` saying what is wrong."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError as exc:
        raise BadTarget(f"{url!r} is not a platform address: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadTarget(
            f"{url!r} is not a platform address: give http://HOST[:PORT] or https://HOST[:PORT]"
        )
    return url.rstrip("/")


def check_token(token: str | None) -> str | None:
    """``token`` stripped, None for none; ``BadTarget`` when no HTTP header could carry it
    (httpx would fail on it with a traceback, or as a platform that does not answer). The
    message never repeats the token: it is a secret, even mistyped."""
    if token is None:
        return None
    token = token.strip()
    if not token:
        raise BadTarget("the token given is not one: it is blank")
    if not token.isascii() or not token.isprintable():
        raise BadTarget(
            "the token given is not one: a token is printable ASCII (no accents, no line "
            "breaks); check what --token, JOST_TOKEN or jost login gave"
        )
    return token


def save_login(url: str, token: str | None, state: Path | None = None) -> Path:
    """Save the address and token for later commands (the file is readable by its owner
    only: it holds a secret)."""
    path = (state or state_dir()) / LOGIN_FILE
    atomic_write(path, msgspec.json.encode(Login(url=url.rstrip("/"), token=token)), 0o600)
    return path


def resolve_target(url: str | None = None, token: str | None = None) -> tuple[str, str | None]:
    """The platform's address and token: the arguments, else ``JOST_URL``/``JOST_TOKEN``,
    else what ``jost login`` saved. Raises ``PlatformUnavailable`` when no address is known,
    ``BadTarget`` when the one given is not an address (httpx would raise on it, or take it
    for a platform that does not answer)."""
    login = saved_login()
    url = url or os.environ.get("JOST_URL") or (login.url if login else None)
    if not url:
        raise PlatformUnavailable(
            "no platform address: give --url, set JOST_URL or run jost login URL --token TOKEN"
        )
    url = check_url(url)
    if token is None:
        # The saved token goes with the saved address only.
        same = login is not None and login.url == url
        token = os.environ.get("JOST_TOKEN") or (login.token if same else None)
    return url, check_token(token)


class PlatformClient:
    def __init__(self, url: str, token: str | None, timeout: float = 10) -> None:
        self.url = url.rstrip("/")
        self.no_token = not token
        headers = {"Authorization": f"Token {token}"} if token else {}
        # A plain-HTTP platform (jost up, jost run) needs no TLS: building the default
        # context (the CA bundle) took 31 ms of each command's start. Only relative paths
        # are asked and redirects are not followed, so no request leaves for an https URL.
        tls = self.url.startswith("https://")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, verify=tls)
        self._tags: dict[str, str] = {}
        """The ETag of the last status read of each job (``status_change``)."""

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """The platform's answer to a request, when it is a success; else the error."""
        try:
            response = self._http.request(
                method, path, content=body, headers=headers, params=params
            )
        except httpx.TimeoutException as exc:
            raise PlatformUnavailable(
                f"the platform at {self.url} did not answer in time ({method} {path})"
            ) from exc
        except httpx.TransportError as exc:
            raise PlatformUnavailable(
                f"no platform answers at {self.url} ({type(exc).__name__}: {exc})"
            ) from exc
        if response.status_code >= 500:
            raise PlatformUnavailable(
                f"the platform at {self.url} failed ({response.status_code}): "
                f"{_problem(response)[0]}"
            )
        if response.status_code >= 400:
            detail, field = _problem(response)
            raise PlatformRefused(response.status_code, detail, field, self.url, self.no_token)
        return response

    def _call(
        self,
        method: str,
        path: str,
        type_: type[T] | None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = self._request(method, path, body=body, headers=headers, params=params)
        return self._decoded(response, type_, method, path)

    def _decoded(
        self, response: httpx.Response, type_: type[T] | None, method: str, path: str
    ) -> Any:
        if type_ is None:
            return msgspec.json.decode(response.content)
        try:
            return msgspec.json.decode(response.content, type=type_)
        except msgspec.DecodeError as exc:
            raise PlatformUnavailable(
                f"the platform at {self.url} answered {method} {path} with something this "
                f"terminal cannot read ({exc}): is it a JOST platform of this version?"
            ) from exc

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/api/health/", None)

    def defaults(self) -> dict[str, Any]:
        """The standard profiles, ``{kind: {name: document}}``."""
        return self._call("GET", "/api/defaults/", None)

    def submit(self, config: SimulationConfig, idempotency_key: str | None) -> SubmitAccepted:
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self._call(
            "POST",
            "/api/submit/",
            SubmitAccepted,
            body=msgspec.json.encode(config),
            headers=headers,
        )

    def status(self, job_id: str) -> JobStatus:
        return self._call("GET", f"/api/status/{job_id}/", JobStatus)

    def status_change(self, job_id: str, last: JobStatus | None, wait: float) -> JobStatus:
        """The job's status once it differs from ``last``, waiting up to ``wait`` seconds on
        the platform for the change (``last`` again when none came): a follower that asks
        again at once sees each change as it is folded, with no polling."""
        headers, params = {}, {}
        if last is not None and (tag := self._tags.get(job_id)):
            headers["If-None-Match"] = tag
            params["wait"] = wait
        path = f"/api/status/{job_id}/"
        response = self._request("GET", path, headers=headers, params=params)
        if response.status_code == 304 and last is not None:
            return last
        status = self._decoded(response, JobStatus, "GET", path)
        if tag := response.headers.get("ETag"):
            self._tags[job_id] = tag
        elif status == last:
            # A platform that cannot wait (no ETag): a follower that asks again at once would
            # ask in a tight loop, so the wait is spent here.
            time.sleep(min(wait, UNWAITED_PAUSE))
        return status

    def result(self, job_id: str) -> JobResult:
        return self._call("GET", f"/api/results/{job_id}/", JobResult)

    def jobs(self, offset: int = 0, limit: int = 50) -> JobPage:
        return self._call("GET", "/api/jobs/", JobPage, params={"offset": offset, "limit": limit})

    def events(self, job_id: str) -> JobEvents:
        return self._call("GET", f"/api/jobs/{job_id}/events/", JobEvents)

    def submit_indices(self, request: IndicesRequest) -> AnalysisAccepted:
        """An index analysis (``jost indices`` run by the platform's workers), under a key
        made of the request: the same request asked again (from the CLI or the terminal) is
        the same analysis, and a finished one answers at once."""
        digest = hashlib.sha256(msgspec.json.encode(request)).hexdigest()[:40]
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"indices-{digest}"}
        return self._call(
            "POST",
            "/api/indices/",
            AnalysisAccepted,
            body=msgspec.json.encode(request),
            headers=headers,
        )

    def analysis(self, analysis_id: str) -> AnalysisStatus:
        return self._call("GET", f"/api/indices/{analysis_id}/", AnalysisStatus)

    # -- Sweeps (issue 17) -------------------------------------------------------------------

    def submit_sweep(self, spec: SweepSpec, idempotency_key: str | None) -> SweepAccepted:
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self._call(
            "POST", "/api/sweeps/", SweepAccepted, body=msgspec.json.encode(spec), headers=headers
        )

    def sweeps(self, offset: int = 0, limit: int = 20) -> SweepPage:
        return self._call(
            "GET", "/api/sweeps/", SweepPage, params={"offset": offset, "limit": limit}
        )

    def sweep_status(self, sweep_id: str) -> SweepStatus:
        return self._call("GET", f"/api/sweeps/{sweep_id}/", SweepStatus)

    def sweep_results(self, sweep_id: str) -> SweepResults:
        return self._call("GET", f"/api/sweeps/{sweep_id}/results/", SweepResults)

    def sweep_csv(self, sweep_id: str) -> str:
        """The results table as the platform's CSV."""
        return self._request(
            "GET", f"/api/sweeps/{sweep_id}/results/", params={"format": "csv"}
        ).text

    def cancel_sweep(self, sweep_id: str) -> SweepStatus:
        return self._call("POST", f"/api/sweeps/{sweep_id}/cancel/", SweepStatus)


def _problem(response: httpx.Response) -> tuple[str, str | None]:
    """A problem document's detail and field (or the body's start when it is not one)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "detail" in body:
        field = body.get("field")
        return str(body["detail"]), str(field) if field is not None else None
    text = response.text.strip()[:200]
    return text or response.reason_phrase, None
