"""The shared store (`--store redis://…`): what every worker and host reads one namespace's world
from, and commits its changes to, one namespace at a time (docs/scale.md).

A namespace is a handful of keys that share the hash tag `{ns}`, so Redis Cluster keeps them on
one shard and one script may touch them all:

    mockv:{ns}       its version: moves on every commit (watched: store_watch.py)
    mock:{ns}:e      hash: entity key → the entity as JSON (the flavor decides what an entity is)
    mock:{ns}:z      sorted set: the timed transitions due later, scored by when
    mock:{ns}:l:…    lists too long to rewrite on every change (a workspace's sessions), changed
                     by appends, removals and trims; their names are kept in mock:{ns}:ls
    mock:{ns}:o      hash: entity key → its place in the order entities were made (a world's
                     dicts iterate in that order, and Redis hashes keep none)
    mock:{ns}:log    stream: one record per commit, id `<version>-1`, so a worker that holds
                     version 41 reads 42… and patches its copy instead of reloading the world
    mock:{ns}:j      stream: the namespace's journal, capped

A commit is one Lua script: it checks the version the worker read (optimistic concurrency; on a
mismatch it changes nothing and the worker syncs and runs the call again), writes the changed
entities, list operations and timeline entries, bumps the version and appends the log record.
The domain rules stay in Python; the script only applies what they decided.

Every failure to reach Redis in time is `StoreUnavailable`: a 503 in the flavor's envelope.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, RedisError, TimeoutError
from redis.retry import Retry

from mockserver.errors import ApiError
from mockserver.store_watch import PREFIX as WATCHED
from mockserver.store_watch import Watch
from mockserver.store_wire import Direct, Outbox

DEFAULT_NAMESPACE = "default"
LOG_KEEP = 2000
REPLIES_AT_ONCE = 256  # journal appends whose replies are read together (each is a few bytes)  # commits a lagging worker can catch up on before it reloads the namespace


class StoreUnavailable(ApiError):
    """The shared store did not answer in time: the call changed nothing it acknowledged."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            503,
            "MOCK_STORE_UNAVAILABLE",
            f"The mock's shared store is unavailable ({reason}); retry shortly",
            "store:unavailable",
            headers={"Retry-After": "1"},
        )


@dataclass
class Changes:
    """What one call changed in a namespace, ready to commit."""

    upserts: dict[str, bytes] = field(default_factory=dict)  # entity key → JSON
    made: list[str] = field(default_factory=list)  # upserts that are new entities (their order)
    deletes: list[str] = field(default_factory=list)
    lists: list[tuple[str, str, str]] = field(default_factory=list)  # (list, op, value)
    due_added: list[tuple[float, str]] = field(default_factory=list)  # (at, member)
    due_removed: list[str] = field(default_factory=list)
    wipe: bool = False  # the namespace starts over: everything it held goes first

    def __bool__(self) -> bool:
        return bool(
            self.upserts
            or self.deletes
            or self.lists
            or self.due_added
            or self.due_removed
            or self.wipe
        )


@dataclass
class Loaded:
    """A namespace as one consistent read: its version, entities, timeline and lists."""

    version: int
    entities: dict[str, bytes]
    due: list[tuple[str, float]]
    lists: dict[str, list[str]]


# KEYS: v, e, z, log, ls, o (entity → when it was made), oc (its counter), then the lists named by
# index. ARGV: expected version, log cap, record, wipe flag, then counted sections: upserts (k, v),
# entities made (k), deletes (k), due added (score, member), due removed (member), list ops (key
# index, op, value). Each section is one call (in chunks: Lua's stack holds ~8,000 values), not
# one call per item: a call from Lua costs more than the write it makes.
_COMMIT = """
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v ~= tonumber(ARGV[1]) then return -1 end
if ARGV[4] == '1' then
  for _, name in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('DEL', name) end
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[5], KEYS[6], KEYS[7])
end
local i = 5
local function each(width, command, key)
  local n = tonumber(ARGV[i]); i = i + 1
  local stop = i + n * width - 1
  while i <= stop do
    local last = math.min(stop, i + 500 * width - 1)
    redis.call(command, key, unpack(ARGV, i, last))
    i = last + 1
  end
  return n
end
each(2, 'HSET', KEYS[2])
local made = tonumber(ARGV[i]); i = i + 1
if made > 0 then
  local first = redis.call('INCRBY', KEYS[7], made) - made
  local order = {}
  for j = 0, made - 1 do order[#order + 1] = ARGV[i + j]; order[#order + 1] = first + j + 1 end
  for from = 1, #order, 1000 do
    redis.call('HSET', KEYS[6], unpack(order, from, math.min(#order, from + 999)))
  end
  i = i + made
end
local mark = i
if each(1, 'HDEL', KEYS[2]) > 0 then i = mark; each(1, 'HDEL', KEYS[6]) end
each(2, 'ZADD', KEYS[3])
each(1, 'ZREM', KEYS[3])
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local key, op, value = KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2]
  if op == '+' then redis.call('RPUSH', key, value)
  elseif op == '-' then redis.call('LREM', key, 1, value)
  elseif op == 't' then redis.call('LTRIM', key, tonumber(value), -1) end
  i = i + 3
end
if #KEYS > 7 then redis.call('SADD', KEYS[5], unpack(KEYS, 8)) end
v = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], v .. '-1', 'r', ARGV[3])
return v
"""


