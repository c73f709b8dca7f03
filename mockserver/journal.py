"""The request journal: what the app under test sent and what it got, per namespace.

A bounded ring per namespace (`--journal-size`, 1,000 entries by default) of small objects that
hold the values the app already has (the scope's header pairs, its query bytes, the body bytes):
recording costs a few microseconds and nothing is decoded, redacted or serialized until a tester
reads the journal. Bodies are kept up to 16 KB.

Queries (`Filter`): operation (operationId), method, path (exact, or a glob when it contains `*`,
which matches any characters including `/`), status (`404` or a class `4xx`), since (an entry id:
newer entries only; or an ISO-8601 wall time: entries at or after it), limit; newest first.
`count` takes the same filters (WireMock's verify).

Credentials are cut to their first 8 characters when read: Authorization (after its scheme),
Proxy-Authorization, X-Mock-Admin-Token, every cookie's value, and each header or query parameter
the spec's `securitySchemes` name (`Redaction.from_spec`).
"""

from __future__ import annotations

import base64
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import orjson

from mockserver.journal_filter import Filter, FilterError
from mockserver.nearmiss import NearMisses
from mockserver.redaction import Redaction, cut

DECIDERS = frozenset({"override", "rule", "scenario", "world", "default", "validation", "route"})
DEFAULT_SIZE = 1000
BODY_LIMIT = 16 * 1024
MAX_NAMESPACES = 1000  # namespaces come from a header: their number is capped too
EVERYONE = "*"
ALL = Filter()
_ids = itertools.count(1)
_new_entry = tuple.__new__


class Entry(NamedTuple):
    """One request and its answer, as recorded: raw values, rendered by `Journal.render`.
    Its header pairs are a tuple of byte pairs, which the collector stops tracking once it has
    looked at them (uvicorn's list of them it would walk on every collection while kept)."""

    id: int
    wall: float
    namespace: str
    method: str
    path: str
    status: int | None
    decided_by: str
    query: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: Any = None
    response_body: bytes | None = None
    operation_id: str | None = None
    duration_ms: float = 0.0
    world_time: float | None = None
    revision: int | None = None
    marks: Mapping[str, Any] | None = None


