"""Workspaces in the stateful world: creation, reads, PATCH rules, heartbeat, coverage, demand."""

from __future__ import annotations

from typing import Any

from tests.world_client import (
    CONSUMER,
    CONSUMER_WS,
    MEDELLIN_WS,
    OPERATOR,
    OPERATOR_WS,
    SIGNATURE,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)

NEW_WALLET = "0x1234567890abcdef1234567890ABCDEF12345678"


def create_workspace(lx: Lx, slug: str, roles: list[str]) -> Any:
    challenge = lx.ok("POST", "/workspaces/challenge", None, json={"walletAddress": NEW_WALLET})
    body = {
        "slug": slug,
        "name": "New Co",
        "walletAddress": NEW_WALLET,
        "signature": SIGNATURE,
        "nonce": challenge["nonce"],
        "roles": roles,
    }
    return lx.call("POST", "/workspaces", None, json=body)


def test_create_workspace_with_a_signed_challenge_returns_a_consistency_token(lx: Lx) -> None:
    response = create_workspace(lx, "new-co", ["CONSUMER", "SUPPLIER"])
    data = response.json()["data"]
    assert data["consistencyToken"] == response.headers["x-lx-consistency-token"]
    assert (data["slug"], data["availabilityState"], data["roles"]) == (
        "new-co",
        "OFFLINE",
        ["CONSUMER", "SUPPLIER"],
    )
    assert data["createdByWallet"] == NEW_WALLET


def test_a_taken_slug_is_conflict(lx: Lx) -> None:
    response = create_workspace(lx, "acme", ["CONSUMER"])
    assert (response.status_code, response.json()["code"]) == (409, "CONFLICT")


def test_the_login_challenge_cannot_create_a_workspace(lx: Lx) -> None:
    challenge = lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": NEW_WALLET})
    body = {
        "slug": "sneaky",
        "name": "S",
        "walletAddress": NEW_WALLET,
        "signature": SIGNATURE,
        "nonce": challenge["nonce"],
        "roles": ["CONSUMER"],
    }
    lx.fails(401, "NOT_AUTHENTICATED", "POST", "/workspaces", None, json=body)


def test_get_workspace_is_for_its_own_keys_and_unknown_ids_are_404(lx: Lx) -> None:
    assert lx.ok("GET", f"/workspaces/{CONSUMER_WS}")["slug"] == "acme"
    lx.fails(404, "WORKSPACE_NOT_FOUND", "GET", "/workspaces/00000000-0000-4000-8000-000000000000")
    lx.fails(403, "NOT_AUTHORIZED", "GET", f"/workspaces/{MEDELLIN_WS}", OPERATOR)


def test_suppliers_flip_online_and_offline(lx: Lx) -> None:
    path = f"/workspaces/{OPERATOR_WS}"
    assert (
        lx.ok("PATCH", path, OPERATOR, json={"availabilityState": "OFFLINE"})["availabilityState"]
        == "OFFLINE"
    )
    assert (
        lx.ok("PATCH", path, OPERATOR, json={"availabilityState": "ONLINE"})["availabilityState"]
        == "ONLINE"
    )


def test_busy_shows_while_at_capacity_and_the_choice_returns_after(lx: Lx) -> None:
    path = f"/workspaces/{OPERATOR_WS}"
    session = lx.accepted()  # the second camera: now at capacity
    assert (
        lx.ok("PATCH", path, OPERATOR, json={"availabilityState": "OFFLINE"})["availabilityState"]
        == "BUSY"
    )
    lx.ok("POST", "/sessions/cancel-all-assignments", OPERATOR)
    assert lx.session(session["id"])["state"] == "CANCELLED"
    assert lx.ok("GET", path, OPERATOR)["availabilityState"] == "OFFLINE"


def test_busy_is_the_apis_and_consumers_cannot_set_availability(lx: Lx) -> None:
    path = f"/workspaces/{OPERATOR_WS}"
    lx.fails(400, "INVALID_INPUT", "PATCH", path, OPERATOR, json={"availabilityState": "BUSY"})
    cookie_free = lx.call(
        "PATCH", f"/workspaces/{CONSUMER_WS}", CONSUMER, json={"availabilityState": "ONLINE"}
    )
    assert cookie_free.status_code == 403  # the consumer key has no sessions:operate


