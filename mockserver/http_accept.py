"""The event loop the mock serves on: uvloop's, which costs a request about 10 % fewer
instructions than asyncio's own (its transports and loop are C), with asyncio's way of accepting.

libuv accepts one connection per turn of its loop (libuv#3696): 50 clients connecting to a busy
mock were let in one answer at a time, the last about 0.3 s after the first. asyncio's loop
accepts every waiting connection at once. `GreedyLoop` is uvloop's loop whose TCP servers accept
as asyncio's do (`Acceptor`): the listening socket is watched with `add_reader`, every waiting
connection is accepted, and each is handed to uvloop as a transport with
`connect_accepted_socket`, the loop's own API for sockets accepted outside it. Requests then run
on uvloop alone.

Where uvloop is not installed (Windows), or for TLS and Unix sockets, the loop is asyncio's, or
uvloop's own server: only plain TCP servers are accepted here.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("mockserver")

ACCEPT_RETRY_S = 1.0  # out of file descriptors or memory: try again after this, as asyncio does
# What accept(2) says of one connection that failed (Linux: "treat them like EAGAIN"): the next
# waiting one may still be taken. Any other error (out of descriptors, memory) pauses accepting.
ONE_CONNECTION_FAILED = frozenset(
    getattr(errno, name)
    for name in (
        "ECONNABORTED",
        "EPROTO",
        "ENOPROTOOPT",
        "EHOSTDOWN",
        "ENONET",
        "EHOSTUNREACH",
        "EOPNOTSUPP",
        "ENETDOWN",
        "ENETUNREACH",
        "EPERM",
    )
    if hasattr(errno, name)
)

try:
    import uvloop
except ImportError:  # pragma: no cover - Windows, where uvloop does not exist
    uvloop = None  # type: ignore[assignment]


def new_event_loop() -> asyncio.AbstractEventLoop:
    """The loop the mock serves on; uvicorn's `loop=` takes it as "module:function"."""
    return GreedyLoop() if uvloop is not None else asyncio.new_event_loop()


def listening_sockets(host: str | None, port: int, backlog: int) -> list[socket.socket]:
    """Sockets bound and listening on every address `host` names, as asyncio's `create_server`
    binds them: None or "" is every interface, an IPv6 socket takes IPv6 only, and an address
    family this host cannot make sockets of (IPv6 turned off) is skipped. `serve` checks its
    address with this before it starts, so both agree on what can be listened on."""
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, address in dict.fromkeys((info[0], info[4]) for info in infos):
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError:
                continue
            sockets.append(sock)
            if os.name != "nt":  # a restart may bind while old connections are in TIME_WAIT
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(backlog)
        if not sockets:
            raise OSError(errno.EAFNOSUPPORT, f"no address of {host!r} can be listened on here")
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Acceptor(asyncio.AbstractServer):
    """A TCP server that accepts every waiting connection each time its socket is readable."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        sockets: Iterable[socket.socket],
        backlog: int,
    ) -> None:
        self._loop = loop
        self._protocol_factory = protocol_factory
        self._sockets = list(sockets)
        self._backlog = max(backlog, 1)
        self._serving = False
        self._connecting: set[asyncio.Task[None]] = set()

    # -- asyncio.AbstractServer ------------------------------------------------------------------
    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self._sockets)

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return self._serving

    async def start_serving(self) -> None:
        self._start()

    async def serve_forever(self) -> None:
        self._start()
        await self._loop.create_future()  # until cancelled

    def close(self) -> None:
        """No more connections: the listening sockets close, and one accepted in the same turn
        but not yet handed to the loop is closed too (the server is shutting its connections)."""
        self._stop()
        for sock in self._sockets:
            sock.close()
        self._sockets = []
        for task in list(self._connecting):
            task.cancel()

    async def wait_closed(self) -> None:
        """Closed at once: the connections are uvicorn's to wait for."""

    # -- accepting ---------------------------------------------------------------------------------
    def _start(self) -> None:
        if not self._serving and self._sockets:
            self._serving = True
            for sock in self._sockets:
                sock.setblocking(False)
                self._loop.add_reader(sock.fileno(), self._accept, sock)

    def _stop(self) -> None:
        if self._serving:
            self._serving = False
            for sock in self._sockets:
                self._loop.remove_reader(sock.fileno())

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(self._backlog):
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError):
                return  # nobody (else) waiting
            except OSError as exc:
                if exc.errno in ONE_CONNECTION_FAILED:
                    continue  # that client is gone; the next one may be waiting
                log.error(
                    "cannot accept a connection (%s); trying again in %g s", exc, ACCEPT_RETRY_S
                )
                self._stop()  # a socket nobody can accept from would wake the loop forever
                self._loop.call_later(ACCEPT_RETRY_S, self._start)
                return
            conn.setblocking(False)
            task = self._loop.create_task(self._connect(conn))
            self._connecting.add(task)  # a task nobody holds may be collected before it runs
            task.add_done_callback(functools.partial(self._connected, conn))

    async def _connect(self, conn: socket.socket) -> None:
        await self._loop.connect_accepted_socket(self._protocol_factory, conn)  # type: ignore[arg-type]

    def _connected(self, conn: socket.socket, task: asyncio.Task[None]) -> None:
        """A connection the loop did not take is closed here: a client that left before it was
        set up, a server closed meanwhile, or a failure, which is reported as the loop reports
        any. (A transport that took the socket detached it: closing it again does nothing.)"""
        self._connecting.discard(task)
        if task.cancelled():
            conn.close()
            return
        exc = task.exception()
        if exc is not None:
            conn.close()
            if not isinstance(exc, OSError):
                self._loop.call_exception_handler(
                    {"message": "cannot set up an accepted connection", "exception": exc}
                )


PLAIN_OPTIONS = frozenset(("sock", "backlog", "ssl", "start_serving"))  # what uvicorn passes

if uvloop is not None:

    class GreedyLoop(uvloop.Loop):  # type: ignore[misc, name-defined]
        async def create_server(  # type: ignore[override]
            self,
            protocol_factory: Callable[[], asyncio.BaseProtocol],
            host: str | None = None,
            port: int | None = None,
            **options: Any,
        ) -> asyncio.AbstractServer:
            """A plain TCP server accepts here; TLS, a Unix socket or any other option goes to
            uvloop's own server."""
            sock: socket.socket | None = options.get("sock")
            if (
                options.get("ssl") is not None
                or not options.keys() <= PLAIN_OPTIONS
                or (sock is not None and sock.family not in (socket.AF_INET, socket.AF_INET6))
            ):
                where: dict[str, Any] = {"host": host, "port": port}
                server: asyncio.AbstractServer = await super().create_server(
                    protocol_factory, **where, **options
                )
                return server
            backlog: int = options.get("backlog", 100)
            if sock is None:
                sockets = listening_sockets(host, port or 0, backlog)
            else:
                sock.listen(backlog)
                sockets = [sock]
            server = Acceptor(self, protocol_factory, sockets, backlog)
            if options.get("start_serving", True):
                await server.start_serving()
            return server