class Journal:
    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        redaction: Redaction | None = None,
        near_misses: NearMisses | None = None,
    ) -> None:
        self.size = size
        self.redaction = redaction or Redaction()
        self.near_misses = near_misses
        self._rings: dict[str, deque[Entry]] = {}

    def record(
        self,
        namespace: str,
        method: str,
        path: str,
        status: int | None,
        decided_by: str,
        *,
        query: bytes = b"",
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: Any = None,
        response_body: bytes | None = None,
        operation_id: str | None = None,
        duration_ms: float = 0.0,
        world_time: float | None = None,
        revision: int | None = None,
        marks: Mapping[str, Any] | None = None,
    ) -> Entry | None:
        """Keep one request; returns None when the journal is off (`size` 0)."""
        if not self.size:
            return None
        # One byte over the limit is kept, so that reading can tell a cut body from a full one.
        if type(body) is bytes and len(body) > BODY_LIMIT:
            body = body[: BODY_LIMIT + 1]
        if response_body is not None and len(response_body) > BODY_LIMIT:
            response_body = response_body[: BODY_LIMIT + 1]
        entry = _new_entry(  # Entry(...) without the Python-level __new__ a NamedTuple adds
            Entry,
            (
                next(_ids),
                time.time(),
                namespace,
                method,
                path,
                status,
                decided_by,
                query,
                tuple(headers),
                body,
                response_body,
                operation_id,
                duration_ms,
                world_time,
                revision,
                marks,
            ),
        )
        self.keep(entry)
        return entry

    def keep(self, entry: Entry) -> None:
        """Where a recorded entry goes: here, its namespace's ring (shared_journal.py: Redis)."""
        ring = self._rings.get(entry.namespace)
        if ring is None:
            ring = self._ring(entry.namespace)
        ring.append(entry)

    def written(self) -> Awaitable[None] | None:
        """What an answer waits for before it leaves, so that its entry can be read by then:
        nothing here (a shared journal: the entry's write to the store)."""
        return None

    def _ring(self, namespace: str) -> deque[Entry]:
        if len(self._rings) >= MAX_NAMESPACES:  # forget the oldest other namespace
            oldest = next(ns for ns in self._rings if ns != "default")
            del self._rings[oldest]
        ring: deque[Entry] = deque(maxlen=self.size)
        self._rings[namespace] = ring
        return ring

    def find(self, namespace: str, wanted: Filter = ALL) -> list[Entry]:
        """Newest first; `namespace` "*" reads every namespace."""
        return list(itertools.islice(self._matching(namespace, wanted), wanted.limit))

    def count(self, namespace: str, wanted: Filter = ALL) -> int:
        return sum(1 for _ in self._matching(namespace, wanted))

    def get(self, namespace: str, entry_id: int) -> Entry | None:
        return next((e for e in self._entries(namespace) if e.id == entry_id), None)

    def lookup(self, namespace: str, entry_id: int) -> Entry | None:
        """The entry with this id: ids are unique across namespaces here, so any namespace's
        (a shared journal numbers each namespace's own: shared_journal.py)."""
        return self.get(EVERYONE, entry_id)

    def clear(self, namespace: str) -> int:
        """Forget a namespace's entries (every namespace's for "*"); how many went."""
        names = list(self._rings) if namespace == EVERYONE else [namespace]
        return sum(len(self._rings.pop(name, ())) for name in names)

    def _matching(self, namespace: str, wanted: Filter) -> Iterator[Entry]:
        return (entry for entry in self._entries(namespace) if wanted.matches(entry))

    def _entries(self, namespace: str) -> Iterable[Entry]:
        if namespace != EVERYONE:
            return reversed(self._rings.get(namespace, ()))
        everyone = [entry for ring in list(self._rings.values()) for entry in ring]
        return sorted(everyone, key=lambda entry: entry.id, reverse=True)

    def render(self, entry: Entry) -> dict[str, Any]:
        """The entry as the admin API shows it: decoded, redacted, bodies as text and JSON."""
        out: dict[str, Any] = {
            "id": entry.id,
            "namespace": entry.namespace,
            "time": _iso(entry.wall),
            "worldTime": _iso(entry.world_time) if entry.world_time is not None else None,
            "operationId": entry.operation_id,
            "decidedBy": entry.decided_by,
            "durationMs": round(entry.duration_ms, 3),
            "worldRevision": entry.revision,
            "request": {
                "method": entry.method,
                "path": entry.path,
                "query": self._query(entry.query),
                "headers": self._headers(entry.headers),
                **_body(entry.body),
            },
            "response": {"status": entry.status, **_body(entry.response_body)},
        }
        if entry.marks:
            out.update(entry.marks)
        if entry.decided_by == "route" and self.near_misses is not None:
            out["nearMisses"] = self.near_misses.nearest(entry.method, entry.path)
        return out

    def _headers(self, pairs: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for raw_name, raw_value in pairs:
            name = raw_name.decode("latin-1").lower()
            value = self.redaction.header(name, raw_value.decode("latin-1"))
            out[name] = f"{out[name]}, {value}" if name in out else value
        return out

    def _query(self, raw: bytes) -> dict[str, str]:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        return {k: cut(v) if k in self.redaction.query else v for k, v in pairs}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _body(body: Any) -> dict[str, Any]:
    """`json` when the body parses, else `body` as text (`bodyBase64` when not UTF-8); and
    `bodyTruncated` when it was cut at 16 KB (a cut JSON body shows as text)."""
    if body is None or body == b"":
        return {"body": None}
    if not isinstance(body, bytes | bytearray):  # a parsed body: serialize it now
        body = orjson.dumps(body, default=str)
    truncated = len(body) > BODY_LIMIT
    body = bytes(body[:BODY_LIMIT])
    out: dict[str, Any]
    try:
        out = {"json": orjson.loads(body)}
    except orjson.JSONDecodeError:
        try:
            out = {"body": body.decode("utf-8")}
        except UnicodeDecodeError:
            out = {"bodyBase64": base64.b64encode(body).decode()}
    out["bodyTruncated"] = truncated
    return out


__all__ = [
    "BODY_LIMIT",
    "DECIDERS",
    "DEFAULT_SIZE",
    "Entry",
    "Filter",
    "FilterError",
    "Journal",
    "Redaction",
]
