"""An answer leaves in one write, and nothing uvicorn writes is reordered, lost or held back."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from mockserver import http_limits
from mockserver.app import MockApp
from mockserver.http_writes import OneWrite
from tests.conftest import free_port

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recording:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def close(self) -> None:
        self.calls.append(("close", None))

    def abort(self) -> None:
        self.calls.append(("abort", None))

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)

    def pause_reading(self) -> None:
        self.calls.append(("pause_reading", None))


def run(steps: Any) -> list[tuple[str, Any]]:
    """Drive a OneWrite through `steps(one)` inside a running loop, then let the loop turn."""
    transport = Recording()

    async def main() -> None:
        steps(OneWrite(transport, asyncio.get_running_loop()))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(main())
    return transport.calls


def test_head_and_body_leave_in_one_write() -> None:
    def steps(one: OneWrite) -> None:
        one.write(HEAD)
        one.write(b"{}")

    assert run(steps) == [("write", HEAD + b"{}")]


def test_a_head_without_a_body_in_the_same_step_leaves_at_the_next_turn() -> None:
    assert run(lambda one: one.write(HEAD)) == [("write", HEAD)]


def test_close_sends_what_is_held_first_and_abort_drops_it() -> None:
    def closing(one: OneWrite) -> None:
        one.write(HEAD)
        one.close()

    def aborting(one: OneWrite) -> None:
        one.write(HEAD)
        one.abort()

    assert run(closing) == [("write", HEAD), ("close", None)]
    assert run(aborting) == [("abort", None)]


def test_a_finished_loop_is_not_kept_alive_by_its_held_heads_flusher() -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(asyncio.sleep(0))
    OneWrite(Recording(), loop).write(HEAD)  # type: ignore[arg-type]
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    gone = weakref.ref(loop)
    del loop
    gc.collect()
    assert gone() is None


def test_other_bytes_pass_straight_through_in_order() -> None:
    def steps(one: OneWrite) -> None:
        one.write(b"garbage that is not HTTP")
        one.write(b"5\r\nhello\r\n")
        one.pause_reading()

    assert run(steps) == [
        ("write", b"garbage that is not HTTP"),
        ("write", b"5\r\nhello\r\n"),
        ("pause_reading", None),
    ]
    assert run(lambda one: one.get_extra_info("peername")) == []


@pytest.fixture(scope="module")
def serving(stateless_app: MockApp) -> Iterator[int]:
    """The mock behind uvicorn with the protocol `mockserver serve` uses."""
    port = free_port()
    config = uvicorn.Config(
        stateless_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
        **http_limits.uvicorn_options(),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "no server"
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def read_answer(conn: socket.socket, buffered: bytes) -> tuple[bytes, bytes, bytes]:
    """One answer (head, body) off a keep-alive connection, and what came after it."""
    while b"\r\n\r\n" not in buffered:
        buffered += conn.recv(65536)
    head, _, rest = buffered.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length")), 0,
    )  # fmt: skip
    while len(rest) < length:
        rest += conn.recv(65536)
    return head, rest[:length], rest[length:]


def test_answers_on_a_kept_alive_connection_come_whole_and_in_order(serving: int) -> None:
    """uvicorn's protocol with the held heads: GET, HEAD (a head with no body), a POST that
    waits for `100 Continue`, pipelined requests, all on one connection."""
    with socket.create_connection(("127.0.0.1", serving), timeout=5) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        head, body, rest = read_answer(conn, b"")
        assert head.startswith(b"HTTP/1.1 200") and body.startswith(b"{") and rest == b""
        conn.sendall(b"HEAD /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.settimeout(5)
        buffered = conn.recv(65536)
        assert buffered.startswith(b"HTTP/1.1 200") and buffered.endswith(b"\r\n\r\n")
        conn.sendall(
            b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer lxxn_test_8c3a5b_consumerdemo\r\n"
            b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        continued = conn.recv(65536)
        assert continued.startswith(b"HTTP/1.1 100")
        conn.sendall(b"{}")
        head, body, rest = read_answer(conn, continued.partition(b"\r\n\r\n")[2])
        assert head.startswith(b"HTTP/1.1 400") and b"statusCode" in body  # {} lacks lat, lng
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
        statuses = []
        for _ in range(3):
            head, body, rest = read_answer(conn, rest)
            statuses.append(head.split(b" ")[1])
        assert statuses == [b"200"] * 3 and rest == b""
