"""The session state machine of the stateful world, over real HTTP with a frozen clock."""

from __future__ import annotations

from tests.world_client import (
    ASSIGNED,
    BOGOTA,
    CANCELLED,
    CONSUMER_WS,
    ENDED,
    EXPIRED,
    LIVE,
    MEDELLIN,
    OPERATOR,
    OPERATOR_WS,
    REQUESTED,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
    seconds_between,
)


def test_default_world_has_one_session_in_each_state(lx: Lx) -> None:
    states = {
        sid: lx.session(sid)["state"]
        for sid in (LIVE, REQUESTED, ASSIGNED, ENDED, EXPIRED, CANCELLED)
    }
    assert states == {
        LIVE: "LIVE",
        REQUESTED: "REQUESTED",
        ASSIGNED: "ASSIGNED",
        ENDED: "ENDED",
        EXPIRED: "EXPIRED",
        CANCELLED: "CANCELLED",
    }
    live = lx.session(LIVE)
    assert (live["consumerWorkspaceId"], live["operatorWorkspaceId"]) == (CONSUMER_WS, OPERATOR_WS)


def test_created_session_is_requested_and_reads_back_the_same(lx: Lx) -> None:
    created = lx.create(maxDurationSeconds=120, waitTimeoutSeconds=60)
    assert created["state"] == "REQUESTED" and created["operatorWorkspaceId"] is None
    assert (created["ratePerSecondMicroUsdc"], created["holdMicroUsdc"]) == ("1000", "120000")
    assert created["waitTimeoutSeconds"] == 60
    read = lx.session(created["id"])
    assert read == {k: v for k, v in created.items() if k != "consistencyToken"}
    listed = lx.ok("GET", "/sessions")
    assert listed[0]["id"] == created["id"]  # newest first


def test_wait_timeout_defaults_to_300_and_must_be_5_to_3600(lx: Lx) -> None:
    assert lx.create()["waitTimeoutSeconds"] == 300
    for bad in (4, 3601, 12.5):
        body = {**BOGOTA, "maxDurationSeconds": 60, "waitTimeoutSeconds": bad}
        error = lx.fails(400, "INVALID_INPUT", "POST", "/sessions", json=body)
        assert "waitTimeoutSeconds" in error["detail"]


def test_dispatch_assigns_an_online_supplier_covering_the_point_and_makes_it_busy(lx: Lx) -> None:
    session = lx.create()
    assigned = lx.ok("POST", f"/sessions/{session['id']}/dispatch")
    assert assigned["state"] == "ASSIGNED" and assigned["operatorWorkspaceId"] == OPERATOR_WS
    # the Bogotá supplier has two cameras: the LIVE demo session and this one
    assert lx.ok("GET", f"/workspaces/{OPERATOR_WS}", OPERATOR)["availabilityState"] == "BUSY"


def test_dispatch_without_coverage_is_no_coverage_and_to_busy_suppliers_unavailable(lx: Lx) -> None:
    nowhere = lx.create(lat=0.0, lng=0.0)
    lx.fails(503, "NO_COVERAGE", "POST", f"/sessions/{nowhere['id']}/dispatch")
    medellin = lx.create(lat=6.25, lng=-75.58)  # Medellín's only drone is on the ASSIGNED session
    lx.fails(503, "UNAVAILABLE", "POST", f"/sessions/{medellin['id']}/dispatch")


def test_autopilot_takes_a_dispatched_session_to_live_and_stamps_started_at(lx: Lx) -> None:
    session = lx.create()
    lx.ok("POST", f"/sessions/{session['id']}/dispatch")
    assert lx.session(session["id"])["authorized"] is False
    lx.advance(1)  # acknowledged; `authorized` stays false in the pool model (SDK Session)
    assert lx.session(session["id"])["authorized"] is False
    lx.advance(1)  # started: media URLs exist, still ASSIGNED until the first frame
    started = lx.session(session["id"])
    assert started["state"] == "ASSIGNED" and started["whepUrl"] and started["startedAt"] is None
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{session['id']}/frame")
    lx.advance(3)
    live = lx.session(session["id"])
    assert live["state"] == "LIVE"
    assert live["startedAt"] == lx.ok("GET", f"/sessions/{session['id']}")["startedAt"]
    assert lx.call("GET", f"/sessions/{session['id']}/frame").status_code == 200


