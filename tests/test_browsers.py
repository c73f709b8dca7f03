"""What a web page may do with the mock: CORS grants by origin, and no cross-site way to steer it
(issue 9). Over real HTTP, as a browser's requests arrive."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver.app import create_app
from mockserver.middleware.browsers import OriginPolicy
from mockserver.settings import Settings
from tests.conftest import LiveServer

EVIL = "http://evil.example"
LISTED = "https://app.example.com"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    app = create_app(Settings(seed=3, cors_origins=(LISTED,)))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def clock(http: httpx.Client, namespace: str) -> dict[str, object]:
    response = http.get("/__mock/clock", headers={"X-Mock-Namespace": namespace})
    assert response.status_code == 200
    data: dict[str, object] = response.json()["data"]
    return data


@pytest.mark.parametrize(
    ("origin", "trusted"),
    [
        ("http://localhost:3000", True),
        ("https://127.0.0.1", True),
        ("http://[::1]:5173", True),
        ("HTTP://LOCALHOST:8080/", True),
        (LISTED, True),
        (EVIL, False),
        ("null", False),
        ("http://localhost.evil.example", False),
        ("http://127.0.0.1.evil.example:80", False),
        ("file://", False),
    ],
)
def test_trusted_origins_are_loopback_ones_and_those_listed(origin: str, trusted: bool) -> None:
    assert OriginPolicy([LISTED]).trusts(origin) is trusted


def test_a_cross_site_simple_post_changes_nothing_and_gets_no_grant(http: httpx.Client) -> None:
    space = {"X-Mock-Namespace": "browser-evil"}
    http.post("/__mock/clock", json={"freeze": True}, headers=space)
    before = clock(http, "browser-evil")
    for kind, body in [("text/plain", b'{"advance": 3600}'), (None, b"")]:
        headers = {**space, "Origin": EVIL, **({"Content-Type": kind} if kind else {})}
        for path in ("/__mock/clock", "/__mock/reset"):
            refused = http.post(path, content=body, headers=headers)
            assert refused.status_code == 403, refused.text
            assert refused.json()["code"] == "MOCK_ORIGIN_NOT_ALLOWED"
            assert "access-control-allow-origin" not in refused.headers
    assert clock(http, "browser-evil") == before


def test_no_preflight_grant_for_the_admin_api_from_an_untrusted_origin(http: httpx.Client) -> None:
    for origin in (EVIL, "null"):
        preflight = http.options(
            "/__mock/reset",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers
        assert preflight.json()["code"] == "MOCK_ORIGIN_NOT_ALLOWED"


def test_a_loopback_page_may_use_the_admin_api_with_credentials(http: httpx.Client) -> None:
    origin = "http://localhost:5173"
    preflight = http.options(
        "/__mock/clock",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-mock-namespace",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-credentials"] == "true"
    moved = http.post(
        "/__mock/clock",
        json={"advance": 60},
        headers={"Origin": origin, "X-Mock-Namespace": "browser-local"},
    )
    assert moved.status_code == 200
    assert moved.headers["access-control-allow-origin"] == origin


def test_the_api_answers_any_origin_but_credentials_only_trusted_ones(http: httpx.Client) -> None:
    for origin, credentials in [(EVIL, False), ("null", False), (LISTED, True)]:
        response = http.get("/api/v1/config", headers={"Origin": origin})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] in ("*", origin)
        granted = response.headers.get("access-control-allow-credentials") == "true"
        assert granted is credentials, origin
        if credentials:
            assert response.headers["access-control-allow-origin"] == origin
    preflight = http.options(
        "/api/v1/sessions",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert "access-control-allow-credentials" not in preflight.headers


def test_no_origin_no_cors_headers(http: httpx.Client) -> None:
    response = http.get("/api/v1/config")
    assert not [name for name in response.headers if name.startswith("access-control-")]
