"""Two mock processes, one world (issue 14): `mockserver serve --store redis://…` on two ports
share every namespace through one real Redis, so a team can run the mock on several workers or
hosts and its users cannot tell.

Each test drives both mocks ("A" and "B") over HTTP, in a namespace of its own (a fresh copy of
the default world), with the demo keys. The outage tests come last: they stop and freeze the
Redis under the same two mocks, make sure it runs again, and check the mocks came back by
themselves. `make serve` with no `--store` needs no Redis: tests/test_cli.py serves that way,
and every in-process test runs on the default memory store.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.redis_server import RedisServer
from tests.shared_pair import Mock, Via, both, outcome, race, two_mocks
from tests.world_client import (
    ASSIGNED,
    BOGOTA,
    MEDELLIN,
    MEDELLIN_WS,
    OPERATOR,
    OPERATOR_WS,
    seconds_between,
)

OUTAGE_CALL_TIMEOUT_S = 5.0  # with the store down: ten times the store timeout, for a busy machine
RECOVERY_TIMEOUT_S = 15.0
RACERS = 50
POOL_ROOM = 7  # sessions the pool can hold in the creates race
OPEN = ("REQUESTED", "ASSIGNED", "LIVE")  # states that hold part of the pool
QUOTE = {"lat": "4.66", "lng": "-74.05", "durationSeconds": "60"}
WORKSPACE_OF = {OPERATOR: OPERATOR_WS, MEDELLIN: MEDELLIN_WS}


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer) -> Iterator[tuple[Mock, Mock]]:
    redis_server.start()
    redis_server.resume()
    redis_server.flush()
    with two_mocks(redis_server.url) as mocks:
        yield mocks


@pytest.fixture
def via(pair: tuple[Mock, Mock]) -> Iterator[tuple[Via, Via]]:
    with both(pair) as sides:
        yield sides


# -- one world through two processes -----------------------------------------------------------------
def test_a_session_created_through_one_mock_is_read_through_the_other(
    via: tuple[Via, Via],
) -> None:
    a, b = via
    created = a.create()
    assert b.session(created["id"]) == created
    assert created["id"] in b.ids()
    other = b.create(maxDurationSeconds=60)
    assert a.session(other["id"]) == other
    assert a.listed() == b.listed()


def test_of_50_accepts_spread_over_both_mocks_exactly_one_wins(via: tuple[Via, Via]) -> None:
    a, b = via
    # Two operators race: free Medellín (cancel the session it holds) and move its coverage
    # over Bogotá, so the session must end up with whichever one won, not merely with someone.
    assert a.ok("DELETE", f"/sessions/{ASSIGNED}")["state"] == "CANCELLED"
    coverage = {"coverageLat": 4.66, "coverageLng": -74.05, "coverageRadiusMeters": 15000}
    b.ok("PATCH", f"/workspaces/{MEDELLIN_WS}", MEDELLIN, json=coverage)
    requested = b.create()
    seats = [(a if i % 2 else b, OPERATOR if i % 4 < 2 else MEDELLIN) for i in range(RACERS)]

    def accept(side: Via, key: str) -> Callable[[], httpx.Response]:
        return lambda: side.call("POST", f"/sessions/{requested['id']}/accept", key, json={})

    answers = race([accept(side, key) for side, key in seats])
    outcomes = Counter(outcome(r) for r in answers)
    assert outcomes == Counter({(200, None): 1, (409, "INVALID_STATE"): RACERS - 1})
    (winner,) = [key for (_, key), r in zip(seats, answers, strict=True) if r.status_code == 200]
    for side in (a, b):
        session = side.session(requested["id"])
        assert session["state"] == "ASSIGNED"
        assert session["operatorWorkspaceId"] == WORKSPACE_OF[winner]


def test_of_50_creates_against_a_pool_with_room_for_7_exactly_7_are_made(
    via: tuple[Via, Via],
) -> None:
    a, b = via
    before = a.listed()
    # docs/world.md: available = trackedBalance − holds of open sessions − charges not yet
    # confirmed (none in the default world: its ENDED session's settlement is CONFIRMED).
    held = sum(int(s["holdMicroUsdc"]) for s in before if s["state"] in OPEN)
    available = int(b.ok("GET", "/wallet")["trackedBalance"]) - held
    rate = int(b.ok("GET", "/pricing/quote", params=QUOTE)["ratePerSecondMicroUsdc"])
    seconds = available // (POOL_ROOM * rate)  # a hold is rate × maxDurationSeconds
    assert POOL_ROOM * seconds * rate <= available < (POOL_ROOM + 1) * seconds * rate
    too_big = {**BOGOTA, "maxDurationSeconds": available // rate + 1}
    refused = a.fails(402, "INSUFFICIENT_CREDIT", "POST", "/sessions", json=too_big)
    assert f"{available} available" in refused["message"]  # the mock agrees on the pool

    body = {**BOGOTA, "maxDurationSeconds": seconds}

    def create(side: Via) -> Callable[[], httpx.Response]:
        return lambda: side.call("POST", "/sessions", json=body)

    answers = race([create(a if i % 2 else b) for i in range(RACERS)])
    outcomes = Counter(outcome(r) for r in answers)
    assert outcomes == Counter(
        {(200, None): POOL_ROOM, (402, "INSUFFICIENT_CREDIT"): RACERS - POOL_ROOM}
    )
    made = {r.json()["data"]["id"] for r in answers if r.status_code == 200}
    assert len(made) == POOL_ROOM
    old = {s["id"] for s in before}
    assert a.ids() - old == made and b.ids() - old == made
    b.fails(402, "INSUFFICIENT_CREDIT", "POST", "/sessions", json=body)  # and it stays full


def test_a_clock_moved_through_one_mock_is_the_clock_of_the_other(via: tuple[Via, Via]) -> None:
    a, b = via
    frozen = a.admin("POST", "/clock", json={"freeze": True})
    assert frozen["frozen"] is True
    assert b.admin("GET", "/clock") == frozen
    waiting = b.create(waitTimeoutSeconds=5)
    quote = b.ok("GET", "/pricing/quote", params=QUOTE)  # lives 30 s
    moved = a.admin("POST", "/clock", json={"advance": 40})
    assert seconds_between(frozen["now"], moved["now"]) == 40
    assert b.admin("GET", "/clock") == moved
    expired = b.session(waiting["id"])
    assert expired["state"] == "EXPIRED"
    assert a.session(waiting["id"]) == expired  # applied once: the same end time through both
    late = {**BOGOTA, "maxDurationSeconds": 60, "quoteId": quote["quoteId"]}
    refused = b.fails(409, "QUOTE_EXPIRED", "POST", "/sessions", json=late)
    assert refused["detail"] == "quote:expired"


def test_the_journal_lists_calls_made_through_both_mocks(via: tuple[Via, Via]) -> None:
    a, b = via
    path = f"/sessions/{uuid.uuid4()}"  # a session nobody has: a path only this test calls
    for side in (a, b):
        side.fails(404, "SESSION_NOT_FOUND", "GET", path, headers={"X-Test-Via": side.name})
    wanted = {"path": "/api/v1" + path}
    for side in (a, b):
        entries = side.admin("GET", "/requests", params=wanted)["requests"]
        newest_first = [e["request"]["headers"]["x-test-via"] for e in entries]
        assert newest_first == ["B", "A"]
        assert [e["response"]["status"] for e in entries] == [404, 404]
        assert [e["decidedBy"] for e in entries] == ["world", "world"]
        assert side.admin("POST", "/requests/count", json=wanted)["count"] == 2


def test_what_falls_due_is_applied_once_when_both_mocks_read_at_once(via: tuple[Via, Via]) -> None:
    """Time is lazy: whichever process reads first applies what fell due, and only once."""
    a, b = via
    a.admin("POST", "/clock", json={"freeze": True})
    session = a.create(maxDurationSeconds=30)
    assert b.ok("POST", f"/sessions/{session['id']}/dispatch")["state"] == "ASSIGNED"
    balance = int(a.ok("GET", "/wallet")["trackedBalance"])
    # The autopilot makes it LIVE 5 s on; 30 s later it expires, metered; 5 s after, settled.
    a.admin("POST", "/clock", json={"advance": 100})
    reads = [(a if i % 2 else b, "/wallet/events" if i % 4 < 2 else "/wallet") for i in range(20)]
    answers = race([lambda side=side, path=path: side.call("GET", path) for side, path in reads])
    assert {outcome(r) for r in answers} == {(200, None)}
    for side in (a, b):
        ended = side.session(session["id"])
        assert (ended["state"], ended["chargedMicroUsdc"]) == ("EXPIRED", "30000")
        events = side.ok("GET", "/wallet/events", params={"limit": "200"})
        settled = [e["amountUsdc"] for e in events if e["relatedSession"] == session["id"]]
        assert settled == ["30000"]
        assert int(side.ok("GET", "/wallet")["trackedBalance"]) == balance - 30_000


# -- the store goes away ---------------------------------------------------------------------------
def test_the_test_redis_keeps_what_it_acknowledged_across_a_restart(
    redis_server: RedisServer,
) -> None:
    """The premise of the outage tests: the harness's Redis loses nothing on stop and start, so a
    session missing after one is the mock's doing."""
    with RedisServer() as own:
        with own.client() as client:
            client.set("acknowledged", "yes")
        own.stop()
        own.start()
        with own.client() as client:
            assert client.get("acknowledged") == b"yes"


