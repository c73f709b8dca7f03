"""The namespace registry (issue 9): idle namespaces are forgotten with everything kept for them,
and new ones beyond the cap are refused instead of grown into."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from mockserver.app import create_app
from mockserver.errors import ApiError
from mockserver.namespaces import DEFAULT, Registry, namespace_of, of_scope
from mockserver.settings import Settings
from tests.conftest import LiveServer


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_namespaces_are_forgotten_oldest_first_with_their_stores() -> None:
    clock = FakeTime()
    forgotten: list[str] = []
    registry = Registry(ttl=60, cap=10, clock=clock)
    registry.on_forget(forgotten.append)
    registry.touch("a")
    clock.now += 30
    registry.touch("b")
    clock.now += 31  # a idle 61 s, b 31 s
    registry.touch("b")
    assert forgotten == ["a"] and registry.names() == ["b"]
    clock.now += 59
    registry.touch("c")
    assert forgotten == ["a"]  # b was seen 59 s ago: kept
    clock.now += 1000
    registry.expire()
    assert forgotten == ["a", "b", "c"] and len(registry) == 0


def test_a_ttl_of_zero_never_forgets_and_default_is_never_counted() -> None:
    clock = FakeTime()
    registry = Registry(ttl=0, cap=1, clock=clock)
    registry.touch("only")
    clock.now += 10**9
    registry.touch(DEFAULT)  # the default namespace is free and eternal
    registry.touch("only")
    assert registry.names() == ["only"]
    with pytest.raises(ApiError) as refused:
        registry.touch("second")
    assert refused.value.status == 503 and "Retry-After" not in (refused.value.headers or {})


def test_a_full_registry_says_when_room_frees_up() -> None:
    clock = FakeTime()
    registry = Registry(ttl=100, cap=2, clock=clock)
    registry.touch("a")
    clock.now += 40
    registry.touch("b")
    with pytest.raises(ApiError) as refused:
        registry.touch("c")
    error = refused.value
    assert (error.status, error.code) == (503, "MOCK_TOO_MANY_NAMESPACES")
    assert error.headers == {"Retry-After": "60"}
    clock.now += 61
    registry.touch("c")  # a expired: room again
    assert registry.names() == ["b", "c"]


def test_the_served_mock_refuses_namespaces_beyond_the_cap_and_drops_expired_worlds() -> None:
    app = create_app(Settings(seed=2, max_namespaces=2, namespace_ttl=3600))
    key = {"Authorization": "Bearer lxxn_test_8c3a5b_consumerdemo"}
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        for name in ("n1", "n2"):
            assert http.get("/api/v1/wallet", headers={**key, "X-Mock-Namespace": name}).is_success
        refused = http.get("/api/v1/wallet", headers={**key, "X-Mock-Namespace": "n3"})
        body = refused.json()
        assert (refused.status_code, body["code"]) == (503, "MOCK_TOO_MANY_NAMESPACES")
        assert body["statusCode"] == 503 and int(refused.headers["retry-after"]) > 0
        admin = http.post("/__mock/reset", headers={"X-Mock-Namespace": "n4"})
        assert admin.status_code == 503  # the admin API counts too
        assert http.get("/api/v1/wallet", headers=key).is_success  # default: always room
        assert http.get("/api/v1/wallet", headers={**key, "X-Mock-Namespace": "n1"}).is_success
        assert app.worlds is not None and set(app.worlds.namespaces()) >= {"n1", "n2"}
        http.put(
            "/__mock/scenario", json={"name": "video-outage"}, headers={"X-Mock-Namespace": "n2"}
        )
        assert "n2" in app.engine.active
        app.namespaces.forget("n2")  # as expiry does
        assert "n2" not in app.worlds.namespaces() and "n2" not in app.engine.active
        assert http.get("/api/v1/wallet", headers={**key, "X-Mock-Namespace": "n3"}).is_success


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ([], b""),
        ([(b"x-mock-namespace", b"qa-1")], b""),
        ([(b"x-mock-namespace", b"")], b""),
        ([(b"x-mock-namespace", b"")], b"__namespace=q"),
        ([], b"__namespace=q"),
        ([], b"__namespace="),
        ([], b"a=1&__namespace=q&__namespace=r"),
        ([(b"cookie", b"mock_sticky=namespace=qa-2")], b""),
        ([(b"cookie", b"x=1; mock_sticky=namespace%3Dqa-3%26scenario%3Dvideo-outage")], b""),
        ([(b"cookie", b"mock_sticky=namespace=qa-2")], b"__namespace="),
        ([(b"x-mock-namespace", b""), (b"cookie", b"mock_sticky=namespace=qa-2")], b""),
        ([(b"x-mock-namespace", b"a"), (b"x-mock-namespace", b"b")], b""),
        ([(b"cookie", b"mock_sticky=scenario=x")], b""),
        ([(b"x-mock-namespace", b"bad name")], b""),
        ([], b"__namespace=bad%20name"),
        ([(b"cookie", b"mock_sticky=namespace=a%2520b")], b""),
    ],
)
def test_a_scope_names_the_namespace_its_call_does(
    headers: list[tuple[bytes, bytes]], query: bytes
) -> None:
    """`of_scope` (the journal's and the bundles' reading, before a request is a call) and
    `namespace_of` (the call's) agree on every way a request names its namespace."""
    as_call = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
    call_query = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))

    def outcome(read: Any) -> str:
        try:
            return str(read())
        except ApiError as error:
            return error.code

    expected = outcome(lambda: namespace_of(as_call, call_query))
    assert outcome(lambda: of_scope({"headers": headers, "query_string": query})) == expected
