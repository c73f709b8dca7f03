"""The web console at /__mock/, and the sticky cookie it sets for pages that cannot send headers.

The first tests are plain HTTP (the page is served, the cookie is honoured, the world summary's
buttons are admin calls that exist). The rest click through the console in Debian's chromium,
driven by Playwright (one browser for the module, a fresh browser context per test): a scenario
switched on in the console answers a page on another origin, a `times: 1` rule fires once in
the live journal, the clock moved in the console expires a quote, a session control pushes a
session on and reset undoes it, the console asks for an admin token when the API answers 401,
shows what requests carried as text only, and works without a world. Any script error fails.

`python -m tests.test_console docs/console.png` redraws the screenshot in docs/qa.md.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.conftest import CONSUMER_KEY, LIVE_SESSION, OPERATOR_KEY, LiveServer, app_with

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ASSIGNED_SESSION = "d3a4b5c6-7d8e-4f9a-0b1c-2d3e4f5a6b7c"
TOKEN = f"/api/v1/sessions/{LIVE_SESSION}/producer-token"
BOGOTA_600 = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600}
# A page of an app on another port: it calls the URL it is given, with credentials, as an app
# using the wallet cookie does, and shows the status and error code it got.
APP_PAGE = b"""<!doctype html><meta charset="utf-8"><title>app</title>
<button id="call">call</button> <output id="result"></output>
<script>
const params = new URLSearchParams(location.search);
document.getElementById("call").onclick = async () => {
  document.getElementById("result").textContent = "";
  const response = await fetch(params.get("url"), {
    credentials: "include", headers: {Authorization: "Bearer " + params.get("key")}});
  const body = await response.json();
  document.getElementById("result").textContent = response.status + " " + (body.code || "ok");
};
</script>"""


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(Settings())) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


# -- over HTTP ------------------------------------------------------------------------------------
def test_a_browser_gets_the_console_and_a_script_the_status(http: httpx.Client) -> None:
    for path in ("/__mock", "/__mock/"):
        page = http.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert page.headers["content-type"].startswith("text/html")
        assert '<script src="/__mock/console.js"' in page.text
        assert data(http.get(path))["world"] is True  # curl's */*: the status JSON
    script = http.get("/__mock/console.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert 'const ADMIN = "/__mock"' in script.text
    assert http.get("/__mock/console.css").headers["content-type"].startswith("text/css")
    assert http.get("/__mock/index.html").status_code == 404  # only the page's own URL serves it


def test_the_console_loads_nothing_from_elsewhere(http: httpx.Client) -> None:
    """No CDN: every URL the page and its script name is the mock's own."""
    page = http.get("/__mock/", headers={"Accept": "text/html"}).text
    script = http.get("/__mock/console.js").text
    for text in (page, script, http.get("/__mock/console.css").text):
        assert "https://" not in text and "http://" not in text and "//cdn" not in text


def test_the_sticky_cookie_stands_for_namespace_and_scenario_headers(http: httpx.Client) -> None:
    operator = {"Authorization": f"Bearer {OPERATOR_KEY}"}
    sticky = {"Cookie": "other=1; mock_sticky=namespace=qa-sticky-http&scenario=video-outage"}
    answer = http.get(TOKEN, headers={**operator, **sticky})
    assert (answer.status_code, answer.json()["code"]) == (503, "VIDEO_ERROR")
    assert http.get("/api/v1/nowhere", headers=sticky).status_code == 404  # journaled there too
    journal = data(http.get("/__mock/requests", headers={"X-Mock-Namespace": "qa-sticky-http"}))
    assert [entry["decidedBy"] for entry in journal["requests"]] == ["route", "scenario"]
    # A request that names its namespace is the script's own choice: the cookie steps aside.
    named = {**operator, **sticky, "X-Mock-Namespace": "qa-sticky-other"}
    assert http.get(TOKEN, headers=named).status_code == 200
    # A namespace-only cookie: the namespace's own switched-on scenario applies.
    data(http.put("/__mock/scenario", json={"name": "video-outage", "namespace": "qa-sticky-ns"}))
    try:
        only_ns = {"Cookie": "mock_sticky=namespace=qa-sticky-ns"}
        assert http.get(TOKEN, headers={**operator, **only_ns}).status_code == 503
        assert http.get(TOKEN, headers=operator).status_code == 200  # default namespace
    finally:
        data(http.put("/__mock/scenario", json={"name": None, "namespace": "qa-sticky-ns"}))


def test_a_bad_sticky_cookie_is_refused_not_ignored(http: httpx.Client) -> None:
    bad = {"Authorization": f"Bearer {OPERATOR_KEY}", "Cookie": "mock_sticky=namespace=a%20b"}
    answer = http.get(TOKEN, headers=bad)
    assert (answer.status_code, answer.json()["code"]) == (422, "MOCK_BAD_NAMESPACE")


