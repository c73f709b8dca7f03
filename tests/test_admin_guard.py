"""The admin API's door (issue 9): a token when one is set, JSON bodies only, and a mock that
will not start on a network address without a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import cli
from mockserver.app import create_app
from mockserver.middleware.admin_guard import exposure_problem, is_loopback
from mockserver.settings import Settings
from tests.conftest import LiveServer

TOKEN = "s3cret-admin-token"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(Settings(seed=5, admin_token=TOKEN))) as live:
        yield live


def test_every_admin_call_needs_the_token(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for headers in ({}, {"X-Mock-Admin-Token": "wrong"}, {"X-Mock-Admin-Token": TOKEN[:-1]}):
            for method, path in (("GET", "/__mock"), ("POST", "/__mock/reset")):
                refused = http.request(method, path, headers=headers)
                assert refused.status_code == 401, refused.text
                body = refused.json()
                assert (body["code"], body["detail"]) == (
                    "MOCK_ADMIN_TOKEN_REQUIRED",
                    "header.x-mock-admin-token:invalid",
                )
        ok = http.get("/__mock", headers={"X-Mock-Admin-Token": TOKEN})
        assert ok.status_code == 200
        # the API itself needs no admin token
        assert http.get("/api/v1/config").status_code == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_body_must_be_json_and_a_refused_one_changes_nothing(
    server: LiveServer, content_type: str
) -> None:
    headers = {"X-Mock-Admin-Token": TOKEN, "X-Mock-Namespace": "guard-415"}
    with httpx.Client(base_url=server.url, timeout=10, headers=headers) as http:
        http.post("/__mock/clock", json={"freeze": True})
        before = http.get("/__mock/clock").json()["data"]
        refused = http.post(
            "/__mock/clock", content=b'{"advance": 60}', headers={"Content-Type": content_type}
        )
        assert refused.status_code == 415
        assert refused.json()["code"] == "MOCK_JSON_REQUIRED"
        assert http.get("/__mock/clock").json()["data"] == before
        moved = http.post("/__mock/clock", json={"advance": 60})  # application/json: fine
        assert moved.status_code == 200 and moved.json()["data"] != before


def test_admin_namespace_fields_are_checked_like_the_header(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for bad in ("x" * 65, "a\u0000b", "/..", "", "../etc"):
            refused = http.put(
                "/__mock/scenario",
                json={"name": None, "namespace": bad},
                headers={"X-Mock-Admin-Token": TOKEN},
            )
            assert (refused.status_code, refused.json()["code"]) == (422, "MOCK_BAD_NAMESPACE")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("127.8.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("myhost.local", False),
    ],
)
def test_which_hosts_are_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert (exposure_problem(host, None) is None) is loopback
    assert exposure_problem(host, "token") is None


def test_serving_on_a_network_address_without_a_token_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "4999"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--admin-token" in err and "0.0.0.0" in err


def test_a_missing_scenarios_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert cli.main(["serve", "--scenarios", str(missing), "--port", "4999"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(missing) in err


def test_the_console_page_loads_without_the_token_but_its_data_does_not(
    server: LiveServer,
) -> None:
    page = httpx.get(server.url + "/__mock/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    script = httpx.get(server.url + "/__mock/console.js", timeout=10)
    assert script.status_code == 200
    status = httpx.get(server.url + "/__mock", timeout=10)  # JSON: the mock's state
    assert (status.status_code, status.json()["code"]) == (401, "MOCK_ADMIN_TOKEN_REQUIRED")
