"""What one connection may cost: uvicorn's knobs, and the bound its httptools parser lacks.

uvicorn's h11 parser bounds a request's head (`h11_max_incomplete_event_size`); its httptools
parser (the fast one, chosen by default) bounds nothing: 20 connections each trickling a 10 MB
header held 224 MB, and a connection that never finishes its head is never timed out (uvicorn's
keep-alive timer only runs between requests). `BoundedHttpTools` adds both bounds to it; a head
over `MAX_HEAD_BYTES` is answered as uvicorn answers any unparseable request (400, plain text, the
connection closed) and a head not complete within `HEAD_TIMEOUT_S` closes the connection.

It also sends each answer in one write (`http_writes.OneWrite`), and keeps one keep-alive timer
per connection where uvicorn makes one per response.

This subclasses uvicorn's protocol (uvicorn takes a protocol class for `http=`; httptools is a
dependency, so it is always there): its callbacks
`on_message_begin`, `on_url`, `on_header` and `on_headers_complete` are the parser's own API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.http_writes import OneWrite

_on_message_begin = HttpToolsProtocol.on_message_begin
_on_url = HttpToolsProtocol.on_url
_on_header = HttpToolsProtocol.on_header
_on_headers_complete = HttpToolsProtocol.on_headers_complete

MAX_HEAD_BYTES = 64 * 1024  # request line + headers; browsers send < 16 KiB, nginx allows 32 KiB
HEAD_TIMEOUT_S = 10.0  # from a connection's (or request's) first byte to the end of its head
KEEP_ALIVE_S = 5  # idle time between requests on one connection (uvicorn's default)
MAX_CONCURRENCY = 256  # connections + requests in flight; beyond it uvicorn answers 503
OVER_LIMIT = "Exceeded concurrency limit."  # what uvicorn logs for each of those 503s
OVER_LIMIT_EVERY_S = 10.0  # ... said once in this time, with how many were not
TOO_LARGE = f"request head over {MAX_HEAD_BYTES} bytes"


class HeadTooLarge(Exception):
    """Raised inside a parser callback: httptools turns it into a parser error, which uvicorn
    answers with its 400 and a closed connection."""


class BoundedHttpTools(HttpToolsProtocol):  # type: ignore[misc, valid-type]
    _head_bytes = 0
    _head_since: float | None = None  # loop time a request head began; None between heads
    _head_timer: asyncio.TimerHandle | None = None  # armed once, re-armed only when it fires
    _idle_since: float | None = None  # loop time the last response ended; None while busy
    _idle_timer: asyncio.TimerHandle | None = None  # as the head timer, for keep-alive

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # flow control keeps the transport itself
        self.transport = OneWrite(transport, self.loop)  # type: ignore[assignment]
        self._head_begins()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._head_timer, self._idle_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._idle_timer = None
        super().connection_lost(exc)

    # The parser's callbacks run for every request: each is uvicorn's, called directly (not
    # through super()), with the head's count and time inline.
    def on_message_begin(self) -> None:
        _on_message_begin(self)
        self._head_bytes = 0
        self._head_begins()

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        if self._head_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge(TOO_LARGE)
        _on_url(self, url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        if self._head_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge(TOO_LARGE)
        _on_header(self, name, value)

    def on_headers_complete(self) -> None:
        self._head_since = None
        _on_headers_complete(self)

    def on_response_complete(self) -> None:
        """uvicorn's, but the keep-alive timer is one per connection (see `_idle_begins`)."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:  # a pipelined request waits: start it
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        elif self._head_since is None:  # not idle while the next head is coming: its own
            self._idle_begins()  # timer (HEAD_TIMEOUT_S) runs

    def _unset_keepalive_if_required(self) -> None:
        """Called by uvicorn when bytes arrive: the connection is no longer idle."""
        self._idle_since = None

    def _idle_begins(self) -> None:
        """uvicorn arms a timer after each response and cancels it when the next request comes,
        two timer operations per request; this one is armed once and looks, when it fires,
        whether the connection has been idle for the whole keep-alive time."""
        self._idle_since = self.loop.time()
        if self._idle_timer is None:
            self._idle_timer = self.loop.call_later(self.timeout_keep_alive, self._idle_check)

    def _idle_check(self) -> None:
        self._idle_timer = None
        if self._idle_since is None:
            return  # a request in progress: its response arms the timer again
        left = self._idle_since + self.timeout_keep_alive - self.loop.time()
        if left > 0:
            self._idle_timer = self.loop.call_later(left, self._idle_check)
        else:
            self.timeout_keep_alive_handler()

    def _head_begins(self) -> None:
        """A timer per head would be made and cancelled on every request: one timer per
        connection is enough, which looks at the head in progress when it fires."""
        self._head_since = self.loop.time()
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(HEAD_TIMEOUT_S, self._too_slow)

    def _too_slow(self) -> None:
        self._head_timer = None
        if self._head_since is None:
            return  # no head in progress: the next one arms the timer again
        now = self.loop.time()
        if self.cycle is not None and not self.cycle.response_complete:
            # An answer is on its way and uvicorn reads no further until it has left (pipelined
            # requests wait): the head waits for the server, not the client. Its time restarts.
            self._head_since = now
        left = self._head_since + HEAD_TIMEOUT_S - now
        if left > 0:  # a later head, still within its time
            self._head_timer = self.loop.call_later(left, self._too_slow)
        elif self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class OncePerInterval(logging.Filter):
    """uvicorn logs a warning for every 503 its concurrency limit answers: a burst of 300
    clients printed 16,000 lines in 5 s. This lets one through per `interval_s`, and the next
    one says how many were held back."""

    def __init__(
        self, message: str, interval_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.message = message
        self.interval_s = interval_s
        self.clock = clock
        self._last: float | None = None
        self._held = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.message:
            return True
        now = self.clock()
        if self._last is not None and now - self._last < self.interval_s:
            self._held += 1
            return False
        if self._held:
            record.msg = f"{self.message} ({self._held} more not shown)"
        self._last, self._held = now, 0
        return True


def quiet_over_limit_warnings() -> None:
    """Install `OncePerInterval` on uvicorn's logger, once per process (after uvicorn set up
    its logging: its dictConfig keeps a logger's filters)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, OncePerInterval) for f in logger.filters):
        logger.addFilter(OncePerInterval(OVER_LIMIT, OVER_LIMIT_EVERY_S))


def uvicorn_options() -> dict[str, Any]:
    """Every limit uvicorn takes, for `uvicorn.Config` (docs/limits.md lists them)."""
    return {
        "http": BoundedHttpTools,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "limit_concurrency": MAX_CONCURRENCY,
    }