def test_a_stale_sticky_scenario_says_the_cookie_is_why(http: httpx.Client) -> None:
    stale = {"Authorization": f"Bearer {OPERATOR_KEY}", "Cookie": "mock_sticky=scenario=gone"}
    answer = http.get(TOKEN, headers=stale)
    assert (answer.status_code, answer.json()["code"]) == (422, "MOCK_UNKNOWN_SCENARIO")
    assert "mock_sticky cookie" in answer.json()["message"]


def test_the_world_summary_offers_only_admin_calls_that_work(http: httpx.Client) -> None:
    space = {"X-Mock-Namespace": "qa-summary"}
    world = data(http.get("/__mock/world", headers=space))
    titles = [table["title"] for table in world["tables"]]
    assert titles == ["Sessions", "Workspaces", "Pool", "Settlements", "Quotes"]
    sessions = world["tables"][0]
    assert sessions["counts"]["LIVE"] == 1 and sessions["counts"]["ASSIGNED"] == 1
    row = next(r for r in sessions["rows"] if r["cells"][0] == ASSIGNED_SESSION)
    first_frame = next(a for a in row["actions"] if a["label"] == "First frame now")
    done = http.request(
        first_frame["method"],
        "/__mock" + first_frame["path"],
        json=first_frame["body"],
        headers=space,
    )
    assert data(done)["state"] == "LIVE"
    # Every other button of every row is a call the admin API takes (2xx, or a 409 of the world).
    world = data(http.get("/__mock/world", headers={"X-Mock-Namespace": "qa-summary-2"}))
    for fact_or_row in [*world["facts"], *(r for t in world["tables"] for r in t["rows"])]:
        for action in fact_or_row.get("actions", []):
            answer = http.request(
                action["method"],
                "/__mock" + action["path"],
                json=action["body"],
                headers={"X-Mock-Namespace": "qa-summary-2"},
            )
            refused = answer.json().get("code", "")
            assert answer.status_code == 200 or not refused.startswith("MOCK_"), answer.text


def test_without_a_world_the_summary_says_so() -> None:
    with LiveServer(app_with()) as live:
        answer = httpx.get(f"{live.url}/__mock/world", timeout=10)
        assert (answer.status_code, answer.json()["code"]) == (422, "MOCK_NO_WORLD")


