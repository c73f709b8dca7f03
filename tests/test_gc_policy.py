"""The long-lived data may be frozen out of full collections because it makes no reference
cycles; and the hook freezes each full collection's survivors, thawing them now and then."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from mockserver import gc_policy
from mockserver.app import MockApp, create_app
from mockserver.journal import Journal
from mockserver.settings import Settings
from tests.conftest import CONSUMER_KEY, OPERATOR_KEY

LIVE = "b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a"


@pytest.fixture
def no_freezing() -> Iterator[None]:
    yield
    gc.callbacks[:] = [h for h in gc.callbacks if not isinstance(h, gc_policy.FreezeSurvivors)]
    gc.unfreeze()


def call(app: MockApp, method: str, path: str, key: str = "", body: Any = None) -> int:
    """One request straight into the ASGI app (a client library would leave cycles of its own)."""
    raw = orjson.dumps(body) if body is not None else b""
    headers = [
        (b"host", b"x"),
        (b"x-mock-namespace", b"gc"),
        (b"content-type", b"application/json"),
    ]
    if key:
        headers.append((b"authorization", f"Bearer {key}".encode()))
    if raw:
        headers.append((b"content-length", str(len(raw)).encode()))
    path_only, _, query = path.partition("?")
    scope = {"type": "http", "method": method, "path": path_only, "raw_path": path_only.encode(),
             "query_string": query.encode(), "headers": headers, "http_version": "1.1",
             "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
             "root_path": "", "asgi": {"version": "3.0"}}  # fmt: skip
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    loop.run_until_complete(app(scope, receive, send))
    return statuses[0]


loop = asyncio.new_event_loop()


def test_a_world_written_to_and_reset_leaves_no_cyclic_garbage() -> None:
    app = create_app(Settings())
    write = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60}
    for _ in range(40):
        assert call(app, "POST", "/api/v1/sessions", CONSUMER_KEY, write) == 200
    assert call(app, "GET", "/api/v1/sessions?limit=20", CONSUMER_KEY) == 200
    assert call(app, "GET", f"/api/v1/sessions/{LIVE}/producer-token", OPERATOR_KEY) == 200
    assert call(app, "GET", "/api/v1/nowhere", CONSUMER_KEY) == 404  # journaled with near misses
    gc.collect()
    gc.disable()  # nothing may collect between here and the count below
    try:
        assert call(app, "POST", "/__mock/reset", body={"namespace": "gc"}) == 200
        assert call(app, "DELETE", "/__mock/requests") == 200
        assert gc.collect() == 0  # reference counting freed the world and the journal
    finally:
        gc.enable()


def test_each_full_collection_freezes_its_survivors(no_freezing: None) -> None:
    hook = gc_policy.install()
    assert gc_policy.install() is hook  # once per process
    kept = [{"n": [i]} for i in range(1000)]
    before = gc.get_freeze_count()
    gc.collect()
    assert gc.get_freeze_count() >= before + 1000
    assert hook.freezes >= 1
    del kept


def test_the_frozen_set_is_thawed_every_so_often(no_freezing: None) -> None:
    now = [0.0]
    hook = gc_policy.FreezeSurvivors(clock=lambda: now[0])
    gc.callbacks.append(hook)
    gc.collect()
    assert gc.get_freeze_count() > 0
    now[0] = gc_policy.THAW_S + 1
    gc.collect()
    assert gc.get_freeze_count() == 0 and hook.thawed_at == now[0]


def test_a_journal_entrys_headers_leave_the_collector_once_it_has_looked() -> None:
    """A full journal (1,000 entries a namespace) keeps one tracked object per entry."""
    journal = Journal()
    entry = journal.record(
        "default", "GET", "/x", 200, "world",
        headers=[(b"host", b"x")], body=b"", response_body=b"{}", operation_id="op",
        duration_ms=1.0, world_time=1.0, revision=3,
    )  # fmt: skip
    assert entry is not None
    gc.collect()
    assert not gc.is_tracked(entry.headers)


class Cycle:
    """uvicorn's shape: the `send` given to the app is a method of the object holding the scope."""

    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope
        self.status = 0

    async def receive(self) -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]


def test_a_request_served_the_way_uvicorn_serves_it_leaves_no_cycle() -> None:
    app = create_app(Settings())
    path = f"/api/v1/sessions/{LIVE}/producer-token"
    headers = [(b"host", b"x"), (b"authorization", f"Bearer {OPERATOR_KEY}".encode())]

    def one() -> int:
        cycle = Cycle({"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                       "query_string": b"", "headers": headers, "http_version": "1.1",
                       "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
                       "root_path": "", "asgi": {"version": "3.0"}})  # fmt: skip
        loop.run_until_complete(app(cycle.scope, cycle.receive, cycle.send))
        return cycle.status

    assert one() == 200  # the first call takes the whole stack, the next ones the lane
    gc.collect()
    gc.disable()
    try:
        assert [one(), one()] == [200, 200]
        assert gc.collect() == 0  # each request's objects went when it ended
    finally:
        gc.enable()
