"""The shared store's own mechanics (issue 14), two mocks in this process on one real Redis: a
worker catches up from the commit log instead of reloading; one whose log is gone reloads; a
commit that lost the race runs the call again on the current world; QA's controls (rules,
scenarios, resets) set through one worker steer the other; values orjson cannot carry survive.

The two-process behaviour a user sees is in test_shared_world.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from mockserver.app import MockApp, create_app
from mockserver.luxxon.world.model import State
from mockserver.luxxon.world.shared import SharedWorld, SharedWorlds
from mockserver.settings import Settings
from tests.conftest import CONSUMER_KEY, OPERATOR_KEY, LiveServer
from tests.world_client import OPERATOR_WS

NS = "shared-unit"


class Pair:
    def __init__(self, url: str) -> None:
        self.apps = [create_app(Settings(store=url, validate_responses=True)) for _ in "AB"]
        self.servers = [LiveServer(app) for app in self.apps]
        self.redis = redis.Redis.from_url(url)

    def __enter__(self) -> Pair:
        for server in self.servers:
            server.__enter__()
        return self

    def __exit__(self, *_: object) -> None:
        for server in self.servers:
            server.__exit__()

    def call(self, which: int, method: str, path: str, key: str | None = CONSUMER_KEY, **kw: Any):  # type: ignore[no-untyped-def]
        headers = {"X-Mock-Namespace": NS, **kw.pop("headers", {})}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return httpx.request(
            method, self.servers[which].url + path, headers=headers, timeout=10, **kw
        )

    def worlds(self, which: int) -> SharedWorlds:
        worlds = self.apps[which].worlds
        assert isinstance(worlds, SharedWorlds)
        return worlds


@pytest.fixture
def pair(redis_url: str) -> Iterator[Pair]:
    with Pair(redis_url) as both:
        yield both


def _create(pair: Pair, which: int) -> str:
    made = pair.call(
        which, "POST", "/api/v1/sessions", json={"lat": 4.7, "lng": -74.1, "maxDurationSeconds": 60}
    )
    assert made.status_code == 200, made.text
    return str(made.json()["data"]["id"])


def test_a_worker_catches_up_from_the_commit_log_without_reloading(pair: Pair) -> None:
    first = pair.call(1, "GET", "/api/v1/sessions")
    assert first.status_code == 200, first.text  # B holds the namespace
    loads = pair.worlds(1).store.loads
    made = [_create(pair, 0) for _ in range(3)]
    listed = pair.call(1, "GET", "/api/v1/sessions").json()["data"]
    assert set(made) <= {s["id"] for s in listed}
    assert pair.worlds(1).store.loads == loads  # patched in, not read whole
    assert pair.worlds(1).store.patched >= 3


def test_a_worker_whose_log_is_gone_reloads_the_namespace(pair: Pair) -> None:
    assert pair.call(1, "GET", "/api/v1/sessions").status_code == 200
    session = _create(pair, 0)
    pair.redis.delete(f"mock:{{{NS}}}:log")  # as if B had lagged beyond what the log keeps
    loads = pair.worlds(1).store.loads
    read = pair.call(1, "GET", f"/api/v1/sessions/{session}")
    assert read.status_code == 200 and read.json()["data"]["state"] == "REQUESTED"
    assert pair.worlds(1).store.loads == loads + 1


def test_a_commit_that_lost_the_race_runs_again_on_the_current_world(pair: Pair) -> None:
    session = _create(pair, 0)
    b = pair.worlds(1)
    b.get(NS)  # B's copy is current now, and B is about to run a call on it…
    accepted = pair.call(0, "POST", f"/api/v1/sessions/{session}/accept", key=OPERATOR_KEY)
    assert accepted.status_code == 200, accepted.text  # …when A commits first
    seen: list[State] = []

    def nudge(world: SharedWorld) -> None:
        s = world.store.sessions[session]
        seen.append(s.state)
        s.lat = 4.75

    conflicts = b.store.conflicts
    b.apply(NS, nudge)
    assert seen == [State.REQUESTED, State.ASSIGNED]  # the stale try was rolled back
    assert b.store.conflicts == conflicts + 1
    for which in (0, 1):
        read = pair.call(which, "GET", f"/api/v1/sessions/{session}").json()["data"]
        assert (read["state"], read["operatorWorkspaceId"]) == ("ASSIGNED", OPERATOR_WS)


def test_a_rule_with_times_answers_exactly_that_many_calls_across_workers(pair: Pair) -> None:
    rule = {"operations": ["LxWalletController_getState"], "times": 2, "respond": {"status": 403}}
    added = pair.call(0, "POST", "/__mock/rules", key=None, json=rule)
    assert added.status_code == 200, added.text
    statuses = [pair.call(i % 2, "GET", "/api/v1/wallet").status_code for i in range(4)]
    assert statuses == [403, 403, 200, 200]
    listed = pair.call(1, "GET", "/__mock/rules", key=None).json()["data"]["rules"]
    assert listed == []


def test_a_scenario_switched_through_one_worker_steers_the_other(pair: Pair) -> None:
    on = pair.call(0, "PUT", "/__mock/scenario", key=None, json={"name": "expired-credentials"})
    assert on.status_code == 200, on.text
    assert pair.call(1, "GET", "/api/v1/wallet").status_code == 401
    status = pair.call(1, "GET", "/__mock", key=None, headers={"Accept": "application/json"})
    assert status.json()["data"]["activeScenarios"] == {NS: "expired-credentials"}
    pair.call(1, "PUT", "/__mock/scenario", key=None, json={"name": None})
    assert pair.call(0, "GET", "/api/v1/wallet").status_code == 200


def test_a_reset_through_one_worker_is_a_fresh_world_for_both(pair: Pair) -> None:
    session = _create(pair, 0)
    assert pair.call(1, "GET", f"/api/v1/sessions/{session}").status_code == 200
    reset = pair.call(1, "POST", "/__mock/reset", key=None, json={"namespace": "*"})
    assert reset.status_code == 200, reset.text
    for which in (0, 1):
        assert pair.call(which, "GET", f"/api/v1/sessions/{session}").status_code == 404


def test_integers_beyond_64_bits_travel_between_workers(pair: Pair) -> None:
    path = f"/api/v1/workspaces/{OPERATOR_WS}/location"
    beat = {"lat": 4.71, "lng": -74.07, "accuracyMeters": 8}
    first = pair.call(0, "POST", path, OPERATOR_KEY, json={**beat, "sequence": str(10**23 + 1)})
    assert first.status_code == 200, first.text
    again = pair.call(1, "POST", path, OPERATOR_KEY, json={**beat, "sequence": str(10**23 + 1)})
    assert again.status_code == 409  # B read the sequence exactly: not newer than the last
    later = pair.call(1, "POST", path, OPERATOR_KEY, json={**beat, "sequence": str(10**23 + 2)})
    assert later.status_code == 200, later.text


def test_the_store_state_is_shown(pair: Pair) -> None:
    status = pair.call(0, "GET", "/__mock", key=None, headers={"Accept": "application/json"})
    store = status.json()["data"]["store"]
    assert store["kind"] == "redis" and store["up"] is True and store["watch"] is True
    assert pair.apps[0].store is not None  # and it uses the cheap look at its connection
    assert pair.apps[0].store.watch._arrived is not None  # (_compat.input_check)


def test_the_embedded_store_is_the_default(tmp_path: Any) -> None:
    app: MockApp = create_app(Settings())
    assert app.store is None and not isinstance(app.worlds, SharedWorlds)
