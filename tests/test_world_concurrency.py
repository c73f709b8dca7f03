"""Namespaces keep worlds apart, and transitions are compare-and-set under real concurrency."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.world_client import (
    BOGOTA,
    CONSUMER,
    LIVE,
    OPERATOR,
    REQUESTED,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
    world_server,
)

RACERS = 8


def headers(namespace: str, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "X-Mock-Namespace": namespace}


def test_of_concurrent_accepts_exactly_one_wins(lx: Lx) -> None:
    session = lx.create()
    barrier = threading.Barrier(RACERS)
    url = f"{lx.server.url}/api/v1/sessions/{session['id']}/accept"

    def accept(_: int) -> tuple[int, str]:
        with httpx.Client(timeout=10) as client:
            barrier.wait(timeout=10)
            response = client.post(url, json={}, headers=headers(lx.namespace, OPERATOR))
            return response.status_code, response.json().get("code", "")

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = Counter(pool.map(accept, range(RACERS)))
    assert outcomes == Counter({(200, ""): 1, (409, "INVALID_STATE"): RACERS - 1})
    assert lx.session(session["id"])["state"] == "ASSIGNED"


def test_of_concurrent_ends_exactly_one_settles(lx: Lx) -> None:
    live = lx.live_session()
    lx.advance(30)
    barrier = threading.Barrier(RACERS)
    url = f"{lx.server.url}/api/v1/sessions/{live['id']}/end"

    def end(i: int) -> int:
        key = CONSUMER if i % 2 else OPERATOR  # either side may end
        with httpx.Client(timeout=10) as client:
            barrier.wait(timeout=10)
            return client.post(url, headers=headers(lx.namespace, key)).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        codes = Counter(pool.map(end, range(RACERS)))
    assert codes == Counter({200: 1, 409: RACERS - 1})
    lx.advance(5)
    settle_events = [e for e in lx.ok("GET", "/wallet/events") if e["relatedSession"] == live["id"]]
    assert [e["amountUsdc"] for e in settle_events] == ["30000"]  # charged once


def test_two_ci_jobs_in_different_namespaces_never_see_each_others_data() -> None:
    server = world_server()
    jobs = [f"ci-{uuid.uuid4().hex[:8]}" for _ in range(2)]

    def job(namespace: str) -> tuple[set[str], set[str]]:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            mine = set()
            for _ in range(5):
                response = client.post(
                    "/api/v1/sessions",
                    json={**BOGOTA, "maxDurationSeconds": 60},
                    headers=headers(namespace, CONSUMER),
                )
                mine.add(response.json()["data"]["id"])
            listed = client.get("/api/v1/sessions", headers=headers(namespace, CONSUMER))
            return mine, {s["id"] for s in listed.json()["data"]}

    try:
        with ThreadPoolExecutor(2) as pool:
            (mine_a, seen_a), (mine_b, seen_b) = pool.map(job, jobs)
        assert mine_a <= seen_a and mine_b <= seen_b
        assert not (mine_a & seen_b) and not (mine_b & seen_a)
        assert LIVE in seen_a and LIVE in seen_b  # each began from the fixture
    finally:
        for namespace in jobs:
            server.app.worlds.reset(namespace)


def test_a_new_namespace_starts_from_the_fixture_not_from_another_namespace(lx: Lx) -> None:
    lx.ok("DELETE", f"/sessions/{REQUESTED}")
    other = Lx(lx.server, f"t-{uuid.uuid4().hex[:12]}")
    try:
        assert other.session(REQUESTED)["state"] == "REQUESTED"
        assert lx.session(REQUESTED)["state"] == "CANCELLED"
    finally:
        other.server.app.worlds.reset(other.namespace)
        other.close()


def test_each_namespace_has_its_own_clock(lx: Lx) -> None:
    other = Lx(lx.server, f"t-{uuid.uuid4().hex[:12]}")
    try:
        other.freeze()
        session = other.create(waitTimeoutSeconds=5)
        mine = lx.create(waitTimeoutSeconds=5)
        lx.advance(10)
        assert lx.session(mine["id"])["state"] == "EXPIRED"
        assert other.session(session["id"])["state"] == "REQUESTED"
    finally:
        other.server.app.worlds.reset(other.namespace)
        other.close()
