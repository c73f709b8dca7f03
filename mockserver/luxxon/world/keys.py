"""API keys: listed, minted and revoked by a wallet-session OWNER/ADMIN of the workspace.

Keys are `lxxn_test_<first 6 hex of the workspace id>_<random>`, stored as sha256; a revoked
key keeps working until `gracePeriodEnd` (revocation + 60 s), then answers REVOKED_API_KEY.
"""

from __future__ import annotations

from mockserver.calls import Reply
from mockserver.errors import ApiError, invalid_input
from mockserver.luxxon.world import auth, views
from mockserver.luxxon.world.context import Ctx, field, trimmed
from mockserver.luxxon.world.model import SCOPES, ApiKey, Workspace
from mockserver.luxxon.world.store import Store, digest


def _admin_workspace(ctx: Ctx) -> tuple[auth.Principal, Workspace]:
    p = auth.wallet_session(ctx)
    ws = ctx.store.workspaces.get(ctx.param("workspaceId"))
    if ws is None or ctx.store.role_of(p.wallet or "", ws.id) is None:
        raise ApiError(403, "NOT_AUTHORIZED", detail="workspace:notMember")
    auth.require_admin(ctx, p, ws)
    return p, ws


def list_keys(ctx: Ctx) -> Reply:
    _, ws = _admin_workspace(ctx)
    keys = [views.api_key(k) for k in ctx.store.keys.values() if k.workspace_id == ws.id]
    return Reply(data=keys)


def mint(ctx: Ctx) -> Reply:
    p, ws = _admin_workspace(ctx)
    body = ctx.body()
    label = trimmed(field(body, "label", str))
    if not 1 <= len(label) <= 80:
        raise invalid_input("body.label:length", "label must be 1-80 characters once trimmed")
    environment = field(body, "environment", str)
    if environment != "TEST":
        raise invalid_input(
            "body.environment:liveUnavailable",
            "environment: LIVE keys are not available yet; use TEST",
        )
    scopes = field(body, "scopes", list)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise invalid_input(
            "body.scopes:enum", f"scopes: choose one or more of {', '.join(SCOPES)}"
        )
    key, plaintext = new_key(
        ctx.store, ws, label, tuple(dict.fromkeys(scopes)), p.wallet or "", ctx.now
    )
    return ctx.written({**views.api_key(key), "plaintext": plaintext})


def new_key(
    store: Store,
    ws: Workspace,
    label: str,
    scopes: tuple[str, ...],
    wallet: str,
    now: float,
    plaintext: str | None = None,
    key_id: str | None = None,
) -> tuple[ApiKey, str]:
    prefix = f"lxxn_test_{ws.id.replace('-', '')[:6]}_"
    plaintext = plaintext or prefix + store.hex(16)
    key = ApiKey(
        id=key_id or store.uuid(),
        workspace_id=ws.id,
        digest=digest(plaintext),
        prefix=prefix,
        label=label,
        environment="TEST",
        scopes=scopes,
        created_at=now,
        created_by_wallet=wallet,
    )
    store.add_key(key)
    return key, plaintext


def revoke(ctx: Ctx) -> Reply:
    _, ws = _admin_workspace(ctx)
    # Optional (concepts/conventions): without one the revoke reads fully consistent.
    token = ctx.call.headers.get("x-lx-consistency-token")
    if token is not None and not ctx.store.is_consistency_token(token):
        raise ApiError(
            400,
            "INVALID_INPUT",
            "x-lx-consistency-token is not a token the API issued; echo the one of your last write",
            "header.x-lx-consistency-token:invalid",
        )
    key = ctx.store.keys.get(ctx.param("keyId"))
    if key is None or key.workspace_id != ws.id:
        raise ApiError(404, "NOT_FOUND", "API key not found", "apiKey:notFound")
    if key.revoked_at is None:  # revoking twice keeps the first grace window
        key.revoked_at = ctx.now
        key.grace_end = ctx.now + ctx.store.rules.key_grace
    return ctx.written(views.api_key(key))
