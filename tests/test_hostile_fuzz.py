"""Hostile bodies for every operation of the Luxxon spec (issue 9): lone surrogates, numbers
beyond any bound, deep nesting, control characters and NUL, large strings within the 1 MiB limit,
put in the fields each operation documents and beside them. No answer may be a 5xx the operation
does not document, and the namespace must still answer its reads afterwards. In-process (ASGI),
about 15 s on one core."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.app import MockApp, create_app
from mockserver.settings import Settings
from tests.world_client import CONSUMER, CONSUMER_WS, LIVE, OPERATOR, OPERATOR_WS, SPEC

BIG = "9" * 5000
HOSTILE_STRINGS = [
    "B\ud800",
    "\udc00x",
    "\ud83d",
    "nul\x00byte",
    "\x01\x1b[31m\x7f",
    "\u202eevil",
    "x" * 100_000,
    "../../etc/passwd",
    "%00",
    "",
]
HOSTILE_QUERY = [
    "%ED%A0%80",
    "%00",
    "%FF%FE",
    "B%5Cud800",
    "-1e999",
    "NaN",
    BIG,
    "%0A%0D",
    "x" * 4000,
]
PATH_VALUES = {
    "id": [CONSUMER_WS, OPERATOR_WS, LIVE],
    "workspaceId": [CONSUMER_WS],
    "sessionId": [LIVE],
    "keyId": ["k-nosuch"],
    "token": ["demo-webhook-token"],
}
_BIG_MARK = "\ue000big\ue000"  # replaced by a 5,000-digit literal after json.dumps


def _leaves() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(HOSTILE_STRINGS),
        st.text(st.characters(categories=["Cs", "Cc", "Lu", "Nd"]), max_size=20),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        st.just(_BIG_MARK),
        st.booleans(),
        st.none(),
    )


def _values() -> st.SearchStrategy[Any]:
    return st.recursive(
        _leaves(),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _raw(value: Any) -> bytes:
    return json.dumps(value).replace(json.dumps(_BIG_MARK), BIG).encode()


@st.composite
def bodies(draw: st.DrawFn, fields: list[str]) -> bytes:
    kind = draw(st.sampled_from(["fields", "nested", "raw"]))
    if kind == "nested":  # deep nesting, within the body limit
        depth = draw(st.sampled_from([50, 2_000, 200_000]))
        return b"[" * depth + b"]" * depth
    if kind == "raw":
        return draw(
            st.sampled_from(
                [
                    b"",
                    b"null",
                    b"[]",
                    b'"\\ud800"',
                    b"NaN",
                    b"-Infinity",
                    b"1e999",
                    BIG.encode(),
                    b'{"a":1}\x00',
                    b"\xff\xfe{}",
                    b"{" + b'"k":' * 10 + b"}",
                ]
            )
        )
    body = draw(st.fixed_dictionaries({}, optional={name: _values() for name in fields}))
    body.update(
        draw(
            st.dictionaries(
                st.sampled_from(["extra", "\ud800", "__proto__"]), _values(), max_size=2
            )
        )
    )
    return _raw(body)


@pytest.fixture(scope="module")
def app() -> MockApp:
    return create_app(Settings(seed=11))


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    yield running
    running.close()


def _path(template: str, choice: int) -> str:
    path = template
    for name, values in PATH_VALUES.items():
        path = path.replace("{" + name + "}", values[choice % len(values)])
    return path


OPERATIONS = sorted(SPEC.operations.values(), key=lambda op: (op.path, op.method))


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.operation_id for op in OPERATIONS])
def test_no_hostile_body_gives_a_5xx_and_the_namespace_still_reads(
    app: MockApp, loop: asyncio.AbstractEventLoop, operation: Any
) -> None:
    namespace = f"fuzz-{operation.operation_id}"[:64]
    schema = operation.request_schema or {}
    fields = sorted(schema.get("properties", {}))
    query_names = [p["name"] for p in operation.parameters if p["in"] == "query"]
    documented_5xx = {int(s) for s in operation.responses if s.isdigit() and int(s) >= 500}

    async def send(method: str, path: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.request(method, path, **kwargs)

    @settings(
        max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        body=bodies(fields),
        key=st.sampled_from([CONSUMER, OPERATOR]),
        choice=st.integers(0, 2),
        query=st.dictionaries(
            st.sampled_from(query_names or ["q"]), st.sampled_from(HOSTILE_QUERY), max_size=2
        ),
    )
    def attempt(body: bytes, key: str, choice: int, query: dict[str, str]) -> None:
        headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "X-Mock-Namespace": namespace,
            "cf-webhook-auth": "demo-webhook-secret",
        }
        path = _path(operation.path, choice)
        if query:
            path += "?" + "&".join(f"{name}={value}" for name, value in query.items())
        response = loop.run_until_complete(
            send(operation.method, path, content=body, headers=headers)
        )
        is_json = "json" in response.headers.get("content-type", "")
        answer = response.json() if is_json else {}  # the frame is a JPEG
        assert is_json or response.status_code == 200
        assert answer.get("statusCode", response.status_code) == response.status_code
        assert response.status_code < 500 or response.status_code in documented_5xx, (
            operation.operation_id,
            body[:200],
            response.text[:300],
        )
        assert answer.get("code") != "INTERNAL_SERVER_ERROR"

    attempt()
    for read in ("/api/v1/sessions", "/api/v1/wallet", f"/api/v1/workspaces/{CONSUMER_WS}"):
        response = loop.run_until_complete(
            send(
                "GET",
                read,
                headers={"Authorization": f"Bearer {CONSUMER}", "X-Mock-Namespace": namespace},
            )
        )
        assert response.status_code == 200, (read, response.text[:300])
