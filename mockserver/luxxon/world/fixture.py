"""The world fixture: a YAML file checked against `schemas/world.schema.json`, then for the
things a schema cannot say (references between entries, states that need an operator…).

Any problem stops start-up with one line: `<file>: <key.path>: <reason>`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver import files
from mockserver.errors import ConfigError
from mockserver.settings import packaged

SCHEMA_PATH = packaged("luxxon", "schemas", "world.schema.json")


class FixtureError(ConfigError):
    """A world fixture that cannot be used; `str()` is `<file>: <key.path>: <reason>`."""


# The wallet-session cookie's HMAC key when the fixture sets none: random per process, so nobody
# can forge an OWNER cookie from the source code (a fixed one, set in the fixture, makes cookies
# survive restarts). One per process, not per namespace: a cookie is as valid as it was before.
PROCESS_SECRET = secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Rules:
    """The world's timings and constants (the fixture's `settings`, defaults here only)."""

    accept_after: float = 1.0
    start_after: float = 1.0
    first_frame_after: float = 3.0
    video_available: bool = True
    customer_code: str = "mockstream"
    webhook_token: str = "demo-webhook-token"
    webhook_secret: str = "demo-webhook-secret"
    pending_after: float = 1.0
    submitted_after: float = 2.0
    confirmed_after: float = 2.0
    fee_bps: int = 1000
    base_rate: int = 1000
    quote_ttl: float = 30.0
    key_grace: float = 60.0
    nonce_ttl: float = 300.0
    cookie_ttl: float = 43200.0
    keep_closed: int = 1000  # closed sessions kept per workspace (sessions.keepClosed)
    keep_expired: float = 300.0  # an expired quote or nonce still answers "expired" this long
    cookie_secret: str = field(default_factory=lambda: PROCESS_SECRET)  # fixture: auth.cookieSecret
    start_block: int = 66666666
    block_seconds: float = 2.0


_SETTING_KEYS = {
    ("autopilot", "acceptAfterSeconds"): "accept_after",
    ("autopilot", "startAfterSeconds"): "start_after",
    ("video", "firstFrameAfterSeconds"): "first_frame_after",
    ("video", "available"): "video_available",
    ("video", "customerCode"): "customer_code",
    ("video", "webhookToken"): "webhook_token",
    ("video", "webhookSecret"): "webhook_secret",
    ("settlement", "pendingAfterSeconds"): "pending_after",
    ("settlement", "submittedAfterSeconds"): "submitted_after",
    ("settlement", "confirmedAfterSeconds"): "confirmed_after",
    ("settlement", "feeBps"): "fee_bps",
    ("pricing", "baseRateMicroUsdc"): "base_rate",
    ("pricing", "quoteTtlSeconds"): "quote_ttl",
    ("auth", "keyGraceSeconds"): "key_grace",
    ("auth", "nonceTtlSeconds"): "nonce_ttl",
    ("auth", "cookieTtlSeconds"): "cookie_ttl",
    ("auth", "cookieSecret"): "cookie_secret",
    ("sessions", "keepClosed"): "keep_closed",
    ("sessions", "keepExpiredSeconds"): "keep_expired",
    ("chain", "startBlock"): "start_block",
    ("chain", "blockSeconds"): "block_seconds",
}


@dataclass(frozen=True)
class Fixture:
    path: Path
    rules: Rules
    document: dict[str, Any] = field(repr=False)  # validated; read-only by convention


def load(path: str | Path) -> Fixture:
    path = Path(path)
    return parse(files.read(path, FixtureError), path)


def parse(text: str, path: str | Path = "<fixture>") -> Fixture:
    document = files.parse(text, path, FixtureError)
    files.check(document, SCHEMA_PATH, path, FixtureError)
    _check_references(path, document)
    return Fixture(Path(path), _rules(document.get("settings", {})), document)


def _rules(settings: dict[str, Any]) -> Rules:
    values = {
        attr: settings[group][key]
        for (group, key), attr in _SETTING_KEYS.items()
        if key in settings.get(group, {})
    }
    return Rules(**values)


def _check_references(path: str | Path, doc: dict[str, Any]) -> None:
    """What the schema cannot check; the first problem found is raised."""
    workspaces: dict[str, dict[str, Any]] = {}
    slugs: set[str] = set()
    for i, ws in enumerate(doc["workspaces"]):
        where = f"workspaces.{i}"
        if ws["id"] in workspaces:
            raise FixtureError(path, f"{where}.id", f"duplicate workspace id {ws['id']}")
        if ws["slug"] in slugs:
            raise FixtureError(path, f"{where}.slug", f"slug {ws['slug']!r} is used twice")
        supplier = "SUPPLIER" in ws["roles"]
        if ws.get("availabilityState") == "ONLINE" and not (supplier and "coverage" in ws):
            raise FixtureError(
                path, f"{where}.availabilityState", "ONLINE needs the SUPPLIER role and a coverage"
            )
        if ws.get("autopilot") not in (None, False) and not supplier:
            raise FixtureError(path, f"{where}.autopilot", "only a SUPPLIER can run an autopilot")
        workspaces[ws["id"]] = ws
        slugs.add(ws["slug"])
    _check_keys(path, doc.get("apiKeys", []), workspaces)
    _check_sessions(path, doc.get("sessions", []), workspaces)


def _check_keys(path: str | Path, keys: list[dict[str, Any]], workspaces: dict[str, Any]) -> None:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        where = f"apiKeys.{i}"
        if key["workspaceId"] not in workspaces:
            raise FixtureError(path, f"{where}.workspaceId", "no such workspace in the fixture")
        hex6 = key["workspaceId"].replace("-", "")[:6]
        if key["key"].split("_")[2] != hex6:
            raise FixtureError(
                path, f"{where}.key", f"must start with lxxn_test_{hex6}_ (its workspace id)"
            )
        for name in ("id", "key"):
            if key[name] in seen:
                raise FixtureError(path, f"{where}.{name}", f"{key[name]!r} is used twice")
            seen.add(key[name])


def _check_sessions(
    path: str | Path, sessions: list[dict[str, Any]], workspaces: dict[str, Any]
) -> None:
    seen: set[str] = set()
    load: dict[str, int] = {}
    for i, s in enumerate(sessions):
        where = f"sessions.{i}"
        if s["id"] in seen:
            raise FixtureError(path, f"{where}.id", f"duplicate session id {s['id']}")
        seen.add(s["id"])
        consumer = workspaces.get(s["consumerWorkspaceId"])
        if consumer is None or "CONSUMER" not in consumer["roles"]:
            raise FixtureError(path, f"{where}.consumerWorkspaceId", "not a CONSUMER workspace")
        problem = _state_problem(s, workspaces)
        if problem:
            raise FixtureError(path, f"{where}.{problem[0]}", problem[1])
        if s["state"] in ("ASSIGNED", "LIVE"):
            op = s["operatorWorkspaceId"]
            load[op] = load.get(op, 0) + 1
            if load[op] > workspaces[op].get("maxConcurrentSessions", 1):
                raise FixtureError(
                    path, f"{where}.operatorWorkspaceId", "operator over maxConcurrentSessions"
                )


def _state_problem(s: dict[str, Any], workspaces: dict[str, Any]) -> tuple[str, str] | None:
    state = s["state"]
    operator = s.get("operatorWorkspaceId")
    created, started, ended = (
        s["createdAgoSeconds"],
        s.get("startedAgoSeconds"),
        s.get("endedAgoSeconds"),
    )
    live_once = state in ("LIVE", "ENDED") or (state == "EXPIRED" and started is not None)
    needs_operator = live_once or state == "ASSIGNED"
    if operator is not None and "SUPPLIER" not in workspaces.get(operator, {}).get("roles", ()):
        return "operatorWorkspaceId", "not a SUPPLIER workspace in the fixture"
    if needs_operator and operator is None:
        return "operatorWorkspaceId", f"a {state} session needs an operator"
    if state == "REQUESTED" and operator is not None:
        return "operatorWorkspaceId", "a REQUESTED session has no operator yet"
    if live_once and started is None:
        return "startedAgoSeconds", f"a {state} session went LIVE: say when"
    if not live_once and started is not None:
        return "startedAgoSeconds", f"a {state} session never went LIVE"
    if started is not None and started > created:
        return "startedAgoSeconds", "started before it was created"
    terminal = state in ("ENDED", "EXPIRED", "CANCELLED")
    if terminal != (ended is not None):
        return "endedAgoSeconds", "required exactly for ENDED, EXPIRED and CANCELLED sessions"
    if ended is not None and ended > (started if started is not None else created):
        return "endedAgoSeconds", "ended before it started"
    for j, w in enumerate(s.get("disconnects", [])):
        lo = ended if ended is not None else 0
        if started is None or not (started >= w["fromAgoSeconds"] >= w["toAgoSeconds"] >= lo):
            return f"disconnects.{j}", "a disconnect window must lie inside the LIVE time"
    return None
