"""A fresh store from a validated fixture; fixture times count back from the world's start."""

from __future__ import annotations

import random
from typing import Any

from mockserver.luxxon.world import money, video
from mockserver.luxxon.world.fixture import Fixture, Rules
from mockserver.luxxon.world.keys import new_key
from mockserver.luxxon.world.model import (
    OPEN,
    Autopilot,
    Session,
    Settlement,
    SettleState,
    State,
    Workspace,
)
from mockserver.luxxon.world.store import Store

DEFAULT_WORKSPACE_AGE = 30 * 86_400.0
DEFAULT_KEY_AGE = 7 * 86_400.0


def build(fixture: Fixture, now: float, rng: random.Random) -> Store:
    store = Store(fixture.rules, now, rng)
    doc = fixture.document
    ledger: list[tuple[float, int, Any]] = []  # (when, order, deposit or settled session)
    for item in doc["workspaces"]:
        ws = _workspace(store, item, now)
        for d in item.get("deposits", []):
            ledger.append((now - d["agoSeconds"], len(ledger), (ws, int(d["amountMicroUsdc"]))))
    for item in doc.get("apiKeys", []):
        _key(store, item, now)
    for item in sorted(doc.get("sessions", []), key=lambda s: -s["createdAgoSeconds"]):
        s = _session(store, item, now)
        if s.settlement is not None:
            ledger.append((s.settlement.confirmed_at or now, len(ledger), s))
    for at, _, entry in sorted(ledger, key=lambda e: (e[0], e[1])):
        if isinstance(entry, Session):
            store.workspaces[entry.consumer_id].pending += entry.charged
            money.book_settlement(store, entry, at)
        else:
            money.deposit(store, entry[0], entry[1], at)
    return store


def _workspace(store: Store, item: dict[str, Any], now: float) -> Workspace:
    rules = store.rules
    created = now - item.get("createdAgoSeconds", DEFAULT_WORKSPACE_AGE)
    coverage = item.get("coverage", {})
    ws = Workspace(
        id=item["id"],
        slug=item["slug"],
        name=item["name"],
        wallet_address=item["walletAddress"],
        roles=tuple(item["roles"]),
        chosen_availability=item.get("availabilityState", "OFFLINE"),
        created_at=created,
        created_by_wallet=item["walletAddress"],
        coverage_lat=coverage.get("lat"),
        coverage_lng=coverage.get("lng"),
        coverage_radius=coverage.get("radiusMeters"),
        device_kind=item.get("deviceKind"),
        capacity=item.get("maxConcurrentSessions", 1),
        autopilot=_autopilot(rules, item.get("autopilot")),
        first_frame_after=item.get("firstFrameAfterSeconds", rules.first_frame_after),
        idle_since=created,
    )
    store.add_workspace(ws)
    for member in item.get("members") or [{"wallet": ws.wallet_address, "role": "OWNER"}]:
        store.add_member(ws, member["wallet"], member["role"])
    return ws


def _autopilot(rules: Rules, value: Any) -> Autopilot | None:
    if value is None or value is False:
        return None
    delays = value if isinstance(value, dict) else {}
    return Autopilot(
        delays.get("acceptAfterSeconds", rules.accept_after),
        delays.get("startAfterSeconds", rules.start_after),
    )


def _key(store: Store, item: dict[str, Any], now: float) -> None:
    ws = store.workspaces[item["workspaceId"]]
    wallet = item.get("createdByWallet", ws.wallet_address)
    created = now - item.get("createdAgoSeconds", DEFAULT_KEY_AGE)
    key, _ = new_key(
        store, ws, item["label"], tuple(item["scopes"]), wallet, created, item["key"], item["id"]
    )
    if "lastUsedAgoSeconds" in item:
        key.last_used_at = now - item["lastUsedAgoSeconds"]
    if "revokedAgoSeconds" in item:
        key.revoked_at = now - item["revokedAgoSeconds"]
        key.grace_end = key.revoked_at + store.rules.key_grace


def _session(store: Store, item: dict[str, Any], now: float) -> Session:
    state = State(item["state"])
    s = Session(
        id=item["id"],
        consumer_id=item["consumerWorkspaceId"],
        state=state,
        lat=item["lat"],
        lng=item["lng"],
        max_duration=item["maxDurationSeconds"],
        wait_timeout=item.get("waitTimeoutSeconds", 300),
        rate=int(item.get("ratePerSecondMicroUsdc", store.rules.base_rate)),
        created_at=now - item["createdAgoSeconds"],
        operator_id=item.get("operatorWorkspaceId"),
        authorized=item.get("authorized", False),  # pool model: false but for legacy rows
    )
    if "startedAgoSeconds" in item:
        s.started_at = now - item["startedAgoSeconds"]
        s.video = video.open_input(store, s, s.started_at, item.get("video"))
    if "endedAgoSeconds" in item:
        s.ended_at = now - item["endedAgoSeconds"]
    s.windows = tuple(
        (now - w["fromAgoSeconds"], now - w["toAgoSeconds"]) for w in item.get("disconnects", [])
    )
    store.add_session(s)
    if s.operator_id is not None:
        store.workspaces[s.operator_id].sessions.append(s.id)
    if state in OPEN:
        _open(store, s)
    elif s.started_at is not None and s.ended_at is not None:  # ENDED, or EXPIRED after LIVE
        _settled(store, s, s.ended_at, now)
    if state not in OPEN:
        store.session_closed(s)
    return s


def _open(store: Store, s: Session) -> None:
    money.hold(store, s)
    if s.operator_id is not None:
        store.workspaces[s.operator_id].active[s.id] = None
    if s.state == State.LIVE:
        assert s.started_at is not None
        store.timeline.schedule(s.started_at + s.max_duration, "max_duration", s.id)
    else:
        store.timeline.schedule(s.created_at + s.wait_timeout, "wait_timeout", s.id)


def _settled(store: Store, s: Session, ended: float, now: float) -> None:
    """A fixture session that ended before the world began has long been settled on chain."""
    rules = store.rules
    s.clean_seconds = s.metered(ended)
    s.charged = s.clean_seconds * s.rate
    fee = s.charged * rules.fee_bps // 10_000
    confirmed = min(
        now, ended + rules.pending_after + rules.submitted_after + rules.confirmed_after
    )
    s.settlement = Settlement(
        SettleState.CONFIRMED, s.charged - fee, fee, store.tx_hash(), confirmed
    )
