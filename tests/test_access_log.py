"""`mockserver serve --access-log`: one line per request, from the record the journal gets."""

from __future__ import annotations

import json

import httpx

from tests.conftest import OPERATOR_KEY
from tests.test_cli import Serving, run

TOKEN = "/api/v1/sessions/b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a/producer-token"
AUTH = {"Authorization": f"Bearer {OPERATOR_KEY}"}


def requests_made(server: Serving) -> None:
    server.wait_for("/__mock")
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get(TOKEN, headers={**AUTH, "X-Mock-Namespace": "qa"}).status_code == 200
        assert http.get("/api/v1/sesions", headers=AUTH).status_code == 404
        assert http.get(TOKEN).status_code == 401  # no credential


def test_text_lines_say_who_asked_what_and_what_decided() -> None:
    server = Serving("--access-log")
    try:
        requests_made(server)
    finally:
        out, err = server.stop()
    lines = [line for line in out.splitlines() if " /api/" in line]
    assert len(lines) == 3, out
    time, namespace, method, path, operation, status, decided, duration = lines[0].split()
    assert time.endswith("Z") and (namespace, method, path) == ("qa", "GET", TOKEN)
    assert (operation, status, decided) == ("LxSessionsController_producerToken", "200", "world")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0
    assert lines[1].split()[4:7] == ["-", "404", "route"]
    assert lines[2].split()[5:7] == ["401", "validation"]
    assert "Traceback" not in err


def test_json_lines_for_machines() -> None:
    server = Serving("--access-log", "--log-format", "json", "--world", "none")
    try:
        requests_made(server)
    finally:
        out, _ = server.stop()
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    api = [r for r in records if r["path"].startswith("/api/")]
    assert [(r["status"], r["decidedBy"]) for r in api] == [
        (200, "default"),
        (404, "route"),
        (401, "validation"),
    ]
    assert api[0]["namespace"] == "qa"
    assert api[0]["operationId"] == "LxSessionsController_producerToken"
    assert isinstance(api[0]["durationMs"], float)
    assert any(r["decidedBy"] == "admin" for r in records)  # the wait for /__mock


def test_without_the_flag_nothing_is_logged_per_request() -> None:
    server = Serving("--world", "none")
    try:
        requests_made(server)
    finally:
        out, _ = server.stop()
    assert " /api/" not in out and "/__mock/requests" in out  # the banner names the journal


def test_journal_size_must_be_a_count() -> None:
    result = run("serve", "--journal-size", "lots")
    assert result.returncode == 2 and "'lots' is not a whole number" in result.stderr
