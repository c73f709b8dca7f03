"""The loop `serve` runs on (mockserver/http_accept.py): uvloop's, accepting every waiting
connection at once. The greedy accept itself is tested over HTTP in test_limits.py
(`test_new_connections_are_let_in_while_the_server_is_busy`); these are its edges: what it
binds, a client that leaves before it is set up, running out of file descriptors, closing."""

from __future__ import annotations

import asyncio
import errno
import socket
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver import http_accept
from mockserver.serve import uvicorn_options
from mockserver.settings import Settings

pytestmark = pytest.mark.skipif(http_accept.uvloop is None, reason="uvloop is not installed")


class Echo(asyncio.Protocol):
    """Answers each chunk it reads with the same bytes."""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = http_accept.new_event_loop()
    yield loop
    loop.close()


async def _ask(port: int, data: bytes = b"ping") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    answer = await asyncio.wait_for(reader.read(100), 5)
    writer.close()
    return answer


def _closed(client: socket.socket) -> bool:
    """The server closed this connection without a byte (an orderly close, or a reset)."""
    try:
        return client.recv(10) == b""
    except ConnectionResetError:
        return True


def test_serve_runs_on_the_greedy_uvloop_loop() -> None:
    assert uvicorn_options(Settings())["loop"] == "mockserver.http_accept:new_event_loop"
    loop = http_accept.new_event_loop()
    try:
        assert isinstance(loop, http_accept.uvloop.Loop)
    finally:
        loop.close()


def test_a_server_binds_what_its_host_names_and_answers(loop: asyncio.AbstractEventLoop) -> None:
    async def main() -> None:
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        assert isinstance(server, http_accept.Acceptor) and server.is_serving()
        (sock,) = server.sockets
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        assert await _ask(port) == b"ping"
        server.close()
        await server.wait_closed()
        assert not server.is_serving()
        with pytest.raises(OSError):
            await _ask(port)

    loop.run_until_complete(main())


