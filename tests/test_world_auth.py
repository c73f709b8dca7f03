"""Credentials in the stateful world: API keys and scopes, wallet sign-in and its cookie."""

from __future__ import annotations

from typing import Any

from tests.world_client import (
    ASSIGNED,
    CONSUMER,
    CONSUMER_WS,
    LIVE,
    OPERATOR,
    OPERATOR_WS,
    OWNER_WALLET,
    READONLY,
    REVOKED,
    SIGNATURE,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)


def sign_in(lx: Lx, wallet: str = OWNER_WALLET, workspace: str | None = CONSUMER_WS) -> str:
    """SIWE challenge → login (→ workspace select); returns the lx_session cookie header."""
    challenge = lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": wallet})
    login = lx.call(
        "POST",
        "/auth/wallet/login",
        None,
        json={"walletAddress": wallet, "nonce": challenge["nonce"], "signature": SIGNATURE},
    )
    assert login.status_code == 200
    cookie = login.headers["set-cookie"].split(";")[0]
    if workspace is None:
        return cookie
    selected = lx.call(
        "POST",
        "/auth/workspace/select",
        None,
        json={"workspaceId": workspace},
        headers={"Cookie": cookie},
    )
    assert selected.status_code == 200
    return str(selected.headers["set-cookie"].split(";")[0])


def as_wallet(cookie: str, **kwargs: Any) -> dict[str, Any]:
    return {"headers": {"Cookie": cookie, **kwargs.pop("headers", {})}, **kwargs}


def test_unknown_key_is_not_authenticated(lx: Lx) -> None:
    lx.fails(401, "NOT_AUTHENTICATED", "GET", f"/sessions/{LIVE}", "lxxn_test_8c3a5b_nosuchkey")


def test_revoked_key_past_its_grace_period_is_revoked_api_key(lx: Lx) -> None:
    lx.fails(401, "REVOKED_API_KEY", "GET", f"/sessions/{LIVE}", REVOKED)


def test_missing_scope_is_insufficient_scope(lx: Lx) -> None:
    assert lx.session(LIVE, READONLY)["state"] == "LIVE"
    body = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60}
    lx.fails(403, "INSUFFICIENT_SCOPE", "POST", "/sessions", READONLY, json=body)
    lx.fails(403, "INSUFFICIENT_SCOPE", "GET", "/wallet", READONLY)


def test_another_workspaces_session_is_not_your_session(lx: Lx) -> None:
    lx.fails(403, "NOT_YOUR_SESSION", "GET", f"/sessions/{ASSIGNED}", OPERATOR)
    lx.fails(403, "NOT_YOUR_SESSION", "GET", f"/settlements/{ASSIGNED}", OPERATOR)


def test_operator_only_calls_by_the_consumer_are_not_operator(lx: Lx) -> None:
    lx.fails(403, "NOT_OPERATOR", "POST", f"/sessions/{ASSIGNED}/start")
    session = lx.create()
    lx.fails(403, "NOT_OPERATOR", "POST", f"/sessions/{session['id']}/accept", json={})


def test_a_key_cannot_act_for_another_workspace(lx: Lx) -> None:
    lx.fails(403, "NOT_AUTHORIZED", "GET", f"/workspaces/{OPERATOR_WS}")
    lx.fails(403, "NOT_AUTHORIZED", "GET", "/wallet", params={"workspaceId": OPERATOR_WS})


def test_me_answers_for_an_api_key(lx: Lx) -> None:
    me = lx.ok("GET", "/me")
    assert me["kind"] == "api_key" and me["workspaceId"] == CONSUMER_WS
    assert me["scopes"] == ["sessions:read", "sessions:create", "pricing:read", "wallet:read"]
    assert me["workspace"]["slug"] == "acme"


