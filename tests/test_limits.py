"""The memory ceiling inside a world, and per connection (issue 9; docs/limits.md): closed
sessions kept per workspace, expired quotes and nonces forgotten, GET /sessions in pages, and a
request head that cannot grow without bound."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from mockserver import http_limits
from mockserver.luxxon.world.paging import NEXT_CURSOR
from tests.conftest import free_port
from tests.world_client import BOGOTA, CONSUMER_WS, OWNER_WALLET, Lx, lx_fixture

__all__ = ["lx_fixture"]
RESET = b"<connection reset>"


def keep_closed(lx: Lx, n: int) -> None:
    """This namespace's world again, from the fixture with `sessions.keepClosed: n`."""
    worlds = lx.server.app.worlds
    fixture = worlds.fixture
    worlds.fixture = dataclasses.replace(
        fixture, rules=dataclasses.replace(fixture.rules, keep_closed=n)
    )
    try:
        worlds.reset(lx.namespace)
        lx.freeze()
    finally:
        worlds.fixture = fixture


def test_each_workspace_keeps_its_latest_closed_sessions(lx: Lx) -> None:
    keep_closed(lx, 3)
    cancelled = []
    for _ in range(6):
        sid = lx.create(maxDurationSeconds=60)["id"]
        lx.ok("DELETE", f"/sessions/{sid}")
        cancelled.append(sid)
    listed = lx.ok("GET", "/sessions")
    closed = [s["id"] for s in listed if s["state"] in ("ENDED", "EXPIRED", "CANCELLED")]
    assert closed == cancelled[:2:-1]  # the latest three, newest first
    assert cancelled[0] not in lx.world.store.sessions
    lx.fails(404, "SESSION_NOT_FOUND", "GET", f"/sessions/{cancelled[0]}")
    assert lx.session(cancelled[-1])["state"] == "CANCELLED"


def test_a_wallet_ledger_keeps_its_latest_events(lx: Lx) -> None:
    from mockserver.luxxon.world import money

    keep_closed(lx, 4)  # the ledger keeps two events per kept closed session: 8
    store = lx.world.store
    workspace = store.workspaces[CONSUMER_WS]
    for amount in range(1, 41):
        money.deposit(store, workspace, amount, lx.world.clock.now())
    events = lx.ok("GET", "/wallet/events", params={"limit": 100})
    assert 8 <= len(events) <= 10
    assert events[-1]["amountUsdc"] == "40"  # the newest is always kept
    cursor = events[0]["id"]
    assert lx.ok("GET", "/wallet/events", params={"cursor": cursor})[0] == events[1]


def test_expired_quotes_and_nonces_are_forgotten_as_the_clock_passes(lx: Lx) -> None:
    lx.freeze()
    store = lx.world.store
    quote = lx.ok("GET", "/pricing/quote", params={**BOGOTA, "durationSeconds": 60})
    lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": OWNER_WALLET})
    assert quote["quoteId"] in store.quotes and len(store.nonces) == 1
    rules = store.rules
    lx.advance(rules.quote_ttl + 1)
    expired = lx.fails(409, "QUOTE_EXPIRED", "POST", "/sessions",
                       json={**BOGOTA, "maxDurationSeconds": 60, "quoteId": quote["quoteId"]})  # fmt: skip
    assert expired["detail"] == "quote:expired"  # still known for a while
    lx.advance(max(rules.quote_ttl, rules.nonce_ttl) + rules.keep_expired)
    lx.ok("GET", "/wallet")  # any call lets the world catch up with its clock
    assert not store.quotes and not store.nonces


