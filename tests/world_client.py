"""Test support for the stateful world: one real server with the default world, and a client per
namespace whose every response is checked against openapi.json (openapi-core), errors included:
an error must use a status the operation documents and a code named among its examples.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any

import httpx
import pytest

from mockserver import spec as spec_files
from mockserver.app import create_app
from mockserver.luxxon.world import World
from mockserver.settings import DEFAULT_SPEC, Settings
from tests.conformance import assert_conforms
from tests.conftest import LiveServer

CONSUMER = "lxxn_test_8c3a5b_consumerdemo"
OPERATOR = "lxxn_test_9d4b6c_operatordemo"
READONLY = "lxxn_test_8c3a5b_readonlydemo"
REVOKED = "lxxn_test_8c3a5b_revokeddemo"
MEDELLIN = "lxxn_test_5e6f7a_medellindemo"
CONSUMER_WS = "8c3a5b6f-1d2e-4f7a-9b8c-d1e2f3a4b5c6"
OPERATOR_WS = "9d4b6c7f-2e3f-5a8b-0c1d-e2f3a4b5c6d7"
MEDELLIN_WS = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
LIVE = "b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a"
REQUESTED = "c2f3a4b5-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
ASSIGNED = "d3a4b5c6-7d8e-4f9a-0b1c-2d3e4f5a6b7c"
ENDED = "e4b5c6d7-8e9f-4a0b-1c2d-3e4f5a6b7c8d"
EXPIRED = "f5c6d7e8-9f0a-4b1c-2d3e-4f5a6b7c8d9e"
CANCELLED = "a6d7e8f9-0a1b-4c2d-3e4f-5a6b7c8d9e0f"
OWNER_WALLET = "0xAbC0000000000000000000000000000000000001"
BOGOTA = {"lat": 4.66, "lng": -74.05}
SIGNATURE = "0x" + "1b" * 65
WEBHOOK = "/video/events/demo-webhook-token"
WEBHOOK_AUTH = {"cf-webhook-auth": "demo-webhook-secret"}
SPEC = spec_files.load(DEFAULT_SPEC)
_ROUTES = [
    (op, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", op.path) + "$"))
    for op in SPEC.operations.values()
]


@cache
def world_server() -> LiveServer:
    """The mock with the default world on a free loopback port, shared by the world tests."""
    server = LiveServer(create_app(Settings(validate_responses=True)))
    return server.__enter__()


def operation_for(method: str, path: str) -> spec_files.Operation:
    for op, pattern in _ROUTES:
        if op.method == method and pattern.match(path):
            return op
    raise AssertionError(f"no operation for {method} {path}")


def assert_documented(response: httpx.Response) -> None:
    """The response conforms, and an error's code is one its status documents by name."""
    assert_conforms(response)
    if response.status_code < 400:
        return
    op = operation_for(response.request.method, response.request.url.path)
    documented = op.response(response.status_code)
    code = response.json()["code"]
    assert documented is not None and code in documented.examples, (
        f"{op.operation_id} answered {response.status_code} {code}, which it does not document"
    )


def jpeg_markers(data: bytes) -> list[int]:
    """The marker codes of a JPEG up to the start of scan (fails on anything malformed)."""
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    markers, i = [], 2
    while i < len(data):
        assert data[i] == 0xFF, f"no marker at {i}"
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    raise AssertionError("no start of scan")


def seconds_between(earlier: str, later: str) -> float:
    def parse(ts: str) -> datetime:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))

    return (parse(later) - parse(earlier)).total_seconds()


class Lx:
    """A developer's view of one namespace of the world server."""

    def __init__(self, server: LiveServer, namespace: str) -> None:
        self.server = server
        self.namespace = namespace
        self.http = httpx.Client(base_url=server.url, timeout=10)

    @property
    def world(self) -> World:
        world: World = self.server.app.worlds.get(self.namespace)
        return world

    def freeze(self) -> World:
        """Freeze this namespace's clock (its world is created first, at the real now)."""
        self.world.clock.freeze()
        return self.world

    def advance(self, seconds: float) -> None:
        self.world.clock.advance(seconds)

    def call(
        self, method: str, path: str, key: str | None = CONSUMER, **kwargs: Any
    ) -> httpx.Response:
        headers = {"X-Mock-Namespace": self.namespace, **kwargs.pop("headers", {})}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        response = self.http.request(method, "/api/v1" + path, headers=headers, **kwargs)
        assert_documented(response)
        return response

    def ok(self, method: str, path: str, key: str | None = CONSUMER, **kwargs: Any) -> Any:
        response = self.call(method, path, key, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def fails(
        self, status: int, code: str, method: str, path: str, key: str | None = CONSUMER, **kw: Any
    ) -> dict[str, Any]:
        response = self.call(method, path, key, **kw)
        body: dict[str, Any] = response.json()
        assert (response.status_code, body.get("code")) == (status, code), response.text
        return body

    # the steps every flow needs ------------------------------------------------------------------
    def create(self, key: str = CONSUMER, **fields: Any) -> dict[str, Any]:
        session: dict[str, Any] = self.ok(
            "POST", "/sessions", key, json={**BOGOTA, "maxDurationSeconds": 600, **fields}
        )
        return session

    def session(self, session_id: str, key: str = CONSUMER) -> dict[str, Any]:
        data: dict[str, Any] = self.ok("GET", f"/sessions/{session_id}", key)
        return data

    def live_session(self) -> dict[str, Any]:
        """A new session at Bogotá, dispatched and driven to LIVE by the autopilot."""
        session = self.create()
        self.ok("POST", f"/sessions/{session['id']}/dispatch")
        self.advance(5)  # acknowledged +1 s, started +1 s, first frame +3 s
        live = self.session(session["id"])
        assert live["state"] == "LIVE"
        return live

    def accepted(self) -> dict[str, Any]:
        """A new session at Bogotá that the operator accepted by hand (no autopilot)."""
        session = self.create()
        self.ok("POST", f"/sessions/{session['id']}/accept", OPERATOR, json={})
        return session

    def close(self) -> None:
        self.http.close()


@pytest.fixture(name="lx")
def lx_fixture() -> Iterator[Lx]:
    """A fresh namespace (a fresh copy of the default world) with a frozen clock."""
    client = Lx(world_server(), f"t-{uuid.uuid4().hex[:12]}")
    client.freeze()
    yield client
    client.server.app.worlds.reset(client.namespace)
    client.close()