def test_wallet_sign_in_sets_an_httponly_lax_cookie_and_me_answers_for_it(lx: Lx) -> None:
    challenge = lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": OWNER_WALLET})
    assert OWNER_WALLET in challenge["message"] and challenge["nonce"] in challenge["message"]
    login = lx.call(
        "POST",
        "/auth/wallet/login",
        None,
        json={"walletAddress": OWNER_WALLET, "nonce": challenge["nonce"], "signature": SIGNATURE},
    )
    set_cookie = login.headers["set-cookie"]
    assert set_cookie.startswith("lx_session=")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert login.json()["data"]["workspaces"] == [
        {"id": CONSUMER_WS, "slug": "acme", "name": "Acme Visuals", "role": "OWNER"}
    ]
    cookie = set_cookie.split(";")[0]
    me = lx.ok("GET", "/me", None, **as_wallet(cookie))
    assert (me["kind"], me["activeWorkspaceId"], me["activeRole"]) == ("wallet_session", None, None)
    selected = lx.call(
        "POST",
        "/auth/workspace/select",
        None,
        json={"workspaceId": CONSUMER_WS},
        headers={"Cookie": cookie},
    )
    assert selected.json()["data"] == {
        "walletAddress": OWNER_WALLET,
        "workspaceId": CONSUMER_WS,
        "role": "OWNER",
    }
    me = lx.ok("GET", "/me", None, **as_wallet(selected.headers["set-cookie"].split(";")[0]))
    assert (me["activeWorkspaceId"], me["activeRole"]) == (CONSUMER_WS, "OWNER")


def test_a_nonce_is_single_use_and_lives_five_minutes(lx: Lx) -> None:
    def login(nonce: str) -> Any:
        body = {"walletAddress": OWNER_WALLET, "nonce": nonce, "signature": SIGNATURE}
        return lx.call("POST", "/auth/wallet/login", None, json=body)

    first = lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": OWNER_WALLET})
    assert login(first["nonce"]).status_code == 200
    assert login(first["nonce"]).json()["detail"] == "nonce:used"
    second = lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": OWNER_WALLET})
    lx.advance(300)
    response = login(second["nonce"])
    assert (response.status_code, response.json()["detail"]) == (401, "nonce:expired")


def test_an_all_zero_signature_is_rejected(lx: Lx) -> None:
    challenge = lx.ok("POST", "/auth/wallet/challenge", None, json={"walletAddress": OWNER_WALLET})
    body = {
        "walletAddress": OWNER_WALLET,
        "nonce": challenge["nonce"],
        "signature": "0x" + "00" * 65,
    }
    lx.fails(401, "NOT_AUTHENTICATED", "POST", "/auth/wallet/login", None, json=body)


def test_selecting_a_workspace_the_wallet_does_not_belong_to_is_not_authorized(lx: Lx) -> None:
    cookie = sign_in(lx, workspace=None)
    lx.fails(
        403,
        "NOT_AUTHORIZED",
        "POST",
        "/auth/workspace/select",
        None,
        json={"workspaceId": OPERATOR_WS},
        headers={"Cookie": cookie},
    )