# -- in a real browser ----------------------------------------------------------------------------
def _browser_or_skip() -> Any:
    """Playwright's sync API, or a skip when there is no chromium here and this is not CI (CI
    installs it: `.ci/run`, and there a missing browser must fail, not skip)."""
    in_ci = os.environ.get("CI") == "true"
    if not in_ci and not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(f"no {CHROMIUM} (apt-get install chromium); runs in CI")
    if in_ci:
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def app_origin() -> Iterator[str]:
    """Another origin: a tiny app page on its own loopback port."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(APP_PAGE)))
            self.end_headers()
            self.wfile.write(APP_PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies and storage); a script error in any of its
    pages fails the test."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(10_000)
    errors: list[str] = []
    ctx.on("weberror", lambda error: errors.append(str(error.error)))
    yield ctx
    ctx.close()
    assert errors == []


def open_console(context: Any, server: LiveServer, namespace: str) -> Any:
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(f"{server.url}/__mock/#namespace={namespace}")
    expect(page.locator("#namespace")).to_have_value(namespace)
    expect(page.locator("#scenarios tbody tr").first).to_be_visible()
    return page


def test_a_scenario_clicked_on_answers_a_page_on_another_origin(
    context: Any, server: LiveServer, app_origin: str
) -> None:
    from playwright.sync_api import expect

    console = open_console(context, server, "qa-console")
    console.click("#sticky-set")
    expect(console.locator("#sticky-now")).to_contain_text("namespace qa-console")
    outage = console.locator('#scenarios tr[data-scenario="video-outage"] button').first
    outage.click()
    expect(outage).to_have_attribute("aria-pressed", "true")

    app = context.new_page()
    app.goto(f"{app_origin}/?url={server.url}{TOKEN}&key={OPERATOR_KEY}")
    app.click("#call")
    expect(app.locator("#result")).to_have_text("503 VIDEO_ERROR")

    row = console.locator("#journal tbody tr", has_text="producer-token").first
    expect(row.locator("td.status")).to_have_text("503")
    expect(row.locator("td.decided")).to_have_text("scenario")

    console.click("#sticky-clear")  # the page is back in the default namespace
    expect(console.locator("#sticky-now")).to_contain_text("No sticky choice")
    app.click("#call")
    expect(app.locator("#result")).to_have_text("200 ok")
    outage.click()
    expect(outage).to_have_attribute("aria-pressed", "false")


def test_a_times_1_rule_fires_once_in_the_live_journal(
    context: Any, server: LiveServer, http: httpx.Client
) -> None:
    from playwright.sync_api import expect

    console = open_console(context, server, "qa-rule")
    console.fill("#rule-operation", "LxSessionsController_get")
    console.fill("#rule-status", "404")
    console.fill("#rule-example", "SESSION_NOT_FOUND")
    console.fill("#rule-times", "1")
    expect(console.locator("#rule-json")).to_have_value(
        '{\n  "operations": [\n    "LxSessionsController_get"\n  ],\n  "respond": {\n'
        '    "status": 404,\n    "example": "SESSION_NOT_FOUND"\n  },\n  "times": 1\n}'
    )
    console.click("#rule-form button[type=submit]")
    expect(console.locator("#rules tbody tr")).to_have_count(1)

    headers = {"X-Mock-Namespace": "qa-rule", "Authorization": f"Bearer {CONSUMER_KEY}"}
    statuses = [http.get(f"/api/v1/sessions/{LIVE_SESSION}", headers=headers).status_code]
    statuses.append(http.get(f"/api/v1/sessions/{LIVE_SESSION}", headers=headers).status_code)
    assert statuses == [404, 200]

    rows = console.locator("#journal tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("td.status")).to_have_text("404")  # newest first
    expect(rows.nth(1).locator("td.decided")).to_have_text("rule rule-1")
    expect(rows.nth(0).locator("td.status")).to_have_text("200")
    expect(rows.nth(0).locator("td.decided")).to_have_text("world")
    expect(console.locator("#rules tbody tr")).to_have_count(0)  # spent

    rows.nth(1).click()
    curl = console.locator("#curl")
    expect(curl).to_contain_text(f"curl -X GET '{server.url}/api/v1/sessions/{LIVE_SESSION}'")
    expect(curl).to_contain_text("-H 'x-mock-namespace: qa-rule'")

    # A latency-only rule for everyone, then removed from the console.
    for field in ("#rule-status", "#rule-example", "#rule-times"):
        console.fill(field, "")
    console.fill("#rule-latency", "5")
    console.select_option("#rule-scope", "*")
    console.click("#rule-form button[type=submit]")
    rule = console.locator("#rules tbody tr")
    expect(rule).to_contain_text("everyone")
    expect(rule).to_contain_text('latency {"fixedMs":5}')
    rule.get_by_role("button", name="Delete").click()
    expect(rule).to_have_count(0)
    assert data(http.get("/__mock/rules", headers={"X-Mock-Namespace": "qa-rule"}))["rules"] == []


def test_the_clock_moved_in_the_console_expires_a_quote(
    context: Any, server: LiveServer, http: httpx.Client
) -> None:
    from playwright.sync_api import expect

    console = open_console(context, server, "qa-quote")
    console.click("#clock-freeze")
    expect(console.locator("#clock-state")).to_have_text("frozen")
    headers = {"X-Mock-Namespace": "qa-quote", "Authorization": f"Bearer {CONSUMER_KEY}"}
    quote = data(
        http.get(
            "/api/v1/pricing/quote",
            params={"lat": 4.66, "lng": -74.05, "durationSeconds": 60},
            headers=headers,
        )
    )
    row = console.locator('[data-table="Quotes"] tr', has_text=quote["quoteId"][:8])
    expect(row.locator("td").last).to_have_text("live")
    console.click("button[data-advance='300']")
    expect(row.locator("td").last).to_have_text("expired")
    create = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60, "quoteId": quote["quoteId"]}
    answer = http.post("/api/v1/sessions", json=create, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (409, "QUOTE_EXPIRED")


def test_a_session_control_pushes_a_session_live_and_reset_undoes_it(
    context: Any, server: LiveServer
) -> None:
    from playwright.sync_api import expect

    console = open_console(context, server, "qa-controls")
    row = console.locator('[data-table="Sessions"] tr', has_text=ASSIGNED_SESSION[:8])
    expect(row.locator("td").nth(1)).to_have_text("ASSIGNED")
    row.get_by_role("button", name="First frame now").click()
    expect(row.locator("td").nth(1)).to_have_text("LIVE")
    live = console.locator('[data-table="Sessions"] [data-count="LIVE"]')
    expect(live).to_have_text("LIVE 2")
    console.click("#reset")  # the namespace starts again from the fixture
    expect(live).to_have_text("LIVE 1")
    expect(row.locator("td").nth(1)).to_have_text("ASSIGNED")


def test_a_bundle_exported_in_the_console_imports_into_another_namespace(
    context: Any, server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    console = open_console(context, server, "qa-export")
    row = console.locator('[data-table="Sessions"] tr', has_text=ASSIGNED_SESSION[:8])
    row.get_by_role("button", name="First frame now").click()
    expect(row.locator("td").nth(1)).to_have_text("LIVE")
    with console.expect_download() as download:
        console.click("#bundle-export")
    saved = tmp_path / "bundle.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["namespace"] == "qa-export"

    other = open_console(context, server, "qa-import")
    other_row = other.locator('[data-table="Sessions"] tr', has_text=ASSIGNED_SESSION[:8])
    expect(other_row.locator("td").nth(1)).to_have_text("ASSIGNED")
    other.set_input_files("#bundle-import", str(saved))
    expect(other_row.locator("td").nth(1)).to_have_text("LIVE")


def test_the_console_asks_for_the_admin_token_when_the_api_wants_one(
    context: Any, server: LiveServer
) -> None:
    """As a mock bound beyond loopback answers: 401 without the right X-Mock-Admin-Token."""
    from playwright.sync_api import expect

    sent: list[str | None] = []

    def guard(route: Any) -> None:
        if route.request.resource_type != "fetch":  # the page and its files: no token needed
            route.continue_()
            return
        token = route.request.headers.get("x-mock-admin-token")
        sent.append(token)
        if token == "s3cret":
            route.continue_()
        else:
            route.fulfill(status=401, json={"code": "MOCK_ADMIN_TOKEN", "message": "token"})

    page = context.new_page()
    page.route(lambda url: "/__mock" in url, guard)
    page.goto(f"{server.url}/__mock/")
    expect(page.locator("#token-form")).to_be_visible()
    page.fill("#token", "s3cret")
    page.click("#token-form button")
    expect(page.locator("#token-form")).to_be_hidden()
    expect(page.locator("#scenarios tbody tr").first).to_be_visible()
    assert sent[-1] == "s3cret"
    assert page.evaluate("sessionStorage.getItem('mockserver.adminToken')") == "s3cret"


def test_what_a_request_carried_is_shown_as_text_never_as_markup(
    context: Any, server: LiveServer, http: httpx.Client
) -> None:
    from playwright.sync_api import expect

    console = open_console(context, server, "qa-markup")
    http.get("/api/v1/<img src=x onerror=alert(1)>", headers={"X-Mock-Namespace": "qa-markup"})
    path = console.locator("#journal tbody td.path")
    expect(path).to_have_text("/api/v1/<img src=x onerror=alert(1)>")
    expect(console.locator("#journal img")).to_have_count(0)


def test_without_a_world_the_console_shows_the_rest(context: Any) -> None:
    from playwright.sync_api import expect

    with LiveServer(app_with()) as live:
        console = open_console(context, live, "default")
        expect(console.locator("#world-panel")).to_be_hidden()
        expect(console.locator("#clock-panel")).to_be_hidden()
        expect(console.locator("#rules-panel")).to_be_visible()
        expect(console.locator("#status-line")).not_to_have_class("error")


# -- the screenshot in docs/qa.md -----------------------------------------------------------------
def screenshot(path: str) -> None:
    """A console with something in it: a sticky choice, a scenario on, a rule, a journal."""
    from playwright.sync_api import expect, sync_playwright

    with LiveServer(create_app(Settings())) as live, sync_playwright() as playwright:
        http = httpx.Client(base_url=live.url, timeout=10)
        ns = {"X-Mock-Namespace": "qa-demo", "Authorization": f"Bearer {CONSUMER_KEY}"}
        rule = {"operations": ["LxSessionsController_frame"], "times": 2}
        rule["respond"] = {"status": 404, "example": "FRAME_NOT_AVAILABLE"}
        data(http.post("/__mock/rules", json=rule, headers=ns))
        data(http.put("/__mock/scenario", json={"name": "video-outage"}, headers=ns))
        session = data(http.post("/api/v1/sessions", json=BOGOTA_600, headers=ns))
        http.post(f"/api/v1/sessions/{session['id']}/dispatch", headers=ns)
        http.get("/api/v1/pricing/quote?lat=4.66&lng=-74.05&durationSeconds=60", headers=ns)
        http.get(f"/api/v1/sessions/{LIVE_SESSION}/frame", headers=ns)
        http.get("/api/v1/wallet", headers=ns)
        http.get("/api/v1/sesions", headers=ns)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{live.url}/__mock/#namespace=qa-demo")
        page.click("#sticky-set")
        expect(page.locator("#journal tbody tr")).to_have_count(6)
        page.locator("#journal tbody tr").nth(2).click()
        expect(page.locator("#curl")).to_contain_text("curl")
        page.screenshot(path=path, full_page=True)
        browser.close()


if __name__ == "__main__":
    screenshot(sys.argv[1] if len(sys.argv) > 1 else "docs/console.png")