def test_get_sessions_pages_newest_first_with_a_next_cursor(lx: Lx) -> None:
    lx.freeze()
    everything = [s["id"] for s in lx.ok("GET", "/sessions")]
    for _ in range(3):
        lx.create(maxDurationSeconds=60)
    everything = [s["id"] for s in lx.ok("GET", "/sessions", params={"limit": 500})]
    pages: list[list[str]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        response = lx.call("GET", "/sessions", params=params)
        assert response.status_code == 200
        pages.append([s["id"] for s in response.json()["data"]])
        if NEXT_CURSOR.lower() not in response.headers:
            break
        assert response.headers[NEXT_CURSOR] == pages[-1][-1]
        params = {"limit": 2, "cursor": response.headers[NEXT_CURSOR]}
    assert [sid for page in pages for sid in page] == everything
    assert all(len(page) == 2 for page in pages[:-1])
    lx.fails(400, "INVALID_INPUT", "GET", "/sessions", params={"cursor": "nope"})
    lx.fails(400, "INVALID_INPUT", "GET", "/sessions", params={"limit": 0})
    assert len(lx.ok("GET", "/sessions", params={"limit": 10**9})) == len(everything)


@pytest.fixture
def bounded_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A bare app behind uvicorn with the mock's HTTP limits (head and idle time shortened)."""
    yield from _bounded(monkeypatch, head_s=0.5, idle_s=0.5)


@pytest.fixture
def patient_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The same, with a head time well over the keep-alive time."""
    yield from _bounded(monkeypatch, head_s=3.0, idle_s=0.3)


def _bounded(monkeypatch: pytest.MonkeyPatch, head_s: float, idle_s: float) -> Iterator[int]:
    monkeypatch.setattr(http_limits, "HEAD_TIMEOUT_S", head_s)
    monkeypatch.setattr(http_limits, "KEEP_ALIVE_S", idle_s)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/slow":  # longer than the head time
            await asyncio.sleep(2 * head_s)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical",
                            lifespan="off", **http_limits.uvicorn_options())  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with contextlib.suppress(OSError):  # closed on us mid-send: what we read says why
            sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"ok" in answer:
                    break
        except ConnectionResetError:  # closed with our bytes unread: a refusal too
            return answer or RESET
        return answer


def test_a_request_head_over_the_limit_is_refused_and_closed(bounded_server: int) -> None:
    fine = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 1000 + b"\r\n\r\n"
    assert _exchange(bounded_server, fine).startswith(b"HTTP/1.1 200")
    huge = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (2 * http_limits.MAX_HEAD_BYTES)
    long_url = b"GET /" + b"u" * (2 * http_limits.MAX_HEAD_BYTES) + b" HTTP/1.1\r\n\r\n"
    for head in (huge + b"\r\n\r\n", long_url):
        answer = _exchange(bounded_server, head)
        assert answer.startswith(b"HTTP/1.1 400") or answer == RESET, answer[:100]


def test_an_unfinished_request_head_is_closed(bounded_server: int) -> None:
    # never finished: the server closes the connection (recv returns b"" instead of hanging)
    assert _exchange(bounded_server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ") == b""
    assert _exchange(bounded_server, b"") == b""  # a connection that sends nothing at all
    assert CONSUMER_WS  # the world tests' ids stay importable from here


def test_an_unfinished_head_after_answered_requests_is_closed_too(bounded_server: int) -> None:
    """One timer per connection: it must still catch a head that starts long after the
    connection did, behind requests that were answered."""
    with socket.create_connection(("127.0.0.1", bounded_server), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while b"ok" not in answer:
                answer += sock.recv(65536)
            time.sleep(0.3)  # past the first timer's turn (0.5 s) before the slow head comes
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert sock.recv(65536) == b""  # closed (a hang would end in the socket's timeout)


def _ask(sock: socket.socket) -> bytes:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = b""
    while b"ok" not in answer and (chunk := sock.recv(65536)):
        answer += chunk
    return answer


def test_an_idle_keep_alive_connection_is_closed(bounded_server: int) -> None:
    with socket.create_connection(("127.0.0.1", bounded_server), timeout=10) as sock:
        assert _ask(sock).startswith(b"HTTP/1.1 200")
        assert sock.recv(65536) == b""  # closed after the keep-alive time, not at the timeout


def test_a_head_that_came_with_the_last_request_gets_the_head_time(patient_server: int) -> None:
    """A second request whose unfinished head came in the same packet as the first: answering
    the first does not start the keep-alive time, so finishing the head later still gets its
    answer (it was closed at the keep-alive time)."""
    with socket.create_connection(("127.0.0.1", patient_server), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n")
        answer = b""
        while b"ok" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        time.sleep(0.9)  # three keep-alive times, well within the head time
        sock.sendall(b"\r\n")
        second = b""
        while b"ok" not in second and (chunk := sock.recv(65536)):
            second += chunk
        assert second.startswith(b"HTTP/1.1 200"), second


def test_a_head_held_back_behind_a_slow_answer_is_not_timed_out(bounded_server: int) -> None:
    """Pipelined: a slow request, a quick one, then a head whose end comes a little later.
    uvicorn reads no further until the slow answer has left, so the head's wait is the
    server's: every answer comes (the connection was closed at the head time, answers lost)."""
    with socket.create_connection(("127.0.0.1", bounded_server), timeout=10) as sock:
        sock.sendall(
            b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET / HTTP/1.1\r\nHost: x\r\n"
        )
        time.sleep(0.2)
        sock.sendall(b"\r\n")
        answers = b""
        while answers.count(b"HTTP/1.1 200") < 3 and (chunk := sock.recv(65536)):
            answers += chunk
    assert answers.count(b"HTTP/1.1 200") == 3, answers


def test_a_connection_in_use_is_kept_past_the_keep_alive_time(bounded_server: int) -> None:
    """One keep-alive timer per connection: while requests keep coming, each within the idle
    time of the last answer, it never closes the connection, however long it is used."""
    with socket.create_connection(("127.0.0.1", bounded_server), timeout=10) as sock:
        for _ in range(8):  # 2.4 s of use, five keep-alive times
            assert _ask(sock).startswith(b"HTTP/1.1 200")
            time.sleep(0.3)
        assert _ask(sock).startswith(b"HTTP/1.1 200")
        assert sock.recv(65536) == b""  # and idle again: closed


def test_new_connections_are_let_in_while_the_server_is_busy() -> None:
    """A busy server must accept every waiting connection at once, not one per turn of its
    loop: with libuv's one-per-turn accept (uvloop), clients that connected while the server
    was busy were let in one answer at a time."""
    from mockserver.serve import uvicorn_options
    from mockserver.settings import Settings

    busy = threading.Event()
    seen: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/busy":
            busy.set()
            time.sleep(0.3)  # holds the loop, as a burst of work does, while 20 clients connect
        else:
            seen.append(len(server.server_state.connections))  # connections let in so far
            time.sleep(0.01)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    port = free_port()
    options = {**uvicorn_options(Settings(port=port)), "log_level": "critical"}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=10)]
    try:
        clients[0].sendall(b"GET /busy HTTP/1.1\r\nHost: x\r\n\r\n")
        assert busy.wait(10)
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(sock)
        for sock in clients:
            answer = b""
            while b"ok" not in answer:
                answer += sock.recv(65536)
        assert seen == [21] * 20  # every client was in before the first of them was answered
    finally:
        for sock in clients:
            sock.close()
        server.should_exit = True
        thread.join(timeout=10)


