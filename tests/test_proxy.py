"""`mockserver proxy`: the client gets the upstream's answer byte for byte, and every request or
response that breaks the spec is logged with operation, direction and reason."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.cli import main
from mockserver.contract.proxy import ProxyOptions, Violation, ViolationLog, create_proxy_app
from tests.broken import reference
from tests.broken.variants import BROKEN
from tests.conftest import LiveServer, free_port

AUTH = {"Authorization": f"Bearer {reference.CONSUMER_KEY}"}


@dataclass
class Recorded:
    """What an upstream app put on the wire, to compare with what the client got."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


def recording(app: Any, seen: Recorded) -> Any:
    async def recorded(scope: Any, receive: Any, send: Any) -> None:
        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen.status, seen.headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                seen.body += message.get("body", b"")
            await send(message)

        await app(scope, receive, capture)

    return recorded


@contextmanager
def proxy_to(upstream: Any) -> Iterator[tuple[httpx.Client, ViolationLog]]:
    """A client talking to the proxy, the proxy to `upstream` (an ASGI app), both on loopback."""
    log = ViolationLog()
    with LiveServer(upstream) as up:
        proxy = create_proxy_app(ProxyOptions(upstream=up.url), log)
        with LiveServer(proxy) as front, httpx.Client(base_url=front.url, timeout=10) as client:
            yield client, log


def test_client_gets_the_upstream_answer_byte_for_byte_and_the_violation_is_logged() -> None:
    seen = Recorded()
    upstream = recording(BROKEN["missing required field"].app(), seen)

    with proxy_to(upstream) as (client, log):
        response = client.get("/api/v1/health", headers=AUTH)

    assert (response.status_code, response.content) == (seen.status, seen.body)
    assert response.headers["content-type"] == dict(seen.headers)[b"content-type"].decode()
    [violation] = log.violations
    assert (violation.operation, violation.direction, violation.status) == (
        "LxHealthController_check",
        "response",
        200,
    )
    assert "'buildSha' is a required property (at data)" in violation.reason


def test_compressed_answers_pass_through_as_sent_and_are_checked_decoded() -> None:
    body = gzip.compress(b'{"statusCode": 200, "message": "ok", "timestamp": "t", "data": {}}')

    async def gzipped_health(request: Request) -> Response:
        return Response(
            body,
            headers={
                "content-type": "application/json",
                "content-encoding": "gzip",
                "set-cookie": "a=1",
            },
        )

    upstream = Starlette(routes=[Route("/api/v1/health", gzipped_health)])
    with proxy_to(upstream) as (client, log), client.stream("GET", "/api/v1/health") as response:
        raw = b"".join(response.iter_raw())

    assert raw == body
    assert response.headers["content-encoding"] == "gzip"
    assert {v.reason for v in log.violations} == {
        "'ok' is a required property (at data)",
        "'surface' is a required property (at data)",
        "'version' is a required property (at data)",
        "'buildSha' is a required property (at data)",
    }


def test_request_that_breaks_the_spec_is_logged_and_still_forwarded() -> None:
    with proxy_to(reference.create_app()) as (client, log):
        response = client.post("/api/v1/sessions", headers=AUTH, json={"lat": "north"})

    assert response.status_code == 400 and response.json()["code"] == "INVALID_INPUT"  # upstream's
    reasons = {v.reason for v in log.violations if v.direction == "request"}
    assert reasons == {
        "'north' is not of type 'number' (at lat)",
        "'lng' is a required property (at body)",
        "'maxDurationSeconds' is a required property (at body)",
    }
    assert not [v for v in log.violations if v.direction == "response"]


def test_error_body_outside_the_envelope_is_a_response_violation() -> None:
    with proxy_to(BROKEN["error body outside the envelope"].app()) as (client, log):
        response = client.get("/api/v1/sessions/unknown", headers=AUTH)

    assert response.json() == {"error": "session not found"}
    reasons = [v.reason for v in log.violations]
    assert "'statusCode' is a required property (at body)" in reasons
    assert "envelope: `code` is missing" in reasons
    assert {v.operation for v in log.violations} == {"LxSessionsController_get"}


def test_call_to_a_path_the_spec_lacks_is_a_request_violation() -> None:
    with proxy_to(reference.create_app()) as (client, log):
        client.get("/api/v1/nope", headers=AUTH)

    [violation] = log.violations
    assert (violation.operation, violation.direction) == ("-", "request")
    assert violation.reason.startswith("Path not found for ")


def test_conforming_exchanges_log_nothing() -> None:
    with proxy_to(reference.create_app()) as (client, log):
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/sessions/unknown", headers=AUTH).status_code == 404

    assert (log.exchanges, log.violations) == (2, [])


def test_unreachable_upstream_gets_a_502_in_the_error_envelope() -> None:
    log = ViolationLog()
    proxy = create_proxy_app(ProxyOptions(upstream=f"http://127.0.0.1:{free_port()}"), log)
    with LiveServer(proxy) as front:
        response = httpx.get(front.url + "/api/v1/health", timeout=10)

    assert response.status_code == 502
    assert response.json()["code"] == "MOCK_UPSTREAM_UNAVAILABLE"
    assert (log.upstream_errors, log.violations) == (1, [])


def test_bad_upstream_url_is_a_tool_error_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["proxy", "--upstream", "localhost:4010"])

    assert code == 2
    assert capsys.readouterr().err == (
        "mockserver proxy: error: --upstream 'localhost:4010' is not an http(s) URL\n"
    )


def _wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the proxy did not start")


def proxy_cli(upstream_url: str, *flags: str) -> tuple[int, str, str]:
    """`mockserver proxy` in a process of its own: two calls to health, then SIGTERM."""
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "proxy", "--upstream", upstream_url]
    process = subprocess.Popen(
        [*command, "--port", str(port), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        _wait_for_port(port, process)
        httpx.get(f"http://127.0.0.1:{port}/api/v1/health", headers=AUTH, timeout=10)
        httpx.get(f"http://127.0.0.1:{port}/api/v1/health", headers=AUTH, timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    return process.returncode, out, err


def test_cli_prints_the_summary_on_exit_and_fails_on_violation() -> None:
    with LiveServer(BROKEN["missing required field"].app()) as up:
        code, out, err = proxy_cli(up.url, "--fail-on-violation")  # the same as --fail-on any

    assert code == 1
    assert out.splitlines() == [
        "proxy: 2 exchanges, 2 violations (0 request, 2 response)",
        "     2  response LxHealthController_check",
    ]
    assert err.count("VIOLATION response LxHealthController_check GET /api/v1/health -> 200: ") == 2


def test_cli_fails_only_on_the_kind_of_violation_asked_for() -> None:
    with LiveServer(BROKEN["missing required field"].app()) as up:
        code, out, _ = proxy_cli(up.url, "--fail-on", "request")

    assert code == 0  # the server broke the spec, the client did not
    assert out.splitlines()[0] == "proxy: 2 exchanges, 2 violations (0 request, 2 response)"


def test_fail_on_counts_requests_responses_or_both() -> None:
    log = ViolationLog()
    log.record([Violation("op", "response", "r", "GET", "/x", 200)])

    assert [len(log.violations_of(kind)) for kind in ("response", "request", "any")] == [1, 0, 1]
