"""The store's wire, where redis-py's general-purpose client costs more than the call: the commit
script on a connection of its own, packed by hand (the client's packing and pooling cost ~80 µs
a call, the script itself ~120 µs inside Redis), and the outbox for the journal's appends, which
nobody waits for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis
from hiredis import pack_command
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError, ResponseError

from mockserver._compat import input_check

REPLIES_AT_ONCE = 256  # journal appends whose replies are read together (each is a few bytes)


def dedicated(client: redis.Redis, **overrides: Any) -> Callable[[], Any]:
    """Makes a connection of its own, with the client's settings (and `overrides`), outside its
    pool: a connection whose state or unread replies are this module's alone."""
    pool = client.connection_pool
    kwargs = dict(pool.connection_kwargs, **overrides)
    return lambda: pool.connection_class(**kwargs)


def resp(*parts: Any) -> bytes:
    """A command in Redis's protocol (RESP), packed by hiredis."""
    return bytes(pack_command(parts))


class Direct:
    """One connection for the calls a request waits for; reconnects on the next call after a
    failure (the caller answers 503 for the one that failed)."""

    def __init__(self, client: redis.Redis) -> None:
        self._new_connection = dedicated(client)
        self._connection: Any = None
        self._closed: Callable[[], bool] | None = None

    def script(self, sha: str, body: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """EVALSHA, and EVAL once when Redis does not know the script (a restarted Redis)."""
        try:
            return self._run(resp("EVALSHA", sha, len(keys), *keys, *args))
        except NoScriptError:
            return self._run(resp("EVAL", body, len(keys), *keys, *args))

    def _run(self, packed: bytes) -> Any:
        if self._connection is not None and self._closed is not None and self._closed():
            self._connection.disconnect()  # Redis went away since: nothing is owed on it,
            self._connection = None  # so a fresh connection carries this call
        if self._connection is None:
            connection = self._new_connection()
            connection.connect()
            self._connection = connection
            self._closed = input_check(connection)  # between calls, input means a close
        try:
            self._connection.send_packed_command([packed], check_health=False)
            return self._connection.read_response()
        except ResponseError:
            raise
        except (RedisError, OSError) as exc:
            self._connection.disconnect()
            self._connection = None
            if isinstance(exc, RedisError):
                raise
            raise RedisConnectionError(str(exc)) from None


class Outbox:
    """Writes nobody waits for (journal entries): sent in one write per turn of the event loop on
    a connection of their own, their replies read as they come, so a call pays no round trip.
    An answer waits for that write (`sent`), not for its reply: Redis has the entry before the
    client has the answer, so a tester reading through another worker right after finds it. Entries
    whose delivery is unconfirmed when Redis goes away may be lost (`unconfirmed` counts them),
    as an access log loses lines on a full disk."""

    def __init__(self, client: redis.Redis) -> None:
        self._new_connection = dedicated(client)
        self._connection: Any = None
        self._arrived: Callable[[], bool] | None = None
        self._queue: list[tuple[Any, ...]] = []
        self._scheduled = False
        self._sent: asyncio.Future[None] | None = None
        self._pending = 0
        self._retry_at = 0.0
        self.unconfirmed = 0

    def send(self, *command: Any) -> None:
        """Queue `command`; the queue leaves in one write at the end of this turn of the event
        loop (right after the reply that caused it), or now when there is no loop."""
        self._queue.append(command)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._send_queued()
            return
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._send_queued)

    def sent(self) -> asyncio.Future[None] | None:
        """Done once what is queued now has been written (at the end of this turn of the loop);
        None when nothing is waiting."""
        if not self._queue:
            return None
        if self._sent is None:
            self._sent = asyncio.get_running_loop().create_future()
        return self._sent

    def _send_queued(self) -> None:
        self._scheduled = False
        sent, self._sent = self._sent, None
        try:
            self._write_queued()
        finally:  # written or counted as unconfirmed: either way nothing is left to wait for
            if sent is not None and not sent.done():
                sent.set_result(None)

    def _write_queued(self) -> None:
        queued, self._queue = self._queue, []
        for _ in range(2):  # a connection a restarted Redis closed is replaced, once
            connection = self._connected()
            if connection is None:
                break
            try:
                self._read_arrived(connection)
                connection.send_packed_command(connection.pack_commands(queued), check_health=False)
                self._pending += len(queued)
                return
            except (RedisError, OSError):
                self._down()
                self._retry_at = 0.0
        self.unconfirmed += len(queued)

    def flush(self) -> None:
        """Wait for every reply: what was sent is applied (before this worker reads it back)."""
        if self._queue:
            self._send_queued()
        connection = self._connection
        try:
            while connection is not None and self._pending:
                self._reply(connection)
        except (RedisError, OSError):
            self._down()

    def _read_arrived(self, connection: Any) -> None:
        """Read the replies that came, and notice a close (nothing owed, yet readable: EOF)."""
        arrived = self._arrived
        if arrived is None:  # no cheap look: read them all now and then
            if self._pending >= REPLIES_AT_ONCE:
                while self._pending:
                    self._reply(connection)
            return
        while arrived():
            if self._pending:
                self._reply(connection)
            else:
                connection.read_response()  # raises on the close

    def _reply(self, connection: Any) -> None:
        self._pending -= 1
        try:
            connection.read_response()
        except ResponseError:
            self.unconfirmed += 1

    def _connected(self) -> Any:
        if self._connection is None and time.monotonic() >= self._retry_at:
            self._retry_at = time.monotonic() + 1.0
            connection = self._new_connection()
            try:
                connection.connect()
            except (RedisError, OSError):
                connection.disconnect()
                return None
            self._connection = connection
            self._arrived = input_check(connection)
        return self._connection

    def _down(self) -> None:
        self.unconfirmed += self._pending
        self._pending = 0
        if self._connection is not None:
            self._connection.disconnect()
        self._connection = None
        self._arrived = None
