"""No input gives a 5xx (issue 9): the four reproductions, each answered 4xx in the envelope, and
the namespace answering its reads afterwards; a forged cookie; a WebSocket upgrade; the mock's
own refusals in the envelope. The property test over every operation is test_hostile_fuzz.py."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import socket
from typing import Any

import httpx

from mockserver.clock import LATEST
from mockserver.settings import MAX_BODY_BYTES
from tests.test_world_auth import as_wallet, sign_in
from tests.world_client import (
    BOGOTA,
    CONSUMER,
    CONSUMER_WS,
    OWNER_WALLET,
    Lx,
    lx_fixture,
    world_server,
)

__all__ = ["lx_fixture"]
SURROGATE_BODY = b'{"name": "B\\ud800"}'
HUGE = b"9" * 5000


def reads_still_answer(lx: Lx, cookie: str | None = None) -> None:
    assert lx.ok("GET", "/sessions")
    assert lx.ok("GET", "/wallet")
    assert lx.ok("GET", f"/workspaces/{CONSUMER_WS}")
    if cookie is not None:
        assert lx.ok("GET", "/workspaces", None, **as_wallet(cookie)) is not None


def test_a_lone_surrogate_is_refused_where_the_world_would_store_it(lx: Lx) -> None:
    cookie = sign_in(lx)
    json_type = {"Content-Type": "application/json"}
    patched = lx.fails(
        400, "INVALID_INPUT", "PATCH", f"/workspaces/{CONSUMER_WS}", None,
        content=SURROGATE_BODY, **as_wallet(cookie, headers=json_type),
    )  # fmt: skip
    assert patched["detail"] == "body.name:invalidUnicode"
    label = b'{"label": "ci \\udc00 key", "environment": "test", "scopes": ["sessions:read"]}'
    created = lx.fails(
        400, "INVALID_INPUT", "POST", f"/workspaces/{CONSUMER_WS}/api-keys", None,
        content=label, **as_wallet(cookie, headers=json_type),
    )  # fmt: skip
    assert created["detail"] == "body.label:invalidUnicode"
    # a valid pair is text, and kept
    pair = b'{"name": "Cam \\ud83d\\ude00"}'
    ok = lx.call(
        "PATCH", f"/workspaces/{CONSUMER_WS}", None, content=pair,
        **as_wallet(cookie, headers=json_type),
    )  # fmt: skip
    assert ok.status_code == 200 and ok.json()["data"]["name"] == "Cam \U0001f600"
    reads_still_answer(lx, cookie)


def test_numbers_beyond_what_json_holds_are_400(lx: Lx) -> None:
    for body in (
        b'{"lat": 4.66, "lng": -74.05, "maxDurationSeconds": ' + HUGE + b"}",
        b'{"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60, "extra": [' + HUGE + b"]}",
        b'{"lat": 1e999, "lng": -74.05, "maxDurationSeconds": 60}',
        b'{"lat": NaN, "lng": -74.05, "maxDurationSeconds": 60}',
    ):
        refused = lx.fails(
            400, "INVALID_INPUT", "POST", "/sessions", CONSUMER, content=body,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert refused["detail"].split(":")[1] in ("numberTooLarge", "notJson")
    # beyond 64 bits but within a double: read as the number it is, and judged as one
    big = {**BOGOTA, "maxDurationSeconds": 2**70}
    lx.fails(402, "INSUFFICIENT_CREDIT", "POST", "/sessions", json=big)
    reads_still_answer(lx)


def test_the_clock_refuses_to_leave_its_range_and_the_world_keeps_answering(lx: Lx) -> None:
    http, space = lx.http, {"X-Mock-Namespace": lx.namespace}
    start = http.get("/__mock/clock", headers=space).json()["data"]
    ten_years = 10 * 365 * 24 * 3600
    moved = 0
    while True:
        response = http.post("/__mock/clock", json={"advance": ten_years}, headers=space)
        if response.status_code != 200:
            break
        moved += 1
        assert moved < 1000
    assert response.status_code == 422 and response.json()["code"] == "MOCK_CLOCK_OUT_OF_RANGE"
    now = http.get("/__mock/clock", headers=space).json()["data"]
    assert now["now"] > start["now"] and now["now"].startswith(("99", "98"))
    refused = http.post(
        "/__mock/clock", json={"advance": ten_years, "freeze": False}, headers=space
    )
    assert refused.status_code == 422
    assert http.get("/__mock/clock", headers=space).json()["data"] == now  # nothing changed
    # get as close to the edge as the clock allows, then use the world
    gap = LATEST - lx.world.clock.now()
    assert http.post("/__mock/clock", json={"advance": int(gap)}, headers=space).status_code == 200
    lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": OWNER_WALLET})
    cookie = sign_in(lx)
    quote = lx.ok("GET", "/pricing/quote", params={**BOGOTA, "durationSeconds": 60})
    created = lx.ok("POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 60})
    assert quote["expiresAt"].startswith("9999") and created["state"] == "REQUESTED"
    reads_still_answer(lx, cookie)


def _cookie(secret: bytes, payload: dict[str, Any]) -> str:
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    body = b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"lx_session={body}.{b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())}"


def test_forged_and_tampered_wallet_cookies_are_401(lx: Lx) -> None:
    payload = {"w": OWNER_WALLET, "ws": CONSUMER_WS, "exp": 4e9}
    forged = _cookie(b"mock-lx-session-secret", payload)  # the old public constant
    lx.fails(401, "NOT_AUTHENTICATED", "GET", "/me", None, headers={"Cookie": forged})
    real = sign_in(lx)
    body, mac = real.split("=", 1)[1].split(".")
    tampered = f"lx_session={body[:-2]}AA.{mac}"
    lx.fails(401, "NOT_AUTHENTICATED", "GET", "/me", None, headers={"Cookie": tampered})
    assert lx.ok("GET", "/me", None, headers={"Cookie": real})


def test_a_websocket_upgrade_is_refused_cleanly() -> None:
    server = world_server()
    request = (
        "GET /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 403"), answer[:200]
    assert b"Traceback" not in answer


def test_the_mocks_own_refusals_are_in_the_envelope() -> None:
    with httpx.Client(base_url=world_server().url, timeout=10) as http:
        for method, path, status in [
            ("POST", "/openapi.json", 405),
            ("DELETE", "/ui/", 405),
            ("GET", "/ui/x", 404),
            ("GET", "/nowhere", 404),
            ("PUT", "/api/v1/sessions", 405),
            ("GET", "/__mock/nowhere", 404),
        ]:
            response = http.request(method, path)
            assert response.status_code == status, (method, path)
            body = response.json()
            assert body["statusCode"] == status and body["code"] and body["detail"]
        allow = http.put("/api/v1/sessions").headers["allow"]
        assert allow == "GET, POST"
        assert http.post("/openapi.json").headers["allow"] == "GET, HEAD"


def test_a_namespace_with_a_trailing_newline_is_refused(lx: Lx) -> None:
    """`$` in a pattern also matches before a final newline; a namespace is matched whole. (The
    spec's own patterns keep Python's reading, as request validation has it: see
    test_fast_validation_http.py.)"""
    asked = lx.http.get(
        "/api/v1/sessions",
        params={"__namespace": "qa\n"},
        headers={"Authorization": f"Bearer {CONSUMER}"},
    )
    assert (asked.status_code, asked.json()["code"]) == (422, "MOCK_BAD_NAMESPACE")
    reads_still_answer(lx)


def test_a_quote_for_more_seconds_than_a_number_holds_is_400(lx: Lx) -> None:
    """Beyond what a JavaScript client can write (Number.MAX_VALUE): no 5xx, no endless total."""
    for seconds in ("1e+4400", "1e+999999"):
        too_long = lx.fails(
            400, "INVALID_INPUT", "GET", "/pricing/quote",
            params={**BOGOTA, "durationSeconds": seconds},
        )  # fmt: skip
        assert too_long["detail"] == "query.durationSeconds:range"
    longest = lx.ok("GET", "/pricing/quote", params={**BOGOTA, "durationSeconds": "1e+308"})
    assert longest["estimatedTotalMicroUsdc"].isdigit()
    reads_still_answer(lx)


def test_a_declared_length_with_blanks_after_it_is_still_bounded(lx: Lx) -> None:
    """The parser takes `Content-Length: N  `; the body limit reads N the same way."""
    body = b'{"pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    head = (
        f"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nX-Mock-Namespace: {lx.namespace}\r\n"
        f"Authorization: Bearer {CONSUMER}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}  \r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", lx.server.port), timeout=10) as sock:
        with contextlib.suppress(OSError):  # answered and closed before the whole body went
            sock.sendall(head + body)
        answer = b""
        with contextlib.suppress(OSError):
            while b"}" not in answer and (chunk := sock.recv(65536)):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"body:tooLarge" in answer
    reads_still_answer(lx)


def test_a_declared_length_of_thousands_of_digits_is_read_as_its_number(lx: Lx) -> None:
    """The parser takes any number of leading zeros; int() refuses over 4,300 digits (a 500)."""
    for length, expected in [(b"0" * 5000 + b"2", b"HTTP/1.1 400"), (b"9" * 5000, b"HTTP/1.1 400")]:
        head = (
            b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Authorization: Bearer " + CONSUMER.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + length + b"\r\n\r\n{}"
        )
        with socket.create_connection(("127.0.0.1", lx.server.port), timeout=10) as sock:
            with contextlib.suppress(OSError):
                sock.sendall(head)
            answer = b""
            with contextlib.suppress(OSError):
                while chunk := sock.recv(65536):
                    answer += chunk
        assert answer.startswith(expected), answer[:300]
        assert b"mock:bug" not in answer and b"Traceback" not in answer
    reads_still_answer(lx)
