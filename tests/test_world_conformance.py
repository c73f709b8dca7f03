"""Whatever the world answers is documented: every operation it implements, called by every demo
credential on every demo session (in the order that walks them through their states), answers a
status and an error code that openapi.json documents for that operation."""

from __future__ import annotations

from collections import Counter

import pytest

from mockserver.luxxon.world.handlers import HANDLERS
from tests.world_client import (
    ASSIGNED,
    CANCELLED,
    CONSUMER,
    CONSUMER_WS,
    ENDED,
    EXPIRED,
    LIVE,
    MEDELLIN,
    MEDELLIN_WS,
    OPERATOR,
    OPERATOR_WS,
    READONLY,
    REQUESTED,
    REVOKED,
    WEBHOOK,
    WEBHOOK_AUTH,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)

KEYS = {
    "consumer": CONSUMER,
    "operator": OPERATOR,
    "readonly": READONLY,
    "revoked": REVOKED,
    "medellin": MEDELLIN,
    "unknown": "lxxn_test_000000_nobody",
}
SESSIONS = [REQUESTED, ASSIGNED, LIVE, ENDED, EXPIRED, CANCELLED]
SESSION_CALLS: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/sessions/{id}", None),
    ("GET", "/settlements/{id}", None),
    ("GET", "/sessions/{id}/frame", None),
    ("GET", "/sessions/{id}/viewer-token", None),
    ("GET", "/sessions/{id}/producer-token", None),
    ("POST", "/sessions/{id}/dispatch", None),
    ("POST", "/sessions/{id}/accept", {}),
    ("POST", "/sessions/{id}/start", None),
    ("POST", "/sessions/{id}/end", None),
    ("DELETE", "/sessions/{id}", None),
]
WORKSPACE_CALLS: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/me", None),
    ("GET", "/sessions", None),
    ("GET", "/wallet", None),
    ("GET", "/wallet/events", None),
    ("GET", "/pricing/quote?lat=4.66&lng=-74.05&durationSeconds=60", None),
    ("POST", "/sessions", {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60}),
    ("POST", "/sessions/cancel-all-assignments", None),
    ("PATCH", f"/workspaces/{OPERATOR_WS}", {"availabilityState": "ONLINE"}),
    (
        "POST",
        f"/workspaces/{OPERATOR_WS}/location",
        {"lat": 4.7, "lng": -74.07, "accuracyMeters": 5, "sequence": 1},
    ),
    ("GET", f"/workspaces/{CONSUMER_WS}", None),
    ("GET", f"/workspaces/{MEDELLIN_WS}", None),
    ("GET", "/workspaces", None),
    ("GET", f"/workspaces/{CONSUMER_WS}/api-keys", None),
]


@pytest.mark.parametrize("who", sorted(KEYS))
def test_every_answer_to_every_demo_key_is_documented(lx: Lx, who: str) -> None:
    statuses: Counter[int] = Counter()
    for method, path, body in WORKSPACE_CALLS:
        statuses[lx.call(method, path, KEYS[who], json=body).status_code] += 1
    for session_id in SESSIONS:
        for method, template, body in SESSION_CALLS:
            path = template.format(id=session_id)
            statuses[lx.call(method, path, KEYS[who], json=body).status_code] += 1
            lx.advance(2)  # let autopilots and settlements move between calls
    assert sum(statuses.values()) == len(WORKSPACE_CALLS) + len(SESSIONS) * len(SESSION_CALLS)
    if who in ("revoked", "unknown"):
        assert set(statuses) == {401}
    else:
        assert statuses[200] > 0 and any(code >= 400 for code in statuses)


def test_the_public_and_webhook_operations_answer_documented_responses(lx: Lx) -> None:
    for path in ("/coverage", "/demand", "/health", "/config"):
        assert lx.call("GET", path, None).status_code == 200
    assert (
        lx.call("POST", WEBHOOK, None, json={"data": {}}, headers=WEBHOOK_AUTH).status_code == 200
    )
    lx.call("POST", "/auth/wallet/challenge", None, json={"walletAddress": "0x12"})
    lx.call("POST", "/auth/logout", None)


def test_the_world_implements_every_operation_but_config() -> None:
    from tests.world_client import SPEC

    assert set(SPEC.operations) - set(HANDLERS) == {"LxConfigController_get"}
