"""Wallet sign-in (SIWE): challenge → login → workspace select → logout, and `GET /me`.

Signatures cannot be verified offline without a secp256k1/keccak stack, so the mock accepts
any well-formed `0x…` signature over a live nonce, except an all-zero one, which it treats as a
bad signature (a way to see the 401 on purpose).
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.calls import Reply
from mockserver.clock import iso
from mockserver.errors import ApiError, invalid_input
from mockserver.luxxon.world import auth, views
from mockserver.luxxon.world.context import Ctx, field
from mockserver.luxxon.world.model import Nonce

WALLET_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
SIGNATURE_RE = re.compile(r"^0x(?:[0-9a-fA-F]{2})+$")
_MESSAGES = {
    "login": "Luxxon — sign in to prove wallet ownership.",
    "workspace": "Luxxon — sign to create a workspace.",
}


def wallet_of(body: dict[str, Any]) -> str:
    wallet = field(body, "walletAddress", str)
    if not WALLET_RE.match(wallet):
        raise invalid_input(
            "body.walletAddress:pattern", "walletAddress must be 0x followed by 40 hex digits"
        )
    return str(wallet)


def challenge(ctx: Ctx, purpose: str) -> dict[str, Any]:
    """A single-use nonce and the exact message to sign (both challenge routes)."""
    wallet = wallet_of(ctx.body())
    nonce = Nonce(ctx.store.hex(16), wallet.lower(), purpose, ctx.now + ctx.store.rules.nonce_ttl)
    ctx.store.nonces[nonce.value] = nonce
    ctx.store.timeline.schedule(
        nonce.expires_at + ctx.store.rules.keep_expired, "nonce", nonce.value
    )
    expires = iso(nonce.expires_at)
    message = f"{_MESSAGES[purpose]}\nAddress: {wallet}\nNonce: {nonce.value}\nExpires: {expires}"
    return {"nonce": nonce.value, "message": message, "expiresAt": expires}


def verified_nonce(ctx: Ctx, body: dict[str, Any], wallet: str, purpose: str) -> Nonce:
    """The live nonce this signed body answers; 401 for anything stale, reused or forged."""
    value = field(body, "nonce", str)
    signature = field(body, "signature", str)
    if not SIGNATURE_RE.match(signature):
        raise invalid_input("body.signature:pattern", "signature must be 0x-prefixed hex")
    nonce = ctx.store.nonces.get(value)
    if nonce is None or nonce.purpose != purpose or nonce.wallet != wallet.lower():
        raise ApiError(401, "NOT_AUTHENTICATED", detail="nonce:unknown")
    if nonce.used:
        raise ApiError(401, "NOT_AUTHENTICATED", detail="nonce:used")
    if ctx.now >= nonce.expires_at:
        raise ApiError(401, "NOT_AUTHENTICATED", detail="nonce:expired")
    if not signature[2:].strip("0"):
        raise ApiError(401, "NOT_AUTHENTICATED", detail="signature:invalid")
    return nonce


def login(ctx: Ctx) -> Reply:
    body = ctx.body()
    wallet = wallet_of(body)
    verified_nonce(ctx, body, wallet, "login").used = True
    data = {"walletAddress": wallet, "workspaces": views.memberships(ctx.store, wallet)}
    return Reply(data=data, set_cookies=[auth.set_cookie(ctx.store, wallet, None, ctx.now)])


def select_workspace(ctx: Ctx) -> Reply:
    p = auth.wallet_session(ctx)
    workspace_id = field(ctx.body(), "workspaceId", str)
    wallet = p.wallet or ""
    role = ctx.store.role_of(wallet, workspace_id)
    if role is None:  # membership is re-checked here, as the docs say
        raise ApiError(403, "NOT_AUTHORIZED", detail="workspace:notMember")
    data = {"walletAddress": wallet, "workspaceId": workspace_id, "role": role}
    cookie = auth.set_cookie(ctx.store, wallet, workspace_id, ctx.now)
    return Reply(data=data, set_cookies=[cookie])


def logout(ctx: Ctx) -> Reply:
    return Reply(data={"ok": True}, set_cookies=[auth.clear_cookie()])


def me(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    if p.key is not None:
        ws = ctx.store.workspaces[p.key.workspace_id]
        return Reply(
            data={
                "kind": "api_key",
                "keyId": p.key.id,
                "workspaceId": ws.id,
                "environment": p.key.environment,
                "scopes": list(p.key.scopes),
                "workspace": {"id": ws.id, "slug": ws.slug, "name": ws.name},
            }
        )
    wallet = p.wallet or ""
    role = ctx.store.role_of(wallet, p.workspace_id) if p.workspace_id else None
    return Reply(
        data={
            "kind": "wallet_session",
            "walletAddress": wallet,
            "activeWorkspaceId": p.workspace_id if role else None,
            "activeRole": role,
            "workspaces": views.memberships(ctx.store, wallet),
        }
    )
