"""Network faults over real sockets: each one seen from a raw client exactly as a client sees it
in production, under both of uvicorn's HTTP/1 protocols and both event loops."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import uvicorn

from mockserver import _compat, faults
from tests.conftest import free_port

BODY = b'{"statusCode":200,"data":"' + b"x" * 1000 + b'"}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A tiny app shaped like the mock: the outer layer remembers the server's `send`, a wrapper
    (as middleware adds) sits between, and the endpoint sends through `send_with_fault`."""
    if scope["type"] != "http":
        return
    faults.remember_send(scope, send)

    async def wrapped(message: Any) -> None:
        await send(message)

    headers = dict(scope["headers"])
    if b"x-probe" in headers:  # what _compat finds under this server
        probe = {
            "connection": _compat.connection_of(send) is not None,
            "cycle": type(getattr(send, "__self__", None)).__name__,
            "disconnected": hasattr(getattr(send, "__self__", None), "disconnected"),
        }
        body = orjson.dumps(probe)
        reply = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": reply})
        await send({"type": "http.response.body", "body": body})
        return
    fault = faults.from_prefer(headers[b"x-fault"].decode())
    reply = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]
    await faults.send_with_fault(wrapped, 200, reply, BODY, fault, scope=scope)


class Server:
    def __init__(self, http: str, loop: str) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            http=http,  # type: ignore[arg-type]
            loop=loop,  # type: ignore[arg-type]
            log_level="critical",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def request(self, fault: str, extra: bytes = b"") -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Fault: " + fault.encode() + b"\r\n")
        sock.sendall(extra + b"\r\n")
        return sock


@pytest.fixture(
    scope="module",
    params=[
        ("httptools", "uvloop"),
        ("h11", "asyncio"),
        ("httptools", "asyncio"),
        ("h11", "uvloop"),
    ],
    ids=lambda p: "-".join(p),
)
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with Server(*request.param) as live:
        yield live


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_compat_finds_the_transport_under_uvicorns_send(server: Server) -> None:
    """Fails loudly when a uvicorn upgrade moves what mockserver._compat relies on."""
    with server.request("", b"X-Probe: 1\r\nConnection: close\r\n") as sock:
        raw = read_all(sock)
    probe = orjson.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert probe == {"connection": True, "cycle": "RequestResponseCycle", "disconnected": True}, (
        f"uvicorn {uvicorn.__version__} moved what mockserver/_compat.py (uvicorn section) relies "
        "on: network faults cannot reach the connection any more"
    )


def test_connection_reset_is_a_reset(server: Server) -> None:
    with server.request("connection-reset") as sock, pytest.raises(ConnectionResetError):
        read_all(sock)


def test_empty_response_closes_before_any_byte(server: Server) -> None:
    with server.request("empty-response") as sock:
        assert sock.recv(4096) == b""


def test_malformed_chunk_sends_a_head_then_bad_framing(server: Server) -> None:
    with server.request("malformed-chunk") as sock:
        head, _, rest = read_all(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding: chunked" in head.lower()
    size_line = rest.split(b"\r\n", 1)[0]
    with pytest.raises(ValueError):
        int(size_line, 16)


def test_random_data_then_close_is_not_http(server: Server) -> None:
    with server.request("random-data-then-close") as sock:
        data = read_all(sock)
    assert data and not data.startswith(b"HTTP/")


def test_hang_answers_nothing_then_closes(server: Server) -> None:
    with server.request("hang:0.8") as sock:
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(4096)
        sock.settimeout(10)
        assert sock.recv(4096) == b""  # closed, still without a byte


def test_a_client_giving_up_ends_the_hang(server: Server) -> None:
    with server.request("hang:600") as sock:
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(4096)
    # A hang that outlived its client would hold a task (and uvicorn's graceful shutdown).
    deadline = time.monotonic() + 5
    while server.server.server_state.tasks and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server.server.server_state.tasks


def test_dribble_delivers_the_real_body_in_several_reads(server: Server) -> None:
    with server.request("dribble:400") as sock:
        raw = b""
        while b"\r\n\r\n" not in raw:
            raw += sock.recv(65536)
        head, _, body = raw.partition(b"\r\n\r\n")
        reads = 1 if body else 0
        while len(body) < len(BODY):
            chunk = sock.recv(65536)
            assert chunk, "closed before the whole body"
            body += chunk
            reads += 1
    assert head.startswith(b"HTTP/1.1 200 ")
    assert body == BODY
    assert reads > 1


# -- without a server ----------------------------------------------------------------------------


def test_without_a_connection_a_destroying_fault_sends_nothing() -> None:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    fault = faults.parse("connection-reset")
    asyncio.run(faults.send_with_fault(send, 200, [], BODY, fault))
    assert sent == []


def test_dribble_without_a_server_still_sends_the_whole_body_in_pieces() -> None:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    fault = faults.parse({"dribble": {"durationMs": 0, "chunks": 3}})
    asyncio.run(faults.send_with_fault(send, 201, [], b"abcdefg", fault))
    assert sent[0]["status"] == 201
    assert [m["body"] for m in sent[1:]] == [b"abc", b"def", b"g"]
    assert [m["more_body"] for m in sent[1:]] == [True, True, False]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("empty-response", faults.Fault("empty-response")),
        ({"hang": {"seconds": 3}}, faults.Fault("hang", seconds=3.0)),
        ({"dribble": {"durationMs": 200, "chunks": 2}}, faults.Fault("dribble", 10.0, 200, 2)),
    ],
)
def test_fault_forms(raw: Any, expected: faults.Fault) -> None:
    assert faults.parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("teleport", "unknown fault 'teleport'"),
        ({"hang": {"seconds": -1}}, "seconds must be a number from 0 to 600"),
        ({"hang": {"durationMs": 5}}, "takes no option 'durationMs'"),
        ({"dribble": {"chunks": 1}}, "chunks must be a whole number"),
        ({"hang": 5}, "must be an object"),
        (["hang"], "a fault is one of"),
    ],
)
def test_bad_faults_say_why(raw: Any, reason: str) -> None:
    with pytest.raises(faults.FaultError, match=reason):
        faults.parse(raw)


def test_prefer_form_takes_seconds_for_hang_and_milliseconds_for_dribble() -> None:
    assert faults.from_prefer("hang:5") == faults.Fault("hang", seconds=5.0)
    assert faults.from_prefer("dribble:250").duration_ms == 250
    assert faults.from_prefer("connection-reset").kind == "connection-reset"
    with pytest.raises(faults.FaultError, match="takes no amount"):
        faults.from_prefer("empty-response:3")
    with pytest.raises(faults.FaultError, match="not a number"):
        faults.from_prefer("hang:soon")
