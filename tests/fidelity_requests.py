"""Every operation of openapi.json as a request the fidelity matrix sends: a function of the
session id under test giving (method, path, httpx keyword arguments), with valid input, so what
decides the answer is the credential and the state, not the input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.world_client import (
    BOGOTA,
    CONSUMER_WS,
    OPERATOR_WS,
    OWNER_WALLET,
    SIGNATURE,
    WEBHOOK,
    WEBHOOK_AUTH,
)

READONLY_KEY_ID = "5d3c1b2e-4f6a-4b8c-9d0e-1f2a3b4c5d6e"

Request = tuple[str, str, dict[str, Any]]
Maker = Callable[[str], Request]  # session id -> (method, path, httpx keyword arguments)
NONCE = {"nonce": "0" * 32, "signature": SIGNATURE}
HEARTBEAT = {"lat": 4.71, "lng": -74.07, "accuracyMeters": 8, "sequence": 7}
# Reads first, on one shared session; then the session steps, each on a fresh session in the
# state; then the writes that change the rest of the world.
READS: dict[str, Maker] = {
    "LxMeController_me": lambda s: ("GET", "/me", {}),
    "LxHealthController_check": lambda s: ("GET", "/health", {}),
    "LxConfigController_get": lambda s: ("GET", "/config", {}),
    "LxCoverageController_list": lambda s: ("GET", "/coverage", {}),
    "LxDemandController_heatmap": lambda s: ("GET", "/demand", {}),
    "LxPricingController_quote": lambda s: (
        "GET",
        "/pricing/quote",
        {"params": {"lat": "4.66", "lng": "-74.05", "durationSeconds": "60"}},
    ),
    "LxWorkspacesController_list": lambda s: ("GET", "/workspaces", {}),
    "LxWorkspacesController_get": lambda s: ("GET", f"/workspaces/{CONSUMER_WS}", {}),
    "LxApiKeysController_list": lambda s: ("GET", f"/workspaces/{CONSUMER_WS}/api-keys", {}),
    "LxSessionsController_list": lambda s: ("GET", "/sessions", {}),
    "LxSessionsController_get": lambda s: ("GET", f"/sessions/{s}", {}),
    "LxSessionsController_frame": lambda s: (
        "GET",
        f"/sessions/{s}/frame",
        {"headers": {"Accept": "image/jpeg"}},
    ),
    "LxSessionsController_viewerToken": lambda s: ("GET", f"/sessions/{s}/viewer-token", {}),
    "LxSessionsController_producerToken": lambda s: ("GET", f"/sessions/{s}/producer-token", {}),
    "LxWalletController_getState": lambda s: ("GET", "/wallet", {}),
    "LxWalletController_listEvents": lambda s: ("GET", "/wallet/events", {}),
    "LxSettlementController_get": lambda s: ("GET", f"/settlements/{s}", {}),
}
STEPS: dict[str, Maker] = {
    "LxSessionsController_cancel": lambda s: ("DELETE", f"/sessions/{s}", {}),
    "LxSessionsController_dispatch": lambda s: ("POST", f"/sessions/{s}/dispatch", {}),
    "LxSessionsController_accept": lambda s: ("POST", f"/sessions/{s}/accept", {"json": {}}),
    "LxSessionsController_start": lambda s: ("POST", f"/sessions/{s}/start", {}),
    "LxSessionsController_end": lambda s: ("POST", f"/sessions/{s}/end", {}),
    "LxSessionsController_cancelAllAssignments": lambda s: (
        "POST",
        "/sessions/cancel-all-assignments",
        {},
    ),
}
WRITES: dict[str, Maker] = {
    "LxSessionsController_create": lambda s: (
        "POST",
        "/sessions",
        {"json": {**BOGOTA, "maxDurationSeconds": 60}},
    ),
    "LxWalletAuthController_walletChallenge": lambda s: (
        "POST",
        "/auth/wallet/challenge",
        {"json": {"walletAddress": OWNER_WALLET}},
    ),
    "LxWalletAuthController_walletLogin": lambda s: (
        "POST",
        "/auth/wallet/login",
        {"json": {"walletAddress": OWNER_WALLET, **NONCE}},
    ),
    "LxWalletAuthController_selectWorkspace": lambda s: (
        "POST",
        "/auth/workspace/select",
        {"json": {"workspaceId": CONSUMER_WS}},
    ),
    "LxWorkspacesController_challenge": lambda s: (
        "POST",
        "/workspaces/challenge",
        {"json": {"walletAddress": OWNER_WALLET}},
    ),
    "LxWorkspacesController_create": lambda s: (
        "POST",
        "/workspaces",
        {
            "json": {
                "slug": "matrix-ws",
                "name": "Matrix",
                "walletAddress": OWNER_WALLET,
                "roles": ["CONSUMER"],
                **NONCE,
            }
        },
    ),
    "LxWorkspacesController_update": lambda s: (
        "PATCH",
        f"/workspaces/{CONSUMER_WS}",
        {"json": {"name": "Acme Visuals"}},
    ),
    "LxWorkspacesController_heartbeat": lambda s: (
        "POST",
        f"/workspaces/{OPERATOR_WS}/location",
        {"json": HEARTBEAT},
    ),
    "LxApiKeysController_create": lambda s: (
        "POST",
        f"/workspaces/{CONSUMER_WS}/api-keys",
        {"json": {"label": "matrix", "environment": "TEST", "scopes": ["sessions:read"]}},
    ),
    "LxApiKeysController_revoke": lambda s: (
        "POST",
        f"/workspaces/{CONSUMER_WS}/api-keys/{READONLY_KEY_ID}/revoke",
        {},
    ),
    "LxVideoEventsController_ingest": lambda s: (
        "POST",
        WEBHOOK,
        {
            "headers": WEBHOOK_AUTH,
            "json": {"data": {"input_id": "none", "event_type": "live_input.connected"}},
        },
    ),
    "LxWalletAuthController_logout": lambda s: ("POST", "/auth/logout", {}),
}
