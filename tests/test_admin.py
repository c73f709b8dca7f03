"""The admin API: scenarios on and off per namespace or for everyone, worlds reset, clocks moved."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import CONSUMER_KEY, LIVE_SESSION, data, ns

TOKEN = f"/api/v1/sessions/{LIVE_SESSION}/producer-token"
BOGOTA = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600}
OPERATOR_WS = "9d4b6c7f-2e3f-5a8b-0c1d-e2f3a4b5c6d7"


def test_status_lists_scenarios_and_the_world(http: httpx.Client) -> None:
    status = data(http.get("/__mock"))
    assert status["operations"] == 35 and status["world"] is True
    assert "video-outage" in status["scenarios"]


def test_scenario_for_one_namespace_leaves_the_others_alone(http: httpx.Client) -> None:
    data(http.put("/__mock/scenario", json={"name": "video-outage"}, headers=ns("qa-a")))
    try:
        assert http.get(TOKEN, headers=ns("qa-a")).json()["code"] == "VIDEO_ERROR"
        assert http.get(TOKEN, headers=ns("qa-b")).status_code == 200
    finally:
        data(http.put("/__mock/scenario", json={"name": None}, headers=ns("qa-a")))
    assert http.get(TOKEN, headers=ns("qa-a")).status_code == 200


def test_scenario_for_everyone(http: httpx.Client) -> None:
    data(http.put("/__mock/scenario", json={"name": "expired-credentials", "namespace": "*"}))
    try:
        for name in ("qa-c", "qa-d"):
            response = http.get("/api/v1/wallet", headers=ns(name, CONSUMER_KEY))
            assert (response.status_code, response.json()["code"]) == (401, "NOT_AUTHENTICATED")
        assert data(http.get("/__mock"))["activeScenarios"] == {"*": "expired-credentials"}
    finally:
        data(http.put("/__mock/scenario", json={"name": None, "namespace": "*"}))
    assert http.get("/api/v1/wallet", headers=ns("qa-c", CONSUMER_KEY)).status_code == 200


def test_unknown_scenario_is_refused(http: httpx.Client) -> None:
    response = http.put("/__mock/scenario", json={"name": "nope"})
    assert (response.status_code, response.json()["code"]) == (422, "MOCK_UNKNOWN_SCENARIO")


def test_clock_moves_a_session_to_live_and_reset_forgets_it(http: httpx.Client) -> None:
    space = ns("qa-clock", CONSUMER_KEY)
    frozen = data(http.post("/__mock/clock", json={"freeze": True}, headers=space))
    assert frozen["frozen"] is True
    session = data(http.post("/api/v1/sessions", json=BOGOTA, headers=space))
    data(http.post(f"/api/v1/sessions/{session['id']}/dispatch", headers=space))
    moved = data(http.post("/__mock/clock", json={"advance": 10}, headers=space))
    assert moved["now"] > frozen["now"]
    assert data(http.get(f"/api/v1/sessions/{session['id']}", headers=space))["state"] == "LIVE"
    data(http.post("/__mock/reset", headers=space))
    gone = http.get(f"/api/v1/sessions/{session['id']}", headers=space)
    assert (gone.status_code, gone.json()["code"]) == (404, "SESSION_NOT_FOUND")


def test_autopilot_off_leaves_the_operator_to_a_person(http: httpx.Client) -> None:
    space = ns("qa-pilot", CONSUMER_KEY)
    data(http.post("/__mock/clock", json={"freeze": True}, headers=space))
    data(
        http.put("/__mock/autopilot", json={"workspaceId": OPERATOR_WS, "on": False}, headers=space)
    )
    session = data(http.post("/api/v1/sessions", json=BOGOTA, headers=space))
    data(http.post(f"/api/v1/sessions/{session['id']}/dispatch", headers=space))
    data(http.post("/__mock/clock", json={"advance": 60}, headers=space))
    assert data(http.get(f"/api/v1/sessions/{session['id']}", headers=space))["state"] == "ASSIGNED"


def test_video_backend_down_makes_start_answer_video_error(http: httpx.Client) -> None:
    space = ns("qa-video", CONSUMER_KEY)
    session = data(http.post("/api/v1/sessions", json=BOGOTA, headers=space))
    data(http.post(f"/api/v1/sessions/{session['id']}/accept", json={}, headers=ns("qa-video")))
    data(http.put("/__mock/video", json={"available": False}, headers=space))
    started = http.post(f"/api/v1/sessions/{session['id']}/start", headers=ns("qa-video"))
    assert (started.status_code, started.json()["code"]) == (503, "VIDEO_ERROR")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/__mock/clock", {"advance": -1}, 422, "MOCK_BAD_ADMIN_REQUEST"),
        ("PUT", "/__mock/autopilot", {"on": True}, 422, "MOCK_BAD_ADMIN_REQUEST"),
        (
            "PUT",
            "/__mock/autopilot",
            {"workspaceId": "nope", "on": True},
            404,
            "WORKSPACE_NOT_FOUND",
        ),
        ("PUT", "/__mock/video", [1], 422, "MOCK_BAD_ADMIN_REQUEST"),
        ("GET", "/__mock/nothing", None, 404, "MOCK_NO_SUCH_ADMIN_ROUTE"),
    ],
)
def test_bad_admin_calls_are_refused_in_the_envelope(
    http: httpx.Client, method: str, path: str, body: Any, status: int, code: str
) -> None:
    response = http.request(method, path, json=body, headers={"X-Mock-Namespace": "qa-bad"})
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_malformed_admin_json_is_400(http: httpx.Client) -> None:
    response = http.put("/__mock/video", content=b"{", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_INPUT")


def test_curl_style_form_body_is_refused_and_changes_nothing(http: httpx.Client) -> None:
    """A form body needs no CORS preflight: a web page could send it. `curl --json` is the way."""
    space = {"X-Mock-Namespace": "qa-curl", "Content-Type": "application/x-www-form-urlencoded"}
    data(http.post("/__mock/clock", json={"freeze": True}, headers={"X-Mock-Namespace": "qa-curl"}))
    before = data(http.get("/__mock/clock", headers=space))["now"]
    refused = http.post("/__mock/clock", content=b'{"advance": 3600}', headers=space)
    assert (refused.status_code, refused.json()["code"]) == (415, "MOCK_JSON_REQUIRED")
    assert data(http.get("/__mock/clock", headers=space))["now"] == before


def test_advancing_a_running_clock_keeps_it_running_and_unfreezing_never_goes_back(
    http: httpx.Client,
) -> None:
    space = {"X-Mock-Namespace": "qa-offset"}
    frozen = data(http.post("/__mock/clock", json={"freeze": True, "advance": 600}, headers=space))
    assert frozen["frozen"] is True
    resumed = data(http.post("/__mock/clock", json={"unfreeze": True}, headers=space))
    assert resumed["frozen"] is False and resumed["now"] >= frozen["now"]


@pytest.mark.parametrize(
    "body",
    [
        {"advance": 1e300},
        {"advance": 1e12},
        {"unfreeze": "yes"},
        {"freeze": "2026-12-01"},
        {"foo": 1},
    ],
)
def test_a_clock_call_it_cannot_carry_out_is_refused_and_the_world_keeps_serving(
    http: httpx.Client, body: dict[str, Any]
) -> None:
    space = {"X-Mock-Namespace": "qa-clock-bad"}
    response = http.post("/__mock/clock", json=body, headers=space)
    assert (response.status_code, response.json()["code"]) == (422, "MOCK_BAD_ADMIN_REQUEST")
    wallet = http.get(
        "/api/v1/wallet", headers={**space, "Authorization": f"Bearer {CONSUMER_KEY}"}
    )
    assert wallet.status_code == 200