def test_start_keeps_assigned_until_the_first_frame_then_live(lx: Lx) -> None:
    session = lx.accepted()
    sid = session["id"]
    started = lx.ok("POST", f"/sessions/{sid}/start", OPERATOR)
    assert started["session"]["state"] == "ASSIGNED"
    assert started["whipUrl"].endswith("/webRTC/publish")
    assert started["whepUrl"].endswith("/webRTC/play")
    assert lx.ok("POST", f"/sessions/{sid}/start", OPERATOR) == started  # idempotent warm-up
    lx.advance(2.9)
    assert lx.session(sid)["state"] == "ASSIGNED"
    lx.advance(0.1)
    live = lx.session(sid, OPERATOR)
    assert live["state"] == "LIVE" and live["whipUrl"] == started["whipUrl"]
    assert lx.session(sid)["whipUrl"] is None  # the publishing secret is the operator's


def test_end_computes_clean_seconds_and_charge(lx: Lx) -> None:
    live = lx.live_session()
    lx.advance(42)
    ended = lx.ok("POST", f"/sessions/{live['id']}/end")
    assert ended["state"] == "ENDED" and ended["endedAt"] is not None
    assert ended["cleanSeconds"] == 42
    assert ended["chargedMicroUsdc"] == str(42 * 1000)
    lx.fails(409, "INVALID_STATE", "POST", f"/sessions/{live['id']}/end")


def test_operator_may_end_too_and_the_supplier_is_free_again(lx: Lx) -> None:
    session = lx.accepted()
    lx.ok("POST", f"/sessions/{session['id']}/start", OPERATOR)
    lx.advance(3)
    assert lx.ok("GET", f"/workspaces/{OPERATOR_WS}", OPERATOR)["availabilityState"] == "BUSY"
    lx.ok("POST", f"/sessions/{session['id']}/end", OPERATOR)
    assert lx.ok("GET", f"/workspaces/{OPERATOR_WS}", OPERATOR)["availabilityState"] == "ONLINE"


def test_cancel_is_for_requested_or_assigned_sessions_only(lx: Lx) -> None:
    cancelled = lx.ok("DELETE", f"/sessions/{REQUESTED}")
    assert cancelled["state"] == "CANCELLED"
    assert lx.ok("DELETE", f"/sessions/{ASSIGNED}")["state"] == "CANCELLED"
    for sid in (LIVE, ENDED, CANCELLED):
        lx.fails(409, "INVALID_STATE", "DELETE", f"/sessions/{sid}")


def test_cancel_frees_the_operator_and_the_hold(lx: Lx) -> None:
    lx.ok("DELETE", f"/sessions/{ASSIGNED}")
    medellin = lx.create(lat=6.25, lng=-75.58)
    assert lx.ok("POST", f"/sessions/{medellin['id']}/dispatch")["state"] == "ASSIGNED"


def test_cancel_all_assignments_cancels_the_operators_assigned_sessions_only(lx: Lx) -> None:
    lx.fails(403, "NOT_OPERATOR", "POST", "/sessions/cancel-all-assignments")
    result = lx.ok("POST", "/sessions/cancel-all-assignments", MEDELLIN)
    assert result == {"count": 1, "cancelled": [ASSIGNED]}
    assert lx.session(ASSIGNED)["state"] == "CANCELLED"
    assert lx.ok("POST", "/sessions/cancel-all-assignments", MEDELLIN) == {
        "count": 0,
        "cancelled": [],
    }
    assert lx.ok("POST", "/sessions/cancel-all-assignments", OPERATOR)["count"] == 0  # LIVE stays
    assert lx.session(LIVE)["state"] == "LIVE"


def test_pre_live_session_past_its_wait_timeout_expires_without_charge(lx: Lx) -> None:
    session = lx.create(waitTimeoutSeconds=30)
    lx.advance(29)
    assert lx.session(session["id"])["state"] == "REQUESTED"
    lx.advance(1)
    expired = lx.session(session["id"])
    assert expired["state"] == "EXPIRED" and expired["chargedMicroUsdc"] == "0"
    assert seconds_between(expired["createdAt"], expired["endedAt"]) == 30  # stamped when due
    assert lx.ok("GET", f"/settlements/{session['id']}")["state"] == "NOT_READY"


def test_started_session_that_never_decodes_a_frame_expires_at_its_wait_timeout(lx: Lx) -> None:
    lx.world.store.workspaces[OPERATOR_WS].first_frame_after = None  # publisher never connects
    session = lx.create(waitTimeoutSeconds=20)
    lx.ok("POST", f"/sessions/{session['id']}/accept", OPERATOR, json={})
    lx.ok("POST", f"/sessions/{session['id']}/start", OPERATOR)
    lx.advance(20)
    assert lx.session(session["id"])["state"] == "EXPIRED"
    assert lx.ok("GET", f"/workspaces/{OPERATOR_WS}", OPERATOR)["availabilityState"] == "ONLINE"


