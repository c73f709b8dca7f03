"""Bug-report bundles over real HTTP: GET /__mock/bundle exports a namespace, PUT loads one into
another, and every world read then answers the same in both."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from mockserver.luxxon.world import snapshot
from tests.world_client import (
    CONSUMER_WS,
    LIVE,
    OPERATOR,
    OPERATOR_WS,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)


def admin(lx: Lx, method: str, path: str, namespace: str | None = None, **kw: Any) -> Any:
    headers = {"X-Mock-Namespace": namespace or lx.namespace}
    return lx.http.request(method, "/__mock" + path, headers=headers, **kw)


def reads(lx: Lx, session_ids: list[str]) -> dict[str, Any]:
    """Every world read a consumer and an operator make, data only (envelope times differ)."""
    paths = [
        ("/me", None),
        ("/sessions", None),
        ("/sessions", OPERATOR),
        ("/workspaces", None),
        (f"/workspaces/{CONSUMER_WS}", None),
        (f"/workspaces/{CONSUMER_WS}/api-keys", None),
        (f"/workspaces/{OPERATOR_WS}", OPERATOR),
        ("/wallet", None),
        ("/wallet/events", None),
        ("/wallet", OPERATOR),
        ("/coverage", None),
        *[(f"/sessions/{sid}", None) for sid in session_ids],
        *[(f"/settlements/{sid}", None) for sid in session_ids],
    ]
    out = {}
    for path, key in paths:
        response = lx.call("GET", path, key) if key else lx.call("GET", path)
        body = response.json()
        out[f"{key or 'consumer'} {path}"] = (
            response.status_code,
            body.get("data", body.get("code")),
        )
    return out


def busy_namespace(lx: Lx) -> list[str]:
    """A namespace that lived a little: sessions created, dispatched, live, ended, settled."""
    live = lx.live_session()
    lx.ok("POST", f"/sessions/{live['id']}/end", OPERATOR, json={})
    requested = lx.create()
    accepted = lx.accepted()
    lx.advance(3)  # settlement steps due
    cancelled = lx.create()
    lx.ok("DELETE", f"/sessions/{cancelled['id']}")
    return [live["id"], requested["id"], accepted["id"], cancelled["id"], LIVE]


def test_export_then_import_into_another_namespace_reads_the_same(lx: Lx) -> None:
    sessions = busy_namespace(lx)
    bundle = admin(lx, "GET", "/bundle").json()
    assert bundle["version"] == 1 and bundle["namespace"] == lx.namespace
    assert bundle["spec"]["title"] and len(bundle["spec"]["sha256"]) == 64
    assert bundle["clock"]["frozen"] is True
    assert [e["request"]["method"] for e in bundle["journal"]][:2] == [
        "POST",
        "POST",
    ]  # oldest first

    other = Lx(lx.server, f"t-{uuid.uuid4().hex[:12]}")
    try:
        loaded = admin(lx, "PUT", "/bundle", other.namespace, json=bundle)
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["data"]["loaded"] == "end"
        assert reads(other, sessions) == reads(lx, sessions)
        # the whole world, pending transitions and random state included, is the same
        assert snapshot.dump(other.world) == snapshot.dump(lx.world)
        # and it goes on the same way: the next identifiers handed out match
        assert other.create()["id"] == lx.create()["id"]
    finally:
        lx.server.app.worlds.reset(other.namespace)
        other.close()


def test_the_start_is_the_world_before_the_first_recorded_call(lx: Lx) -> None:
    lx.server.app.admin.bundles.forget(lx.namespace)  # the fixture froze the clock first
    before = snapshot.dump(lx.world)
    created = lx.create()
    bundle = admin(lx, "GET", "/bundle").json()
    assert bundle["startNote"] is None
    assert bundle["start"]["world"]["sessions"] == before["sessions"]
    assert created["id"] not in bundle["start"]["world"]["sessions"]
    assert created["id"] in bundle["world"]["sessions"]
    # after the journal is deleted, the start is taken again at the next call
    admin(lx, "DELETE", "/requests")
    lx.session(created["id"])
    again = admin(lx, "GET", "/bundle").json()
    assert created["id"] in again["start"]["world"]["sessions"] and len(again["journal"]) == 1


def test_scenario_and_rules_travel_with_the_bundle(lx: Lx) -> None:
    assert admin(lx, "PUT", "/scenario", json={"name": "video-outage"}).status_code == 200
    rule = {"operations": ["LxWalletController_getState"], "times": 2, "respond": {"status": 403}}
    assert admin(lx, "POST", "/rules", json=rule).status_code == 200
    lx.call("GET", "/wallet")
    bundle = admin(lx, "GET", "/bundle").json()
    assert bundle["activeScenario"] == "video-outage"
    assert bundle["rules"] == [
        {"operations": ["LxWalletController_getState"], "respond": {"status": 403}, "times": 1}
    ]
    other = f"t-{uuid.uuid4().hex[:12]}"
    try:
        assert admin(lx, "PUT", "/bundle", other, json=bundle).status_code == 200
        status = lx.http.get("/__mock").json()["data"]
        assert status["activeScenarios"][other] == "video-outage"
        listed = admin(lx, "GET", "/rules", other).json()["data"]["rules"]
        assert [(r["remaining"], r["respond"]) for r in listed] == [(1, {"status": 403})]
    finally:
        admin(lx, "POST", "/reset", other)
        admin(lx, "PUT", "/scenario", other, json={"name": None})
        admin(lx, "PUT", "/scenario", json={"name": None})


def test_a_bad_bundle_is_refused_and_changes_nothing(lx: Lx) -> None:
    created = lx.create()
    bundle = admin(lx, "GET", "/bundle").json()
    for bad in (
        {"version": 2},
        [],
        {**bundle, "activeScenario": "no-such"},
        {**bundle, "world": {"version": 1}},
        {**bundle, "world": {**bundle["world"], "clock": {"now": 1e300, "frozen": True}}},
    ):
        answer = admin(lx, "PUT", "/bundle", json=bad)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] in ("MOCK_BAD_BUNDLE", "MOCK_UNKNOWN_SCENARIO")
    assert lx.session(created["id"])["id"] == created["id"]
    answer = admin(lx, "PUT", "/bundle?at=middle", json=bundle)
    assert answer.status_code == 422


def test_a_stateless_mock_bundles_its_journal_rules_and_scenario(client: httpx.Client) -> None:
    namespace = f"t-{uuid.uuid4().hex[:12]}"
    client.get("/api/v1/health", headers={"X-Mock-Namespace": namespace})
    bundle = client.get("/__mock/bundle", headers={"X-Mock-Namespace": namespace}).json()
    assert bundle["world"] is None and len(bundle["journal"]) == 1
    assert bundle["start"] == {
        **bundle["start"],
        "world": None,
        "activeScenario": None,
        "rules": [],
    }
    loaded = client.put(
        "/__mock/bundle", json=bundle, headers={"X-Mock-Namespace": "t-" + namespace}
    )
    assert loaded.status_code == 200 and loaded.json()["data"]["world"] is False


def test_a_world_in_a_video_outage_comes_back_the_same_after_a_load(lx: Lx) -> None:
    assert admin(lx, "PUT", "/video", json={"available": False}).status_code == 200
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{LIVE}/frame")
    bundle = admin(lx, "GET", "/bundle").json()
    other = Lx(lx.server, f"t-{uuid.uuid4().hex[:12]}")
    try:
        assert admin(lx, "PUT", "/bundle", other.namespace, json=bundle).status_code == 200
        other.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{LIVE}/frame")
        # the outage ends there as it would have here: the publisher it dropped is back
        assert (
            admin(lx, "PUT", "/video", other.namespace, json={"available": True}).status_code == 200
        )
        assert other.call("GET", f"/sessions/{LIVE}/frame").status_code == 200
    finally:
        lx.server.app.worlds.reset(other.namespace)
        other.close()


def test_a_namespace_chosen_by_the_sticky_cookie_has_its_start(lx: Lx) -> None:
    """A page that cannot send headers names its namespace in the console's cookie: its bundle
    starts where its first call found the world, as one chosen by header does."""
    namespace = f"sticky-{uuid.uuid4().hex[:8]}"
    cookie = {"Cookie": f"mock_sticky=namespace={namespace}"}
    path = f"/api/v1/sessions/{LIVE}/producer-token"
    operator = {"Authorization": f"Bearer {OPERATOR}", **cookie}
    assert lx.http.get(path, headers=operator).status_code == 200
    bundle = lx.http.get("/__mock/bundle", headers=cookie).json()
    assert (bundle["namespace"], len(bundle["journal"])) == (namespace, 1)
    assert bundle["startNote"] is None and bundle["start"] is not None
