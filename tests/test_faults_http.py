"""Network faults through the whole mock, seen from a raw socket: per request (`Prefer: fault=`),
from runtime rules, and after commit (the world applied the call, then the connection broke)."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import CONSUMER_KEY, LIVE_SESSION, OPERATOR_KEY, LiveServer

TOKEN = f"/api/v1/sessions/{LIVE_SESSION}/producer-token"
BOGOTA = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600}


def raw(
    server: LiveServer,
    method: str,
    path: str,
    namespace: str,
    *,
    key: str = OPERATOR_KEY,
    prefer: str = "",
    body: Any = None,
) -> socket.socket:
    """A request written by hand on a fresh connection; the caller reads what comes back."""
    payload = orjson.dumps(body) if body is not None else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {key}",
        f"X-Mock-Namespace: {namespace}",
        f"Content-Length: {len(payload)}",
        "Connection: close",
    ]
    if payload:
        lines.append("Content-Type: application/json")
    if prefer:
        lines.append(f"Prefer: {prefer}")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall("\r\n".join(lines).encode() + b"\r\n\r\n" + payload)
    return sock


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def assert_reset(sock: socket.socket) -> None:
    with sock, pytest.raises(ConnectionResetError):
        read_all(sock)


def journal(http: httpx.Client, namespace: str) -> list[dict[str, Any]]:
    response = http.get("/__mock/requests", headers={"X-Mock-Namespace": namespace})
    return list(response.json()["data"]["requests"])


def sessions(http: httpx.Client, namespace: str) -> list[dict[str, Any]]:
    headers = {"X-Mock-Namespace": namespace, "Authorization": f"Bearer {CONSUMER_KEY}"}
    response = http.get("/api/v1/sessions", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_connection_reset(server: LiveServer) -> None:
    assert_reset(raw(server, "GET", TOKEN, "f-reset", prefer="fault=connection-reset"))


def test_empty_response(server: LiveServer) -> None:
    with raw(server, "GET", TOKEN, "f-empty", prefer="fault=empty-response") as sock:
        assert read_all(sock) == b""


def test_malformed_chunk(server: LiveServer) -> None:
    with raw(server, "GET", TOKEN, "f-chunk", prefer="fault=malformed-chunk") as sock:
        head, _, rest = read_all(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
    with pytest.raises(ValueError):
        int(rest.split(b"\r\n", 1)[0], 16)


def test_random_data_then_close(server: LiveServer) -> None:
    with raw(server, "GET", TOKEN, "f-random", prefer="fault=random-data-then-close") as sock:
        data = read_all(sock)
    assert data and not data.startswith(b"HTTP/")


def test_hang_then_close(server: LiveServer) -> None:
    with raw(server, "GET", TOKEN, "f-hang", prefer="fault=hang:0.5") as sock:
        assert read_all(sock) == b""  # nothing at all, then the close


def test_dribble_delivers_the_worlds_answer(server: LiveServer) -> None:
    with raw(server, "GET", TOKEN, "f-dribble", prefer="fault=dribble:300") as sock:
        data = read_all(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert orjson.loads(body)["data"]["whipUrl"].startswith("https://")


def test_a_fault_before_commit_leaves_the_world_untouched(
    server: LiveServer, http: httpx.Client
) -> None:
    before = len(sessions(http, "f-before"))
    prefer = "fault=connection-reset"
    assert_reset(
        raw(
            server,
            "POST",
            "/api/v1/sessions",
            "f-before",
            key=CONSUMER_KEY,
            body=BOGOTA,
            prefer=prefer,
        )
    )
    assert len(sessions(http, "f-before")) == before
    (entry, _) = journal(http, "f-before")[1:]  # newest first: listing, reset call, listing
    assert entry["decidedBy"] == "override" and entry["afterCommit"] is False
    assert entry["response"]["status"] is None  # the client got no answer, not a 200


def test_an_after_commit_reset_leaves_the_session_created(
    server: LiveServer, http: httpx.Client
) -> None:
    namespace = "f-after"
    before = {s["id"] for s in sessions(http, namespace)}
    rule = {
        "operations": ["LxSessionsController_create"],
        "times": 1,
        "fault": "connection-reset",
        "afterCommit": True,
    }
    added = http.post("/__mock/rules", json=rule, headers={"X-Mock-Namespace": namespace})
    assert added.status_code == 200, added.text
    assert_reset(raw(server, "POST", "/api/v1/sessions", namespace, key=CONSUMER_KEY, body=BOGOTA))
    created = [s for s in sessions(http, namespace) if s["id"] not in before]
    assert len(created) == 1 and created[0]["state"] == "REQUESTED"
    entry = journal(http, namespace)[1]  # the reset call, under the listing after it
    assert entry["operationId"] == "LxSessionsController_create"
    assert (entry["decidedBy"], entry["fault"], entry["afterCommit"]) == (
        "world",
        "connection-reset",
        True,
    )
    assert entry["response"]["json"]["data"]["id"] == created[0]["id"]
    assert entry["response"]["status"] == 200  # what the world answered, though it never arrived


def test_prefer_after_commit_breaks_a_world_error_too(
    server: LiveServer, http: httpx.Client
) -> None:
    missing = "/api/v1/sessions/00000000-0000-4000-8000-000000000000/producer-token"
    prefer = "fault=empty-response, after-commit=true"
    with raw(server, "GET", missing, "f-after-error", prefer=prefer) as sock:
        assert read_all(sock) == b""
    (entry,) = journal(http, "f-after-error")
    assert entry["response"]["status"] == 404 and entry["afterCommit"] is True


def test_a_bad_fault_word_is_refused(http: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {OPERATOR_KEY}", "Prefer": "fault=teleport"}
    response = http.get(TOKEN, headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "MOCK_BAD_PREFER"