def test_a_wallet_session_works_on_session_routes(lx: Lx) -> None:
    cookie = sign_in(lx)
    created = lx.ok(
        "POST",
        "/sessions",
        None,
        json={"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60},
        **as_wallet(cookie),
    )
    assert created["consumerWorkspaceId"] == CONSUMER_WS
    assert lx.ok("GET", "/workspaces", None, **as_wallet(cookie))[0]["id"] == CONSUMER_WS


def test_logout_clears_the_cookie(lx: Lx) -> None:
    response = lx.call("POST", "/auth/logout", None)
    assert response.json()["data"] == {"ok": True}
    assert "Max-Age=0" in response.headers["set-cookie"]


def test_the_cookie_expires_after_twelve_hours(lx: Lx) -> None:
    cookie = sign_in(lx)
    lx.advance(12 * 3600)
    lx.fails(401, "NOT_AUTHENTICATED", "GET", "/me", None, **as_wallet(cookie))


def test_a_cookie_signed_with_non_ascii_text_is_not_authenticated(lx: Lx) -> None:
    forged = {"cookie": 'lx_session="\u00e4.\u00e4"'.encode("latin-1")}
    lx.fails(401, "NOT_AUTHENTICATED", "GET", "/me", None, headers=forged)


def test_key_management_needs_a_wallet_session(lx: Lx) -> None:
    path = f"/workspaces/{CONSUMER_WS}/api-keys"
    lx.fails(403, "NOT_AUTHORIZED", "GET", path)
    body = {"label": "ci", "environment": "TEST", "scopes": ["sessions:read"]}
    lx.fails(403, "NOT_AUTHORIZED", "POST", path, json=body)
    lx.fails(401, "NOT_AUTHENTICATED", "GET", path, None)


def test_a_freshly_minted_key_works_at_once_and_lists_without_plaintext(lx: Lx) -> None:
    cookie = sign_in(lx)
    body = {"label": "CI key", "environment": "TEST", "scopes": ["sessions:read"]}
    minted = lx.call(
        "POST", f"/workspaces/{CONSUMER_WS}/api-keys", None, json=body, headers={"Cookie": cookie}
    )
    key = minted.json()["data"]
    assert minted.headers["x-lx-consistency-token"]
    assert key["plaintext"].startswith("lxxn_test_8c3a5b_") and key["prefix"] == "lxxn_test_8c3a5b_"
    assert lx.session(LIVE, key["plaintext"])["state"] == "LIVE"
    listed = lx.ok("GET", f"/workspaces/{CONSUMER_WS}/api-keys", None, **as_wallet(cookie))
    assert key["id"] in [k["id"] for k in listed]
    assert all("plaintext" not in k for k in listed)


def test_minting_a_live_key_is_invalid_input(lx: Lx) -> None:
    cookie = sign_in(lx)
    body = {"label": "prod", "environment": "LIVE", "scopes": ["sessions:read"]}
    lx.fails(
        400,
        "INVALID_INPUT",
        "POST",
        f"/workspaces/{CONSUMER_WS}/api-keys",
        None,
        json=body,
        headers={"Cookie": cookie},
    )


def test_a_key_revoked_through_the_api_works_for_60_seconds_then_fails(lx: Lx) -> None:
    cookie = sign_in(lx)
    body = {"label": "short-lived", "environment": "TEST", "scopes": ["sessions:read"]}
    minted = lx.call(
        "POST", f"/workspaces/{CONSUMER_WS}/api-keys", None, json=body, headers={"Cookie": cookie}
    )
    key, token = minted.json()["data"], minted.headers["x-lx-consistency-token"]
    revoked = lx.ok(
        "POST",
        f"/workspaces/{CONSUMER_WS}/api-keys/{key['id']}/revoke",
        None,
        headers={"Cookie": cookie, "x-lx-consistency-token": token},
    )
    assert revoked["revokedAt"] is not None and revoked["gracePeriodEnd"] is not None
    lx.advance(59)
    assert lx.session(LIVE, key["plaintext"])["id"] == LIVE
    lx.advance(1)
    lx.fails(401, "REVOKED_API_KEY", "GET", f"/sessions/{LIVE}", key["plaintext"])


def test_revoke_refuses_a_consistency_token_the_api_never_issued(lx: Lx) -> None:
    cookie = sign_in(lx)
    path = f"/workspaces/{CONSUMER_WS}/api-keys/3b1a9f0c-2d4e-5f6a-7b8c-9d0e1f2a3b4c/revoke"
    error = lx.fails(
        400,
        "INVALID_INPUT",
        "POST",
        path,
        None,
        headers={"Cookie": cookie, "x-lx-consistency-token": "not-a-token"},
    )
    assert error["detail"] == "header.x-lx-consistency-token:invalid"
    assert lx.session(LIVE, CONSUMER)["id"] == LIVE  # the demo key was not revoked


def test_revoke_without_a_consistency_token_revokes_as_a_fresh_sdk_client_expects(lx: Lx) -> None:
    cookie = sign_in(lx)
    path = f"/workspaces/{CONSUMER_WS}/api-keys/5d3c1b2e-4f6a-4b8c-9d0e-1f2a3b4c5d6e/revoke"
    revoked = lx.call("POST", path, None, headers={"Cookie": cookie})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["data"]["revokedAt"] is not None
    assert revoked.headers["x-lx-consistency-token"]


def test_revoking_an_unknown_key_is_not_found(lx: Lx) -> None:
    cookie = sign_in(lx)
    token = lx.call("POST", "/sessions", json={"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 9})
    path = f"/workspaces/{CONSUMER_WS}/api-keys/00000000-0000-4000-8000-000000000000/revoke"
    lx.fails(
        404,
        "NOT_FOUND",
        "POST",
        path,
        None,
        headers={
            "Cookie": cookie,
            "x-lx-consistency-token": token.headers["x-lx-consistency-token"],
        },
    )