def test_the_concurrency_limit_warning_is_said_once_per_interval() -> None:
    """uvicorn logs each 503 of its concurrency limit; a burst of 300 clients printed 16,000
    lines in 5 s. One line per interval, then how many were held back."""
    import logging

    now = [0.0]
    quiet = http_limits.OncePerInterval(http_limits.OVER_LIMIT, 10.0, clock=lambda: now[0])

    def said(message: str) -> str | None:
        record = logging.LogRecord("uvicorn.error", logging.WARNING, "", 0, message, None, None)
        return record.getMessage() if quiet.filter(record) else None

    assert said(http_limits.OVER_LIMIT) == "Exceeded concurrency limit."
    assert [said(http_limits.OVER_LIMIT) for _ in range(500)] == [None] * 500
    assert said("Invalid HTTP request received.") == "Invalid HTTP request received."
    now[0] = 10.0
    assert said(http_limits.OVER_LIMIT) == "Exceeded concurrency limit. (500 more not shown)"
    now[0] = 25.0
    assert said(http_limits.OVER_LIMIT) == "Exceeded concurrency limit."

    http_limits.quiet_over_limit_warnings()
    http_limits.quiet_over_limit_warnings()  # once per process, however often it is called
    filters = logging.getLogger("uvicorn.error").filters
    assert sum(isinstance(f, http_limits.OncePerInterval) for f in filters) == 1
