"""The journal in the shared store (`--store redis://…`): every worker's calls in one place.

Each namespace's entries are a capped Redis stream (`mock:{ns}:j`, `--journal-size` entries,
trimmed by Redis), numbered by the namespace's own counter (`mock:{ns}:jn`), so entry ids are
small integers, newest highest, as in the embedded journal. An id names an entry within its
namespace: `GET /__mock/requests/{id}` looks in the caller's namespace first, then in every
other (the newest entry with that id). An entry is written once, as JSON of what `Journal.record` keeps; reading decodes the
stream back into `Entry` objects, and filtering, redaction and rendering are the embedded
journal's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any

import orjson

from mockserver.journal import EVERYONE, Entry, Journal
from mockserver.redisstore import RedisStore, StoreUnavailable

# KEYS: counter, stream. ARGV: cap, entry JSON. The entry's id is the counter's next value.
_APPEND = """
local n = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], n .. '-1', 'e', ARGV[2])
return n
"""


class SharedJournal(Journal):
    def __init__(self, store: RedisStore, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store

    def keep(self, entry: Entry) -> None:
        """To the store, not this process; its id is the store's, seen when read back."""
        namespace, key = entry.namespace, self.store.key
        try:
            self.store.keep_alive(namespace)
        except StoreUnavailable:  # the call answered 503 (or already had its answer): the
            return  # journal misses it, as an access log misses lines on a full disk
        self.store.outbox.send(
            "EVAL", _APPEND, 2, key(namespace, "jn"), key(namespace, "j"), self.size, _encode(entry)
        )

    def written(self) -> Awaitable[None] | None:
        """What an answer waits for: the write of the entries recorded in this turn."""
        return self.store.outbox.sent()

    def lookup(self, namespace: str, entry_id: int) -> Entry | None:
        """The call's namespace's entry with this id, else the newest one of any namespace."""
        self.store.outbox.flush()
        found = self._one(namespace, entry_id)
        if found is not None:
            return found
        others = (self._one(name, entry_id) for name in self._names() if name != namespace)
        return max((e for e in others if e is not None), key=lambda e: e.wall, default=None)

    def _one(self, namespace: str, entry_id: int) -> Entry | None:
        stream, rid = self.store.key(namespace, "j"), f"{entry_id}-1"
        rows = self.store._call(self.store.redis.xrange, stream, rid, rid)
        return _decode(namespace, *rows[0]) if rows else None

    def clear(self, namespace: str) -> int:
        self.store.outbox.flush()
        names = self._names() if namespace == EVERYONE else [namespace]
        gone = 0
        for name in names:
            stream = self.store.key(name, "j")
            pipe = self.store.redis.pipeline(transaction=True)
            pipe.xlen(stream)
            pipe.delete(stream)
            gone += int(self.store._call(pipe.execute)[0])
        return gone

    def _entries(self, namespace: str) -> Iterable[Entry]:
        self.store.outbox.flush()
        if namespace != EVERYONE:
            return self._read(namespace)
        everyone = [entry for name in self._names() for entry in self._read(name)]
        return sorted(everyone, key=lambda entry: entry.wall, reverse=True)

    def _read(self, namespace: str) -> list[Entry]:
        if not self.size:
            return []
        rows = self.store._call(
            self.store.redis.xrevrange, self.store.key(namespace, "j"), "+", "-", self.size
        )
        return [_decode(namespace, rid, fields) for rid, fields in rows]

    def _names(self) -> list[str]:
        return self.store.scan_namespaces("j")


def _bytes(value: bytes | bytearray | None) -> str | None:
    """Bytes as text that JSON carries and `_unbytes` turns back exactly (latin-1 is 1:1)."""
    return None if value is None else bytes(value).decode("latin-1")


def _unbytes(value: str | None) -> bytes | None:
    return None if value is None else value.encode("latin-1")


def _headers(text: str) -> tuple[tuple[bytes, bytes], ...]:
    """The header pairs `_encode` joined (no name holds ':', no value a line break)."""
    if not text:
        return ()
    pairs = (line.encode("latin-1").partition(b":") for line in text.split("\r\n"))
    return tuple((name, value) for name, _, value in pairs)


def _encode(entry: Entry) -> bytes:
    body = entry.body
    return orjson.dumps(
        {
            "wall": entry.wall,
            "method": entry.method,
            "path": entry.path,
            "status": entry.status,
            "decidedBy": entry.decided_by,
            "query": _bytes(entry.query),
            "headers": b"\r\n".join([k + b":" + v for k, v in entry.headers]).decode("latin-1"),
            "raw": _bytes(body) if isinstance(body, bytes | bytearray) else None,
            "parsed": None if isinstance(body, bytes | bytearray) else body,
            "response": _bytes(entry.response_body),
            "operationId": entry.operation_id,
            "durationMs": entry.duration_ms,
            "worldTime": entry.world_time,
            "revision": entry.revision,
            "marks": entry.marks,
        },
        default=str,
    )


def _decode(namespace: str, rid: bytes, fields: dict[bytes, bytes]) -> Entry:
    data = orjson.loads(fields[b"e"])

    return Entry(
        int(rid.split(b"-")[0]),
        data["wall"],
        namespace,
        data["method"],
        data["path"],
        data["status"],
        data["decidedBy"],
        _unbytes(data["query"]) or b"",
        _headers(data["headers"]),
        _unbytes(data["raw"]) if data["raw"] is not None else data["parsed"],
        _unbytes(data["response"]),
        data["operationId"],
        data["durationMs"],
        data["worldTime"],
        data["revision"],
        data["marks"],
    )