def test_a_server_on_a_given_socket_listens_on_it(loop: asyncio.AbstractEventLoop) -> None:
    """uvicorn's workers share one socket bound by their parent and hand it over as `sock=`."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))

    async def main() -> None:
        server = await loop.create_server(Echo, sock=sock)
        assert server.sockets == (sock,)
        assert await _ask(sock.getsockname()[1], b"shared") == b"shared"
        server.close()

    loop.run_until_complete(main())


def test_a_client_that_resets_before_it_is_set_up_does_not_stop_accepting(
    loop: asyncio.AbstractEventLoop,
) -> None:
    async def main() -> None:
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        for _ in range(5):  # connect and reset at once (SO_LINGER 0), before the loop turns
            rude = socket.create_connection(("127.0.0.1", port))
            rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            rude.close()
        assert await _ask(port) == b"ping"
        server.close()

    loop.run_until_complete(main())


def test_out_of_file_descriptors_pauses_accepting_then_resumes(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """EMFILE: asyncio's answer, kept: say so, stop watching the socket for a while (a
    readable socket nobody can accept from would spin the loop), then accept again."""
    monkeypatch.setattr(http_accept, "ACCEPT_RETRY_S", 0.05)

    async def main() -> None:
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        assert isinstance(server, http_accept.Acceptor)
        listening = server.sockets[0]
        port = listening.getsockname()[1]

        class OutOfFiles:
            def __getattr__(self, name: str) -> Any:
                return getattr(listening, name)

            def accept(self) -> Any:
                raise OSError(errno.EMFILE, "Too many open files")

        server._accept(OutOfFiles())  # type: ignore[arg-type]
        assert not server.is_serving()
        await asyncio.sleep(0.2)
        assert server.is_serving()
        assert await _ask(port) == b"ping"
        server.close()

    loop.run_until_complete(main())
    assert "cannot accept a connection" in caplog.text


def test_a_connection_accepted_as_the_server_closes_is_closed(
    loop: asyncio.AbstractEventLoop,
) -> None:
    """uvicorn closes the server, then shuts the connections it knows: one accepted in the same
    turn but not yet set up would be a connection it never shuts. It is closed instead."""

    async def main() -> None:
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        assert isinstance(server, http_accept.Acceptor)
        listening = server.sockets[0]
        server._stop()  # accept by hand below, in the same step as the close
        client = socket.create_connection(listening.getsockname())
        client.settimeout(5)
        server._accept(listening)
        assert len(server._connecting) == 1
        server.close()
        await asyncio.sleep(0.05)
        assert not server._connecting
        assert _closed(client)  # no transport took it
        client.close()

    loop.run_until_complete(main())


def test_a_connection_that_cannot_be_set_up_is_closed_and_reported(
    loop: asyncio.AbstractEventLoop,
) -> None:
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))

    def broken() -> asyncio.Protocol:
        raise RuntimeError("no protocol today")

    async def main() -> None:
        server = await loop.create_server(broken, "127.0.0.1", 0)
        client = socket.create_connection(server.sockets[0].getsockname())
        client.settimeout(5)
        await asyncio.sleep(0.1)
        assert _closed(client)
        client.close()
        assert server.is_serving()  # and still accepting
        server.close()

    loop.run_until_complete(main())
    assert [str(c.get("exception")) for c in reported] == ["no protocol today"]


def test_an_accept_that_fails_for_one_client_goes_on_to_the_next(
    loop: asyncio.AbstractEventLoop,
) -> None:
    """accept(2) reports a client's own network error (EPROTO, ECONNABORTED...) as a failure:
    the next waiting connection is taken all the same, and accepting is not paused."""

    async def main() -> None:
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        assert isinstance(server, http_accept.Acceptor)
        listening = server.sockets[0]
        failed = []

        class OneFails:
            def __getattr__(self, name: str) -> Any:
                return getattr(listening, name)

            def accept(self) -> Any:
                if not failed:
                    failed.append(True)
                    raise OSError(errno.EPROTO, "Protocol error")
                return listening.accept()

        server._stop()
        reader, writer = await asyncio.open_connection(*listening.getsockname())
        server._accept(OneFails())  # type: ignore[arg-type]
        server._start()
        writer.write(b"next")
        assert await asyncio.wait_for(reader.read(10), 5) == b"next"
        assert failed and server.is_serving()
        writer.close()
        server.close()

    loop.run_until_complete(main())


def test_an_address_family_the_host_cannot_make_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As asyncio does: "localhost" may name ::1 on a host with IPv6 turned off."""
    unmakeable = 4242  # no such address family

    def two_addresses(host: Any, port: Any, **_: Any) -> list[Any]:
        return [
            (unmakeable, socket.SOCK_STREAM, 6, "", ("::1", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(http_accept.socket, "getaddrinfo", two_addresses)
    (sock,) = http_accept.listening_sockets("localhost", 0, 5)
    try:
        assert sock.family == socket.AF_INET
    finally:
        sock.close()

    def only_unmakeable(host: Any, port: Any, **_: Any) -> list[Any]:
        return two_addresses(host, port)[:1]

    monkeypatch.setattr(http_accept.socket, "getaddrinfo", only_unmakeable)
    with pytest.raises(OSError, match="can be listened on"):
        http_accept.listening_sockets("localhost", 0, 5)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_serve_can_listen_on_an_ipv6_address() -> None:
    from mockserver.serve import listen_problem

    (sock,) = http_accept.listening_sockets("::1", 0, 5)
    port = sock.getsockname()[1]
    assert listen_problem("::1", port) is not None  # in use: said in one line
    sock.close()
    assert listen_problem("::1", port) is None


def test_a_port_in_use_is_an_oserror_as_uvicorn_expects() -> None:
    """uvicorn catches OSError from create_server, logs it and exits with its start-up failure."""
    taken = socket.create_server(("127.0.0.1", 0))
    try:
        with pytest.raises(OSError):
            http_accept.listening_sockets("127.0.0.1", taken.getsockname()[1], 10)
    finally:
        taken.close()


def test_addresses_are_written_as_urls_write_them() -> None:
    from mockserver.cli import _host
    from mockserver.serve import authority

    assert _host("[::1]") == "::1" and _host("127.0.0.1") == "127.0.0.1"
    assert authority("::1", 4010) == "[::1]:4010"
    assert authority("127.0.0.1", 4010) == "127.0.0.1:4010"
    assert authority("", 4010) == "0.0.0.0:4010"  # every interface
