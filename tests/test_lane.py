"""A route the mock has seen takes a shorter way in (middleware/lane.py): every check the first
call met is met again, with the same answer, on every later call."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver.app import MockApp, create_app
from mockserver.settings import Settings
from tests.conftest import CONSUMER_KEY, OPERATOR_KEY, LiveServer

LIVE = "b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a"
BIG = 2 * 1024 * 1024

# (method, path, headers, body): each a different check, on paths a client calls again and again
CALLS: list[tuple[str, str, dict[str, str], Any]] = [
    (
        "GET",
        f"/api/v1/sessions/{LIVE}/producer-token",
        {"Authorization": f"Bearer {OPERATOR_KEY}"},
        None,
    ),
    ("GET", f"/api/v1/sessions/{LIVE}/producer-token", {}, None),  # no credential: 401
    ("GET", "/api/v1/sessions?limit=zero", {"Authorization": f"Bearer {CONSUMER_KEY}"}, None),
    ("POST", "/api/v1/sessions", {"Authorization": f"Bearer {CONSUMER_KEY}"}, {"lat": 91}),
    ("POST", "/api/v1/sessions", {"Authorization": f"Bearer {CONSUMER_KEY}"}, "not json"),
    ("POST", "/api/v1/sessions", {"Authorization": "Bearer"}, {"lat": 1, "lng": 2}),
]


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "validated-responses"])
def mock(request: pytest.FixtureRequest) -> Iterator[MockApp]:
    yield create_app(Settings(validate_responses=request.param))


def answer(app: MockApp, method: str, path: str, headers: dict[str, str], body: Any) -> Any:
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=10) as client:
        answers = []
        for _ in range(3):  # the first call routes through the stack; the next ones do not
            if isinstance(body, str):
                content: Any = body.encode()
                headers = {**headers, "Content-Type": "application/json"}
            else:
                content = None if body is None else httpx.Request("POST", "/", json=body).content
                headers = {**headers, "Content-Type": "application/json"}
            request = client.build_request(method, path, headers=headers, content=content)
            response = client.send(request)
            envelope = response.json()
            answers.append((response.status_code, envelope.get("code"), envelope.get("detail")))
        return answers


@pytest.mark.parametrize(
    "call", CALLS, ids=[f"{c[0]} {c[1][:40]} {i}" for i, c in enumerate(CALLS)]
)
def test_every_later_call_meets_the_checks_the_first_met(mock: MockApp, call: Any) -> None:
    first, *later = answer(mock, *call)
    assert all(each == first for each in later), (first, later)


def test_a_known_route_still_reads_a_chunked_body_under_the_limit(mock: MockApp) -> None:
    def chunks(size: int) -> Iterator[bytes]:
        yield b'{"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600, "pad": "'
        yield b"x" * size
        yield b'"}'

    headers = {"Authorization": f"Bearer {CONSUMER_KEY}", "Content-Type": "application/json"}
    with LiveServer(mock) as live, httpx.Client(base_url=live.url, timeout=10) as client:
        statuses = [
            client.post("/api/v1/sessions", headers=headers, content=chunks(size)).status_code
            for size in (10, BIG, 10)
        ]
    assert statuses[1] == 400  # over the limit, chunked: refused on the known route too
    assert statuses[0] == statuses[2] != 400


def test_a_known_route_refuses_a_declared_body_over_the_limit_before_reading_it(
    mock: MockApp,
) -> None:
    head = (
        f"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {CONSUMER_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {BIG}\r\n\r\n"
    ).encode()
    with LiveServer(mock) as live:
        firsts = []
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", live.port), timeout=5) as conn:
                conn.sendall(head)  # and no body: the answer must not wait for it
                firsts.append(conn.recv(65536).split(b"\r\n", 1)[0])
    assert firsts == [b"HTTP/1.1 400 Bad Request"] * 3
