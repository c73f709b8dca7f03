"""The world's entities as the spec's DTOs (the `data` payloads; the engine adds the envelope)."""

from __future__ import annotations

import math
from typing import Any

from mockserver.clock import iso
from mockserver.luxxon.world.model import (
    ApiKey,
    Quote,
    Session,
    SettleState,
    State,
    WalletEvent,
    Workspace,
)
from mockserver.luxxon.world.store import Store

# GET /health: a world that answers is up (the spec's documented example, LxHealthDto).
HEALTH = {"ok": True, "surface": "lx-api", "version": "0.1.0", "buildSha": "0000000"}


def _iso(ts: float | None) -> str | None:
    return None if ts is None else iso(ts)


_LIVE = State.LIVE
_STATE_TEXT = {state: state.value for state in State}  # `.value` is a slow enum property


def session(s: Session, now: float, operator_view: bool) -> dict[str, Any]:
    """LxSessionDto. The WHIP (publishing) URL is the operator's secret: the consumer sees null.
    Read on every session call, so each attribute is read once."""
    state, rate, video, settlement = s.state, s.rate, s.video, s.settlement
    if state == _LIVE:
        clean = s.metered(now)
        charged = clean * rate
    else:
        clean, charged = s.clean_seconds, s.charged
    started, ended = s.started_at, s.ended_at
    return {
        "id": s.id,
        "consumerWorkspaceId": s.consumer_id,
        "operatorWorkspaceId": s.operator_id,
        "state": _STATE_TEXT[state],
        "maxDurationSeconds": s.max_duration,
        "waitTimeoutSeconds": s.wait_timeout,
        "ratePerSecondMicroUsdc": str(rate),
        "holdMicroUsdc": str(rate * s.max_duration),  # Session.hold
        "startedAt": None if started is None else iso(started),
        "endedAt": None if ended is None else iso(ended),
        "cleanSeconds": clean,
        "chargedMicroUsdc": str(charged),
        "settlementTxHash": settlement.tx_hash if settlement else None,
        "videoBackendRef": video.ref if video else None,
        "createdAt": iso(s.created_at),
        "requestedLat": s.lat,
        "requestedLng": s.lng,
        "authorized": s.authorized,
        "whepUrl": video.whep_url if video else None,
        "whipUrl": video.whip_url if video and operator_view else None,
    }


def workspace(ws: Workspace) -> dict[str, Any]:
    return {
        "id": ws.id,
        "slug": ws.slug,
        "name": ws.name,
        "walletAddress": ws.wallet_address,
        "roles": list(ws.roles),
        "availabilityState": ws.availability,
        "coverageLat": ws.coverage_lat,
        "coverageLng": ws.coverage_lng,
        "coverageRadiusMeters": ws.coverage_radius,
        "deviceKind": ws.device_kind,
        "lastSeenAt": _iso(ws.last_seen_at),
        "createdAt": iso(ws.created_at),
        "createdByWallet": ws.created_by_wallet,
        "deletedAt": None,
    }


def membership(ws: Workspace, role: str) -> dict[str, Any]:
    return {"id": ws.id, "slug": ws.slug, "name": ws.name, "role": role}


def memberships(store: Store, wallet: str) -> list[dict[str, Any]]:
    roles = store.memberships.get(wallet.lower(), {})
    return [membership(store.workspaces[ws_id], role) for ws_id, role in roles.items()]


def api_key(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "workspaceId": key.workspace_id,
        "prefix": key.prefix,
        "label": key.label,
        "environment": key.environment,
        "scopes": list(key.scopes),
        "lastUsedAt": _iso(key.last_used_at),
        "revokedAt": _iso(key.revoked_at),
        "gracePeriodEnd": _iso(key.grace_end),
        "createdAt": iso(key.created_at),
        "createdByWallet": key.created_by_wallet,
    }


def quote(q: Quote) -> dict[str, Any]:
    return {
        "quoteId": q.id,
        "ratePerSecondMicroUsdc": str(q.rate),
        "estimatedTotalMicroUsdc": str(math.ceil(q.rate * q.duration)),  # whole µUSDC, rounded up
        "supplyFactor": 1,
        "demandFactor": 1,
        "corridorMultiplier": 1,
        "baseRatePerSecondMicroUsdc": str(q.base_rate),
        "expiresAt": iso(q.expires_at),
    }


def event(e: WalletEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "workspaceId": e.workspace_id,
        "kind": e.kind,
        "txHash": e.tx_hash,
        "blockNumber": str(e.block),
        "confirmedAt": iso(e.confirmed_at),
        "amountUsdc": str(e.amount),
        "relatedSession": e.related_session,
    }


def settlement(store: Store, s: Session) -> dict[str, Any]:
    """LxSettlementViewDto: NOT_READY until the session is settled, then the relayer's progress."""
    st = s.settlement
    if st is None or st.state == SettleState.NOT_READY:
        return {"sessionId": s.id, "state": SettleState.NOT_READY.value}
    consumer = store.workspaces[s.consumer_id]
    operator = store.workspaces[s.operator_id] if s.operator_id else consumer
    out: dict[str, Any] = {
        "sessionId": s.id,
        "state": st.state.value,
        "payload": {
            "sessionId": s.id,
            "consumerWalletAddress": consumer.wallet_address,
            "operatorWalletAddress": operator.wallet_address,
            "ratePerSecondMicroUsdc": str(s.rate),
            "chargeableSeconds": s.clean_seconds,
            "toAmountMicroUsdc": str(st.to_amount),
            "feeAmountMicroUsdc": str(st.fee_amount),
        },
    }
    if st.tx_hash is not None:
        out["txHash"] = st.tx_hash
    if st.confirmed_at is not None:
        out["confirmedAt"] = iso(st.confirmed_at)
    return out