def test_live_session_past_max_duration_expires_and_is_settled(lx: Lx) -> None:
    live = lx.create(maxDurationSeconds=60)
    lx.ok("POST", f"/sessions/{live['id']}/dispatch")
    lx.advance(5 + 60)  # LIVE at +5 s, max duration reached at +65 s
    expired = lx.session(live["id"])
    assert expired["state"] == "EXPIRED"
    assert (expired["cleanSeconds"], expired["chargedMicroUsdc"]) == (60, "60000")
    lx.advance(10)
    assert lx.ok("GET", f"/settlements/{live['id']}")["state"] == "CONFIRMED"


def test_viewer_token_is_for_either_side_of_a_live_session(lx: Lx) -> None:
    for key in ("lxxn_test_8c3a5b_consumerdemo", OPERATOR):
        token = lx.ok("GET", f"/sessions/{LIVE}/viewer-token", key)
        assert token["whepUrl"] == lx.session(LIVE)["whepUrl"]
    lx.fails(409, "INVALID_STATE", "GET", f"/sessions/{REQUESTED}/viewer-token")


def test_producer_token_is_for_the_assigned_operator_of_a_live_session_only(lx: Lx) -> None:
    token = lx.ok("GET", f"/sessions/{LIVE}/producer-token", OPERATOR)
    assert token["whipUrl"] == lx.session(LIVE, OPERATOR)["whipUrl"]
    lx.fails(403, "NOT_AUTHORIZED", "GET", f"/sessions/{LIVE}/producer-token")
    session = lx.accepted()
    lx.fails(409, "INVALID_STATE", "GET", f"/sessions/{session['id']}/producer-token", OPERATOR)


def test_wrong_state_calls_are_409_invalid_state(lx: Lx) -> None:
    lx.fails(409, "INVALID_STATE", "POST", f"/sessions/{LIVE}/dispatch")
    lx.fails(409, "INVALID_STATE", "POST", f"/sessions/{LIVE}/accept", OPERATOR, json={})
    lx.fails(409, "INVALID_STATE", "POST", f"/sessions/{LIVE}/start", OPERATOR)
    lx.fails(409, "INVALID_STATE", "POST", f"/sessions/{ENDED}/end")
    lx.fails(409, "INVALID_STATE", "GET", f"/sessions/{ENDED}/frame")


def test_unknown_session_ids_are_404_session_not_found(lx: Lx) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for method, path in (
        ("GET", f"/sessions/{unknown}"),
        ("DELETE", f"/sessions/{unknown}"),
        ("POST", f"/sessions/{unknown}/dispatch"),
        ("POST", f"/sessions/{unknown}/end"),
        ("GET", f"/sessions/{unknown}/frame"),
        ("GET", f"/settlements/{unknown}"),
    ):
        lx.fails(404, "SESSION_NOT_FOUND", method, path)


def test_accept_outside_the_operators_circle_is_outside_coverage(lx: Lx) -> None:
    far = lx.create(lat=6.25, lng=-75.58)
    lx.fails(400, "OUTSIDE_COVERAGE", "POST", f"/sessions/{far['id']}/accept", OPERATOR, json={})


def test_operator_at_capacity_cannot_accept_more(lx: Lx) -> None:
    lx.accepted()  # second camera now busy too
    third = lx.create()
    error = lx.fails(
        409, "INVALID_STATE", "POST", f"/sessions/{third['id']}/accept", OPERATOR, json={}
    )
    assert error["detail"] == "operator:busy"


def test_create_returns_the_consistency_token_in_body_and_header(lx: Lx) -> None:
    response = lx.call("POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 60})
    token = response.json()["data"]["consistencyToken"]
    assert token and response.headers["x-lx-consistency-token"] == token


def test_with_the_autopilot_off_the_developer_plays_the_operator(lx: Lx) -> None:
    lx.world.set_autopilot(OPERATOR_WS, False)
    session = lx.create()
    lx.ok("POST", f"/sessions/{session['id']}/dispatch")
    lx.advance(60)
    waiting = lx.session(session["id"])
    assert (waiting["state"], waiting["authorized"]) == ("ASSIGNED", False)
    lx.ok("POST", f"/sessions/{session['id']}/start", OPERATOR)
    lx.advance(3)
    assert lx.session(session["id"])["state"] == "LIVE"


def test_overrides_still_win_over_the_world(lx: Lx) -> None:
    forced = lx.call("GET", f"/sessions/{LIVE}", headers={"Prefer": "example=SESSION_NOT_FOUND"})
    assert (forced.status_code, forced.json()["code"]) == (404, "SESSION_NOT_FOUND")
    outage = lx.call(
        "GET", f"/sessions/{LIVE}/viewer-token", headers={"X-Mock-Scenario": "video-outage"}
    )
    assert (outage.status_code, outage.json()["code"]) == (503, "VIDEO_ERROR")
    assert lx.session(LIVE)["state"] == "LIVE"  # and the world was not touched