_COMMIT_SHA = hashlib.sha1(_COMMIT.encode()).hexdigest()


class RedisStore:
    """One connection pool to the shared store, and the few operations a world needs of it."""

    def __init__(self, url: str, timeout: float, ttl: float = 0.0) -> None:
        self.url = url
        self.timeout = timeout
        self.ttl = ttl  # seconds a namespace nobody calls is kept (--namespace-ttl); 0: for ever
        self._kept: dict[str, float] = {}  # namespace → when this worker last renewed its keys
        self.redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # a bounded answer beats a retried one: the caller retries
            health_check_interval=0,
        )
        self.watch = Watch(self.redis)
        self.outbox = Outbox(self.redis)
        self.direct = Direct(self.redis)
        self.last_error: str | None = None
        self._failing = ""  # the last failure's kind, while calls fail fast
        self._failing_until = 0.0
        self.last_error_at: float | None = None
        self.commits = 0
        self.conflicts = 0  # commits that lost the race (the call ran again)
        self.loads = 0  # namespaces read whole (first use, a reset, a log that did not reach)
        self.patched = 0  # other workers' commits applied from the log

    # -- keys ------------------------------------------------------------------------------------
    @staticmethod
    def key(namespace: str, part: str) -> str:
        if part == "v":  # apart, so workers can watch the versions alone (store_watch.py)
            return f"{WATCHED}{{{namespace}}}"
        return f"mock:{{{namespace}}}:{part}"

    # -- reads -----------------------------------------------------------------------------------
    def version(self, namespace: str) -> int:
        raw = self._call(self.redis.get, self.key(namespace, "v"))
        return int(raw or 0)

    def unchanged(self, namespace: str) -> bool:
        """True when no worker has committed to the namespace since this one last caught up
        (`caught_up`); costs no round trip (store_watch.py)."""
        return self.watch.is_current(namespace)

    def caught_up(self, namespace: str) -> None:
        self.watch.read(namespace)

    def load(self, namespace: str) -> Loaded:
        """The whole namespace, read in one MULTI so it is one version's state."""
        k = self.key
        self.loads += 1
        for _ in range(5):
            lists = self._call(self.redis.smembers, k(namespace, "ls"))
            pipe = self.redis.pipeline(transaction=True)
            pipe.get(k(namespace, "v"))
            pipe.hgetall(k(namespace, "e"))
            pipe.hgetall(k(namespace, "o"))
            pipe.zrange(k(namespace, "z"), 0, -1, withscores=True)
            pipe.smembers(k(namespace, "ls"))
            names = sorted(n.decode() for n in lists)
            for name in names:
                pipe.lrange(name, 0, -1)
            raw_v, entities, order, due, lists_now, *contents = self._call(pipe.execute)
            if lists_now != lists:  # a list appeared or went between the two reads: read again
                continue
            prefix = len(k(namespace, "l:"))
            return Loaded(
                int(raw_v or 0),
                {  # in the order they were made: the world iterates its dicts in that order
                    key.decode(): entities[key]
                    for key in sorted(entities, key=lambda key: int(order.get(key, 0)))
                },
                [(member.decode(), score) for member, score in due],
                {
                    name[prefix:]: [item.decode() for item in items]
                    for name, items in zip(names, contents, strict=True)
                },
            )
        raise StoreUnavailable("the namespace kept changing while it was read")

    def records_since(self, namespace: str, version: int) -> list[tuple[int, bytes]] | None:
        """The commit records after `version`, oldest first; None when the log no longer reaches
        back that far (the caller reloads the namespace)."""
        rows = self._call(self.redis.xrange, self.key(namespace, "log"), f"{version + 1}-0", "+")
        records = [(int(rid.decode().split("-")[0]), fields[b"r"]) for rid, fields in rows]
        if not records or records[0][0] != version + 1:
            return None
        return records

    def keep_alive(self, namespace: str) -> None:
        """Renew the namespace's keys' expiry (`--namespace-ttl`), at most every tenth of it per
        worker: Redis forgets a namespace no worker has served for that long. The default
        namespace is kept for ever, as in one process."""
        if self.ttl <= 0 or namespace == DEFAULT_NAMESPACE:
            return
        now = time.monotonic()
        if now - self._kept.get(namespace, -self.ttl) < self.ttl / 10:
            return
        self._kept[namespace] = now
        if len(self._kept) > 100_000:
            self._kept.clear()
        parts = ("v", "e", "z", "log", "ls", "o", "oc", "j", "jn")
        names = [self.key(namespace, part) for part in parts]
        names += [n.decode() for n in self._call(self.redis.smembers, self.key(namespace, "ls"))]
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.expire(name, int(self.ttl) + 1)
        self._call(pipe.execute)

    # -- writes ----------------------------------------------------------------------------------
    def commit(self, namespace: str, expected: int, changes: Changes, record: bytes) -> int | None:
        """Apply `changes` if the namespace is still at `expected`: the new version, or None
        (someone else committed first; nothing was written)."""
        k = self.key
        list_names = sorted({name for name, _, _ in changes.lists})
        index = {name: 8 + i for i, name in enumerate(list_names)}
        keys = [k(namespace, p) for p in ("v", "e", "z", "log", "ls", "o", "oc")]
        keys += [k(namespace, "l:" + name) for name in list_names]
        args: list[Any] = [expected, LOG_KEEP, record, "1" if changes.wipe else "0"]
        args += _counted(changes.upserts.items())
        args += _counted((key,) for key in changes.made)
        args += _counted((key,) for key in changes.deletes)
        args += _counted(changes.due_added)
        args += _counted((member,) for member in changes.due_removed)
        args += _counted((index[name], op, value) for name, op, value in changes.lists)
        self.watch.expect(namespace)  # before it is sent: its message may come before its reply
        try:
            result = int(self._call(self.direct.script, _COMMIT_SHA, _COMMIT, keys, args))
        except StoreUnavailable:
            self.watch.forget(namespace)  # it may or may not have landed: read the version
            raise
        if result < 0:
            self.watch.expect(namespace, -1)
        if result < 0:
            self.conflicts += 1
            return None
        self.commits += 1
        return result

    def wipe(self, namespace: str) -> None:
        """Forget the namespace's world (its version still moves on, so every worker notices)."""
        for _ in range(20):
            expected = self.version(namespace)
            if self.commit(namespace, expected, Changes(wipe=True), b'{"reset":true}') is not None:
                return
        raise StoreUnavailable("the namespace kept changing while it was reset")

    def namespaces(self) -> list[str]:
        """Every namespace that holds a world."""
        return self.scan_namespaces("e")

    def scan_namespaces(self, part: str) -> list[str]:
        """Every namespace that has its `part` key (a world: "e", a journal: "j")."""
        pattern = f"mock:{{*}}:{part}"
        found = self._call(lambda: list(self.redis.scan_iter(match=pattern, count=1000)))
        return sorted(key.decode()[len("mock:{") : -len(f"}}:{part}")] for key in found)

    # -- state -----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """What `GET /__mock` shows: where the store is, whether it answers, its last failure."""
        up = True
        self.watch.poll()
        try:
            self._call(self.redis.ping)
        except StoreUnavailable:
            up = False
        return {
            "kind": "redis",
            "url": _without_password(self.url),
            "worker": os.getpid(),  # the counters below are this worker's
            "up": up,
            "timeoutSeconds": self.timeout,
            "watch": self.watch.up,
            "commits": self.commits,
            "conflicts": self.conflicts,
            "loads": self.loads,
            "patched": self.patched,
            "lastError": self.last_error,
            "journalEntriesUnconfirmed": self.outbox.unconfirmed,
        }

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """`fn(...)`, a failure as `StoreUnavailable`. After a failure, calls fail at once for
        one `--store-timeout` and then one tries again, so a frozen Redis costs each waiting
        call at most about two timeouts, not one timeout per call queued before it."""
        if self._failing_until and time.monotonic() < self._failing_until:
            raise StoreUnavailable(self._failing)
        try:
            result = fn(*args, **kwargs)
        except RedisError as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.last_error_at = time.time()
            if isinstance(exc, ConnectionError | TimeoutError):  # Redis did not answer
                self._failing = type(exc).__name__
                self._failing_until = time.monotonic() + self.timeout
            raise StoreUnavailable(type(exc).__name__) from None
        self._failing_until = 0.0
        return result


def shared(settings: Any) -> bool:
    """Whether `settings` put the worlds in a shared store."""
    return str(settings.store) != "memory"


def _counted(rows: Iterable[Sequence[Any]]) -> list[Any]:
    flat: list[Any] = []
    count = 0
    for row in rows:
        flat.extend(row)
        count += 1
    return [count, *flat]


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}"