def test_going_online_without_the_coverage_triple_is_invalid(lx: Lx) -> None:
    lx.world.store.workspaces[OPERATOR_WS].coverage_radius = None
    body = {"availabilityState": "ONLINE", "coverageLat": 4.7, "coverageLng": -74.1}
    error = lx.fails(
        400, "INVALID_INPUT", "PATCH", f"/workspaces/{OPERATOR_WS}", OPERATOR, json=body
    )
    assert error["detail"] == "body.availabilityState:needsCoverage"
    body["coverageRadiusMeters"] = 2000
    patched = lx.ok("PATCH", f"/workspaces/{OPERATOR_WS}", OPERATOR, json=body)
    assert (patched["coverageLat"], patched["coverageRadiusMeters"]) == (4.7, 2000)


def test_going_offline_removes_the_supplier_from_dispatch(lx: Lx) -> None:
    lx.ok("PATCH", f"/workspaces/{OPERATOR_WS}", OPERATOR, json={"availabilityState": "OFFLINE"})
    session = lx.create()
    lx.fails(503, "NO_COVERAGE", "POST", f"/sessions/{session['id']}/dispatch")


def test_heartbeat_sequence_must_increase(lx: Lx) -> None:
    path = f"/workspaces/{OPERATOR_WS}/location"
    beat = {"lat": 4.71, "lng": -74.07, "accuracyMeters": 8, "sequence": 10}
    assert lx.ok("POST", path, OPERATOR, json=beat)["lastSeenAt"] is not None
    lx.fails(409, "CONFLICT", "POST", path, OPERATOR, json=beat)
    lx.fails(409, "CONFLICT", "POST", path, OPERATOR, json={**beat, "sequence": "9"})
    assert lx.call("POST", path, OPERATOR, json={**beat, "sequence": "11"}).status_code == 200


def test_heartbeat_sequences_beyond_float_precision_still_increase(lx: Lx) -> None:
    path = f"/workspaces/{OPERATOR_WS}/location"
    beat = {"lat": 4.71, "lng": -74.07, "accuracyMeters": 8}
    for sequence in ("100000000000000000000001", "100000000000000000000002"):
        lx.ok("POST", path, OPERATOR, json={**beat, "sequence": sequence})
    lx.fails(409, "CONFLICT", "POST", path, OPERATOR, json={**beat, "sequence": 10**23})


def test_a_name_is_trimmed_as_javascript_trims_it(lx: Lx) -> None:
    path = f"/workspaces/{OPERATOR_WS}"
    renamed = lx.ok("PATCH", path, OPERATOR, json={"name": "\u00a0 Cams\u2003\n"})
    assert renamed["name"] == "Cams"
    assert lx.ok("PATCH", path, OPERATOR, json={"name": "\x1f"})["name"] == "\x1f"
    lx.fails(400, "INVALID_INPUT", "PATCH", path, OPERATOR, json={"name": " \u3000\t"})


def test_a_bodiless_heartbeat_is_a_liveness_ping(lx: Lx) -> None:
    lx.freeze()
    before = lx.ok("GET", f"/workspaces/{OPERATOR_WS}", OPERATOR)["lastSeenAt"]
    lx.advance(5)
    beat = lx.ok("POST", f"/workspaces/{OPERATOR_WS}/location", OPERATOR)
    assert beat["lastSeenAt"] != before


def test_coverage_lists_live_suppliers_circles_without_ids(lx: Lx) -> None:
    circles = lx.ok("GET", "/coverage", None)
    assert {"lat": 4.711, "lng": -74.07, "radiusMeters": 15000, "deviceKind": "PHONE"} in circles
    assert all("id" not in c for c in circles)
    lx.ok("PATCH", f"/workspaces/{OPERATOR_WS}", OPERATOR, json={"availabilityState": "OFFLINE"})
    lx.ok("POST", "/sessions/b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a/end", OPERATOR)
    assert len(lx.ok("GET", "/coverage", None)) == len(circles) - 1


def test_demand_counts_requests_and_unmet_by_cell(lx: Lx) -> None:
    before = lx.call("GET", "/demand", None).json()
    cells = before["data"] if isinstance(before, dict) else before
    total = sum(c["requests"] for c in cells)
    assert total == 6 and sum(c["unmet"] for c in cells) == 1  # the demo sessions; one expired
    lx.create(lat=0.01, lng=0.01, waitTimeoutSeconds=5)
    lx.advance(5)
    after = lx.call("GET", "/demand", None).json()
    cells = after["data"] if isinstance(after, dict) else after
    assert {
        "lat": 0.0,
        "lng": 0.0,
        "requests": 1,
        "unmet": 1,
        "avgMaxPriceMicroUsdc": 600000,
    } in cells
