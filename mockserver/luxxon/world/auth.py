"""Who is calling: an API key (`Authorization: Bearer lxxn_…`) or a wallet-session cookie.

The `lx_session` cookie is stateless, as the docs describe: an HMAC-signed payload (wallet,
selected workspace, role, expiry); membership is re-checked against the world on every use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from mockserver.errors import ApiError
from mockserver.luxxon.world.context import Ctx
from mockserver.luxxon.world.model import READ_SCOPES, ApiKey, Workspace
from mockserver.luxxon.world.store import Store

# lastUsedAt moves at most once a second, as real services coarsen it: a burst of reads with one
# key stays a burst of reads, which a shared world (shared.py) serves without writing.
LAST_USED_STEP = 1.0
COOKIE = "lx_session"
_COOKIE_ATTRS = "Path=/; HttpOnly; SameSite=Lax"


@dataclass(slots=True)  # built on every call: slots build faster than a NamedTuple's __new__
class Principal:
    kind: str  # "api_key" or "wallet_session"
    workspace_id: str | None  # the key's workspace, or the wallet session's selected one
    wallet: str | None = None
    key: ApiKey | None = None


def authenticate(ctx: Ctx) -> Principal:
    """Any credential: a bearer key wins over a cookie when both are sent."""
    bearer = ctx.call.bearer
    if bearer is not None:
        return _key_principal(ctx, bearer)
    cookie = ctx.call.cookies.get(COOKIE)
    if cookie:
        return _cookie_principal(ctx, cookie)
    raise ApiError(401, "NOT_AUTHENTICATED", detail="auth:missingCredential")


def wallet_session(ctx: Ctx) -> Principal:
    """Routes no API key may use (key management, workspace list, workspace select)."""
    cookie = ctx.call.cookies.get(COOKIE)
    if cookie:
        return _cookie_principal(ctx, cookie)
    if ctx.call.bearer is not None:
        _key_principal(ctx, ctx.call.bearer)  # a bad key is 401 here too; a good one cannot do this
        raise ApiError(403, "NOT_AUTHORIZED", detail="auth:walletSessionRequired")
    raise ApiError(401, "NOT_AUTHENTICATED", detail="auth:missingCredential")


def _key_principal(ctx: Ctx, plaintext: str) -> Principal:
    key = ctx.store.key_for(plaintext)
    if key is None:
        raise ApiError(401, "NOT_AUTHENTICATED", detail="apiKey:unknown")
    if key.grace_end is not None and ctx.now >= key.grace_end:
        raise ApiError(401, "REVOKED_API_KEY", "API key has been revoked", "apiKey:revoked")
    if key.last_used_at is None or ctx.now - key.last_used_at >= LAST_USED_STEP:
        key.last_used_at = ctx.now
    return Principal("api_key", key.workspace_id, None, key)


def _cookie_principal(ctx: Ctx, value: str) -> Principal:
    payload = read_cookie(ctx.store, value)
    if payload is None:
        raise ApiError(401, "NOT_AUTHENTICATED", detail="walletSession:invalid")
    if ctx.now >= payload["exp"]:
        raise ApiError(401, "NOT_AUTHENTICATED", detail="walletSession:expired")
    return Principal("wallet_session", payload.get("ws"), payload["w"])


def acting_workspace(ctx: Ctx, p: Principal, requested: str | None = None) -> Workspace:
    """The workspace the caller acts for; any workspaceId the caller names must be allowed."""
    if p.key is not None:
        if requested and requested != p.key.workspace_id:
            raise ApiError(403, "NOT_AUTHORIZED", detail="workspace:mismatch")
        return ctx.store.workspaces[p.key.workspace_id]
    target = requested or p.workspace_id
    if target is None:
        raise ApiError(403, "NOT_AUTHORIZED", detail="walletSession:noWorkspace")
    if p.wallet is None or ctx.store.role_of(p.wallet, target) is None:
        raise ApiError(403, "NOT_AUTHORIZED", detail="workspace:notMember")
    return ctx.store.workspaces[target]


def require_scope(ctx: Ctx, p: Principal, ws: Workspace, scope: str) -> None:
    """Keys need the scope; wallet members need a role above VIEWER for anything but reads."""
    if p.key is not None:
        if scope not in p.key.scopes:
            raise ApiError(403, "INSUFFICIENT_SCOPE", detail=f"scope:{scope}")
        return
    role = ctx.store.role_of(p.wallet or "", ws.id)
    if role is None or (role == "VIEWER" and scope not in READ_SCOPES):
        raise ApiError(403, "NOT_AUTHORIZED", detail=f"role:{role or 'none'}")


def require_admin(ctx: Ctx, p: Principal, ws: Workspace) -> None:
    """Workspace administration by a wallet session: OWNER or ADMIN."""
    if ctx.store.role_of(p.wallet or "", ws.id) not in ("OWNER", "ADMIN"):
        raise ApiError(403, "NOT_AUTHORIZED", detail="workspace:adminOnly")


# the cookie -------------------------------------------------------------------------------------
def set_cookie(store: Store, wallet: str, workspace_id: str | None, now: float) -> str:
    ttl = int(store.rules.cookie_ttl)
    payload = {"w": wallet, "ws": workspace_id, "exp": now + ttl}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    value = f"{body}.{_b64(_mac(store, body))}"
    return f"{COOKIE}={value}; {_COOKIE_ATTRS}; Max-Age={ttl}"


def clear_cookie() -> str:
    return f"{COOKIE}=; {_COOKIE_ATTRS}; Max-Age=0"


def read_cookie(store: Store, value: str) -> dict[str, Any] | None:
    body, _, mac = value.partition(".")
    expected = _b64(_mac(store, body)).encode()
    if not hmac.compare_digest(mac.encode("utf-8", "surrogatepass"), expected):
        return None  # compared as bytes: compare_digest refuses non-ASCII text
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    ok = isinstance(payload, dict) and isinstance(payload.get("w"), str)
    return payload if ok and isinstance(payload.get("exp"), int | float) else None


def _mac(store: Store, body: str) -> bytes:
    return hmac.new(store.rules.cookie_secret.encode(), body.encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
