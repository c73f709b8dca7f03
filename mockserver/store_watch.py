"""Reads without a round trip: Redis tells each worker which namespaces changed.

Redis's client-side caching in broadcast mode (`CLIENT TRACKING ON BCAST PREFIX mockv:`) sends an
invalidation message for every write to a namespace's version key (`mockv:{ns}`) to every worker
that asked, as a RESP3 push on the connection that asked. A worker polls that connection
without blocking before each call (one `recv` that usually finds nothing): a namespace whose
version it read since the last message about it is current, and the call runs on its copy with
no round trip at all. Redis writes the message before the writer's own reply leaves, so a client
that saw a write acknowledged by one worker and then asks another finds the message waiting.

A worker's own commit is not news to it: it counts the message its commit will bring
(`expect`, before sending it) and lets that one pass, so a call after a write of its own needs
no round trip either. (No other worker's commit can hide in that message: one that landed before
ours would have failed our version check, and one after ours needs our version, which it can only
have read after the message was sent.)

When the watch connection is down (Redis restarting), every namespace counts as changed and each
call reads the version as before; the watch is set up again at most once a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from redis.exceptions import RedisError

from mockserver._compat import input_check
from mockserver.store_wire import dedicated

PREFIX = "mockv:"
DRAIN_S = 0.00005


class Watch:
    def __init__(self, client: redis.Redis) -> None:
        self._new_connection = dedicated(client, protocol=3)  # invalidations arrive as pushes
        self._listener: Any = None  # tracking lives as long as the connection that asked for it
        self._arrived: Callable[[], bool] | None = None  # a cheap look at the listener
        self._current: set[str] = set()  # namespaces whose version we read since any change
        self._own: dict[str, int] = {}  # namespace → messages our own commits will bring
        self._retry_at = 0.0
        self._drained_at = -1.0

    def is_current(self, namespace: str) -> bool:
        """True when nothing changed the namespace since we last read its version. Read at
        most every DRAIN_S: a call asks for its namespace, the rules and the scenarios, and a
        message that arrives between those questions is one that arrived just after the call."""
        now = time.monotonic()
        if now - self._drained_at >= DRAIN_S:
            self._drained_at = now
            self._drain()
        return namespace in self._current

    def poll(self) -> None:
        """Read what Redis sent (and set the watch up, when it is down and due)."""
        self._drained_at = time.monotonic()
        self._drain()

    def read(self, namespace: str) -> None:
        """We just read the namespace's version (and caught up with it)."""
        if self._listener is not None:
            self._current.add(namespace)

    def expect(self, namespace: str, count: int = 1) -> None:
        """Our commit to `namespace` is on its way (count -1: it failed): its message is ours."""
        if self._listener is not None:
            self._own[namespace] = self._own.get(namespace, 0) + count

    def forget(self, namespace: str) -> None:
        """Whether our commit landed is unknown: read the version next time."""
        self._current.discard(namespace)
        self._own.pop(namespace, None)

    @property
    def up(self) -> bool:
        return self._listener is not None

    def _drain(self) -> None:
        listener = self._listener
        if listener is None:
            if time.monotonic() >= self._retry_at:
                self._connect()
            return
        if self._arrived is not None and not self._arrived():
            return  # the common case: nothing came
        try:
            while listener.can_read(timeout=0):
                listener.read_response(push_request=True)  # calls _invalidated
        except (RedisError, OSError):
            self._down()

    def _invalidated(self, message: Any) -> None:
        keys = message[1] if len(message) > 1 else None
        if keys is None:  # FLUSHALL / FLUSHDB: every namespace changed
            self._current.clear()
            return
        for key in keys:
            name = key.decode() if isinstance(key, bytes) else str(key)
            namespace = name[len(PREFIX) + 1 : -1]  # mockv:{ns} → ns
            if self._own.get(namespace, 0) > 0:
                self._own[namespace] -= 1  # our own commit's
            else:
                self._current.discard(namespace)

    def _connect(self) -> None:
        self._retry_at = time.monotonic() + 1.0
        listener = self._new_connection()  # type: ignore[no-untyped-call]
        try:
            listener.connect()
            listener._parser.set_invalidation_push_handler(self._invalidated)
            listener.send_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", PREFIX)
            listener.read_response()
        except (RedisError, OSError, AttributeError):
            listener.disconnect()
            return
        self._listener = listener
        self._arrived = input_check(listener)
        self._current.clear()
        self._own.clear()

    def _down(self) -> None:
        if self._listener is not None:
            self._listener.disconnect()
        self._listener = None
        self._current.clear()
        self._own.clear()
        self._retry_at = time.monotonic() + 1.0
