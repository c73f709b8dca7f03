"""The official SDK gets the shapes it declares: every field of the type each SDK method returns
(tests/sdk_types.json, read from luxxon-dev/luxxon-sdk at the commit it names) is present when
required and of its TypeScript type, in the world's answers along a whole product flow.

A field the SDK declares and the mock leaves out is `undefined` in an app built on it; a number
where it declares a string breaks its BigInt parsing. Fields the mock adds are allowed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from tests.test_world_auth import sign_in
from tests.world_client import (
    BOGOTA,
    CONSUMER,
    CONSUMER_WS,
    OPERATOR,
    OPERATOR_WS,
    SIGNATURE,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
    operation_for,
)

SDK = json.loads((Path(__file__).parent / "sdk_types.json").read_text(encoding="utf-8"))
NEW_WALLET = "0x00000000000000000000000000000000000000aa"
JS_TYPEOF = {"string": str, "number": (int, float), "boolean": bool}


def problems(value: Any, ts_type: str, where: str) -> list[str]:
    """What in `value` a TypeScript reader typed `ts_type` would not find as declared."""
    alternatives = [t.strip() for t in ts_type.split(" | ")]
    found = [_problems(value, t, where) for t in alternatives]
    return [] if any(not f for f in found) else min(found, key=len)


def _problems(value: Any, ts_type: str, where: str) -> list[str]:
    if ts_type == "null":
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if ts_type.endswith("[]"):
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__} is not an array"]
        return [
            p for i, item in enumerate(value) for p in problems(item, ts_type[:-2], f"{where}[{i}]")
        ]
    if ts_type in SDK["aliases"]:
        alias = SDK["aliases"][ts_type]
        if value not in alias.get("enum", [value]):
            return [f"{where}: {value!r} is not one of {ts_type}"]
        return problems(value, alias["type"], where)
    if ts_type in JS_TYPEOF:
        ok = isinstance(value, JS_TYPEOF[ts_type]) and not (
            ts_type == "number" and isinstance(value, bool)
        )
        return [] if ok else [f"{where}: {value!r} is not a {ts_type}"]
    fields = SDK["types"][ts_type]
    if not isinstance(value, dict):
        return [f"{where}: {type(value).__name__} is not a {ts_type}"]
    out = []
    for name, declared in fields.items():
        if name not in value:
            if declared["required"]:
                out.append(f"{where}.{name}: missing ({ts_type} requires it)")
            continue
        out += problems(value[name], declared["type"], f"{where}.{name}")
    return out


class Recorder:
    """Every world answer of the flow, checked against the type its SDK method returns."""

    def __init__(self, lx: Lx) -> None:
        self.lx = lx
        self.found: list[str] = []
        self.covered: set[str] = set()

    def __call__(self, method: str, path: str, key: str | None = CONSUMER, **kw: Any) -> Any:
        response = self.lx.call(method, path, key, **kw)
        assert response.status_code == 200, f"{method} {path}: {response.text}"
        op_id = operation_for(method, response.request.url.path).operation_id
        self.covered.add(op_id)
        returns = SDK["operations"][op_id]["returns"]
        data = self._as_sdk_reads(returns, response)
        self.found += problems(data, returns, f"{op_id} -> {returns}")
        return data

    @staticmethod
    def _as_sdk_reads(returns: str, response: httpx.Response) -> Any:
        if returns == "Frame":  # sessions.frame(): the bytes and the content type
            return {"contentType": response.headers.get("content-type")}
        return response.json()["data"]  # json(): the success envelope's `data`


def test_the_sdk_table_names_the_commit_it_was_read_from_and_known_operations() -> None:
    assert re.fullmatch(r"[0-9a-f]{40}", SDK["sdk"]["commit"])
    for op_id, entry in SDK["operations"].items():
        assert op_id.startswith("Lx") and entry["returns"]


def test_the_check_flags_what_the_sdk_would_read_as_undefined_or_mistyped() -> None:
    membership = {"id": CONSUMER_WS, "slug": "acme", "name": "Acme", "role": "OWNER"}
    found = problems([membership], "Workspace[]", "list")
    assert "list[0].walletAddress: missing (Workspace requires it)" in found
    assert len(found) == 11  # what the mock's GET /workspaces used to leave undefined
    assert problems({"ok": "yes"}, "LogoutResult", "x") == ["x.ok: 'yes' is not a boolean"]
    assert problems({"state": "NOWHERE"}, "SettlementView", "s") == [
        "s.sessionId: missing (SettlementView requires it)",
        "s.state: 'NOWHERE' is not one of SettlementState",
    ]
    assert problems(None, "string | null", "v") == []


def test_every_sdk_method_gets_the_shape_its_type_declares(lx: Lx) -> None:
    call = Recorder(lx)
    _public_and_identity(call, lx)
    _workspaces_and_keys(call, lx)
    _consumer_flow(call, lx)
    _operator_flow(call, lx)
    assert call.covered == SDK["operations"].keys()
    assert not call.found, "\n".join(call.found)


def _public_and_identity(call: Recorder, lx: Lx) -> None:
    for path in ("/health", "/config", "/coverage", "/demand"):
        call("GET", path, None)
    call("GET", "/pricing/quote", params={"lat": 4.66, "lng": -74.05, "durationSeconds": 30.5})
    call("GET", "/me")
    cookie = {"Cookie": sign_in(lx)}
    call("GET", "/me", None, headers=cookie)
    call("POST", "/auth/wallet/challenge", None, json={"walletAddress": NEW_WALLET})
    wallet = {"walletAddress": "0xAbC0000000000000000000000000000000000001"}
    nonce = call("POST", "/auth/wallet/challenge", None, json=wallet)["nonce"]
    login = {**wallet, "nonce": nonce, "signature": SIGNATURE}
    call("POST", "/auth/wallet/login", None, json=login)
    call("POST", "/auth/workspace/select", None, headers=cookie, json={"workspaceId": CONSUMER_WS})
    call("POST", "/auth/logout", None, headers=cookie)


def _workspaces_and_keys(call: Recorder, lx: Lx) -> None:
    wallet = {"walletAddress": NEW_WALLET}
    nonce = call("POST", "/workspaces/challenge", None, json=wallet)["nonce"]
    body = {"slug": "sdk-shapes", "name": "SDK shapes", "roles": ["CONSUMER"], "nonce": nonce}
    call("POST", "/workspaces", None, json={**wallet, **body, "signature": SIGNATURE})
    cookie = {"Cookie": sign_in(lx)}
    call("GET", "/workspaces", None, headers=cookie)
    call("GET", f"/workspaces/{CONSUMER_WS}")
    call("PATCH", f"/workspaces/{OPERATOR_WS}", OPERATOR, json={"availabilityState": "ONLINE"})
    heartbeat = {"lat": 4.71, "lng": -74.07, "accuracyMeters": 8, "sequence": "12"}
    call("POST", f"/workspaces/{OPERATOR_WS}/location", OPERATOR, json=heartbeat)
    keys = f"/workspaces/{CONSUMER_WS}/api-keys"
    mint = {"label": "sdk", "environment": "TEST", "scopes": ["sessions:read"]}
    minted = call("POST", keys, None, headers=cookie, json=mint)
    call("POST", f"{keys}/{minted['id']}/revoke", None, headers=cookie)


def _consumer_flow(call: Recorder, lx: Lx) -> None:
    sid = call("POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 600})["id"]
    call("GET", "/sessions")
    call("POST", f"/sessions/{sid}/dispatch")
    lx.advance(5)
    call("GET", f"/sessions/{sid}")
    call("GET", f"/sessions/{sid}/frame", headers={"Accept": "image/jpeg"})
    call("GET", f"/sessions/{sid}/viewer-token")
    call("POST", f"/sessions/{sid}/end")
    call("GET", f"/settlements/{sid}")
    lx.advance(10)
    call("GET", f"/settlements/{sid}")
    call("GET", "/wallet")
    call("GET", "/wallet/events", params={"limit": 5})
    cancelled = call("POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 60})["id"]
    call("DELETE", f"/sessions/{cancelled}")


def _operator_flow(call: Recorder, lx: Lx) -> None:
    sid = call("POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 300})["id"]
    call("POST", f"/sessions/{sid}/accept", OPERATOR, json={})
    call("POST", f"/sessions/{sid}/start", OPERATOR)
    lx.advance(3)
    call("GET", f"/sessions/{sid}/producer-token", OPERATOR)
    call("POST", f"/sessions/{sid}/end", OPERATOR)
    waiting = call("POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 60})["id"]
    call("POST", f"/sessions/{waiting}/accept", OPERATOR, json={})
    call("POST", "/sessions/cancel-all-assignments", OPERATOR)