def assert_unavailable(
    side: Via, method: str, path: str, *, or_same: Any = None, **kw: Any
) -> None:
    """A 503 in the API's envelope, in bounded time: not a 500, not a hang. With `or_same`, a
    read may instead answer exactly that: a hung Redis (unlike a closed one) says nothing, and a
    copy the change feed vouches for is still the world (docs/scale.md)."""
    try:
        response = side.call(method, path, **kw)
    except httpx.TimeoutException:
        pytest.fail(f"{method} {path} via {side.name}: no answer in {OUTAGE_CALL_TIMEOUT_S} s")
    if or_same is not None and response.status_code == 200:
        assert response.json()["data"] == or_same, f"via {side.name}: a stale read"
        return
    assert response.status_code == 503, f"via {side.name}: {response.status_code} {response.text}"
    body = response.json()
    assert body["statusCode"] == 503
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]


def wait_until_served(side: Via, path: str) -> None:
    """Once the store is back the mock answers again by itself; until then only 503s."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while True:
        response = side.call("GET", path)
        if response.status_code == 200:
            return
        assert response.status_code == 503, f"via {side.name}: {response.text}"
        assert time.monotonic() < deadline, f"via {side.name}: still 503 after the store came back"
        time.sleep(0.1)


def test_with_redis_stopped_calls_answer_503_then_recover_losing_nothing_acknowledged(
    redis_server: RedisServer, pair: tuple[Mock, Mock]
) -> None:
    with both(pair, OUTAGE_CALL_TIMEOUT_S) as (a, b):
        kept = a.create()
        assert b.session(kept["id"]) == kept  # both mocks have the namespace in hand
        before = b.ids()
        redis_server.stop()
        try:
            for side in (a, b):
                assert_unavailable(side, "GET", f"/sessions/{kept['id']}")
                assert_unavailable(
                    side, "POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 60}
                )
                unseen = {"X-Mock-Namespace": f"unseen-{uuid.uuid4().hex[:8]}"}  # nobody has it
                assert_unavailable(side, "GET", "/sessions", headers=unseen)
                store = side.admin("GET", "")["store"]  # GET /__mock answers, and says so
                assert store["up"] is False and f"127.0.0.1:{redis_server.port}" in store["url"]
        finally:
            redis_server.start()
        for side in (a, b):
            wait_until_served(side, f"/sessions/{kept['id']}")
        assert a.session(kept["id"]) == kept == b.session(kept["id"])
        assert a.ids() == before == b.ids()  # a create refused with 503 made nothing
        assert a.admin("GET", "")["store"]["up"] is True
        again = b.create()
        assert a.session(again["id"]) == again


def test_with_redis_hung_calls_answer_503_within_the_store_timeout_then_recover(
    redis_server: RedisServer, pair: tuple[Mock, Mock]
) -> None:
    with both(pair, OUTAGE_CALL_TIMEOUT_S) as (a, b):
        kept = b.create()
        redis_server.pause()
        try:
            for side in (a, b):
                assert_unavailable(side, "GET", f"/sessions/{kept['id']}", or_same=kept)
                # A write that timed out may still land when Redis wakes (as in production): it
                # was not acknowledged, so nothing is said of it here.
                assert_unavailable(
                    side, "POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 60}
                )
        finally:
            redis_server.resume()
        for side in (a, b):
            wait_until_served(side, f"/sessions/{kept['id']}")
        assert a.session(kept["id"]) == kept == b.session(kept["id"])
