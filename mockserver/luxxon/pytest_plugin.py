"""The `luxxon_mock` pytest fixture (a `pytest11` plugin, active wherever mockserver is installed).

    def test_producer_token(luxxon_mock):
        reply = luxxon_mock.client.get(
            f"/sessions/{LIVE}/producer-token", headers=luxxon_mock.bearer("operator")
        )
        assert reply.status_code == 200

One mock per test session (per xdist worker): `mockserver serve` on a free loopback port in a
process of its own, so the user's warning filters, logging and event loop never meet the mock's;
or the running mock given by `--luxxon-mock-url`. Each test gets a namespace of its own on it (a
world of its own), reset when the test ends, so tests in parallel never see each other's changes.

This module is imported by every pytest run in an environment that has mockserver: it imports
nothing heavy at the top; httpx, yaml and the package's data are loaded by the fixtures.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

API_PREFIX = "/api/v1"
ADMIN_PREFIX = "/__mock"
URL_OPTION = "--luxxon-mock-url"
TOKEN_OPTION = "--luxxon-mock-admin-token"
TOKEN_ENV = "MOCKSERVER_ADMIN_TOKEN"
START_TIMEOUT_S = 30.0


class LuxxonMockError(RuntimeError):
    """The mock could not be started or reached, or refused an admin action."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("luxxon-mock", "the Luxxon mock (mockserver's luxxon_mock fixture)")
    group.addoption(
        URL_OPTION,
        metavar="URL",
        help="use this running mock (e.g. http://127.0.0.1:4010) instead of starting one",
    )
    group.addoption(
        TOKEN_OPTION,
        metavar="TOKEN",
        help=f"X-Mock-Admin-Token for the mock's admin API (default: ${TOKEN_ENV})",
    )


class LuxxonMock:
    """One test's view of the mock: its namespace, the demo keys and the admin actions."""

    def __init__(
        self, origin: str, namespace: str, keys: Mapping[str, str], admin_token: str | None
    ) -> None:
        self.origin = origin  # http://127.0.0.1:PORT, where /__mock and /openapi.json live
        self.url = origin + API_PREFIX
        self.namespace = namespace
        self.headers = {"X-Mock-Namespace": namespace}
        self.keys = dict(keys)  # role -> key, from the default world (consumer, operator, …)
        self._admin_headers = {**self.headers, "Content-Type": "application/json"}
        if admin_token:
            self._admin_headers["X-Mock-Admin-Token"] = admin_token
        self._client: httpx.Client | None = None
        self._scenario_on = False

    @property
    def client(self) -> httpx.Client:
        """An httpx client on `.url` that stays in this test's namespace."""
        if self._client is None:
            import httpx

            self._client = httpx.Client(base_url=self.url, headers=self.headers, timeout=10)
        return self._client

    def bearer(self, role: str) -> dict[str, str]:
        """`Authorization` for a demo key: `client.get(path, headers=mock.bearer("operator"))`."""
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def scenario(self, name: str | None) -> Any:
        """Switch a scenario on for this namespace (None: off)."""
        self._scenario_on = name is not None
        return self.admin("PUT", "/scenario", {"name": name})

    def advance(self, seconds: float) -> Any:
        """Move this namespace's clock on, instead of sleeping."""
        return self.admin("POST", "/clock", {"advance": seconds})

    def reset(self) -> Any:
        """This namespace's world starts again from the fixture (its rules and journal too)."""
        return self.admin("POST", "/reset", {})

    def rule(self, **rule: Any) -> str:
        """A runtime rule for this namespace, in the admin API's words; returns its id:
        `mock.rule(operations=["LxSessionsController_frame"], times=1,
        respond={"status": 404, "example": "FRAME_NOT_AVAILABLE"})`."""
        return str(self.admin("POST", "/rules", rule)["id"])

    def requests(self, **filters: Any) -> list[Any]:
        """What the app sent in this namespace, newest first (`operation=`, `status=`, …)."""
        query = "&".join(f"{key}={value}" for key, value in filters.items())
        return list(self.admin("GET", "/requests" + (f"?{query}" if query else ""))["requests"])

    def count(self, **filters: Any) -> int:
        """How many calls match, as WireMock's verify: `assert mock.count(operation=…) == 1`."""
        return int(self.admin("POST", "/requests/count", filters)["count"])

    def session(self, session_id: str, action: str) -> Any:
        """A QA control on one session: first-frame, disconnect, reconnect, expire or end."""
        return self.admin("POST", "/session", {"sessionId": session_id, "action": action})

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Any `/__mock` action in this namespace; its `data`, or LuxxonMockError."""
        import httpx

        url = self.origin + ADMIN_PREFIX + path
        try:
            response = httpx.request(
                method, url, json=body, headers=self._admin_headers, timeout=10
            )
        except httpx.TransportError as exc:
            raise LuxxonMockError(f"{method} {url}: {exc or type(exc).__name__}") from None
        reply = _json(response)
        if response.status_code != 200:
            message = reply.get("message") if isinstance(reply, dict) else response.text[:200]
            raise LuxxonMockError(f"{method} {url}: {response.status_code} {message}")
        return reply.get("data") if isinstance(reply, dict) else reply

    def close(self) -> None:
        """End of the test: scenario off, world reset, client closed."""
        try:
            if self._scenario_on:
                self.scenario(None)
            self.reset()
        finally:
            if self._client is not None:
                self._client.close()


@pytest.fixture(scope="session")
def luxxon_mock_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The mock's origin (`http://127.0.0.1:PORT`), one per test session and xdist worker."""
    given = request.config.getoption(URL_OPTION)
    headers = _admin_token_header(request.config)
    if given:
        origin = _origin(given)
        _wait_ready(origin, headers, deadline=time.monotonic() + 5, process=None)
        yield origin
        return
    process, origin = _start(headers)
    try:
        yield origin
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def luxxon_mock(luxxon_mock_server: str, request: pytest.FixtureRequest) -> Iterator[LuxxonMock]:
    """A namespace of this test's own on the session's mock, reset when the test ends."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    token = _admin_token_header(request.config).get("X-Mock-Admin-Token")
    mock = LuxxonMock(
        luxxon_mock_server, f"pytest-{worker}-{uuid.uuid4().hex[:16]}", demo_keys(), token
    )
    yield mock
    mock.close()


@cache
def demo_keys() -> dict[str, str]:
    """The default world's API keys by role, named by the key's last part
    (`lxxn_test_9d4b6c_operatordemo` → `operator`), read from the world file the package ships."""
    import yaml

    from mockserver.settings import DEFAULT_WORLD_FILE

    world = yaml.safe_load(DEFAULT_WORLD_FILE.read_text(encoding="utf-8"))
    keys: dict[str, str] = {}
    for entry in world.get("apiKeys", []):
        role = entry["key"].rsplit("_", 1)[-1].removesuffix("demo") or entry["id"]
        keys.setdefault(role, entry["key"])
    return keys


def _admin_token_header(config: pytest.Config) -> dict[str, str]:
    token = config.getoption(TOKEN_OPTION) or os.environ.get(TOKEN_ENV)
    return {"X-Mock-Admin-Token": token} if token else {}


def _origin(url: str) -> str:
    """`http://host:port` from what a user may paste: with or without `/api/v1` or a slash."""
    url = url.rstrip("/")
    return url.removesuffix(API_PREFIX).rstrip("/")


def _start(headers: Mapping[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`mockserver serve` on a free port; a port taken between the probe and the bind (another
    worker, another program) is tried again on a new one."""
    for _ in range(3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [sys.executable, "-m", "mockserver", "serve", "--host", "127.0.0.1"]
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=errors
            )
            origin = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + START_TIMEOUT_S
                _wait_ready(origin, headers, deadline=deadline, process=process)
            except LuxxonMockError:
                process.kill()
                process.wait()
                errors.seek(0)
                text = errors.read().decode(errors="replace").strip()
                if "cannot listen" in text:
                    continue
                raise LuxxonMockError(f"mockserver serve did not start: {text[-2000:]}") from None
        return process, origin
    raise LuxxonMockError("mockserver serve found no free loopback port in three tries")


def _wait_ready(
    origin: str,
    headers: Mapping[str, str],
    *,
    deadline: float,
    process: subprocess.Popen[bytes] | None,
) -> None:
    """Until `GET /__mock` answers 200, which only a mockserver does."""
    import httpx

    while True:
        try:
            response = httpx.get(origin + ADMIN_PREFIX, headers=headers, timeout=1)
            if response.status_code == 200:
                return
            problem = f"GET {origin}{ADMIN_PREFIX} answered {response.status_code}"
        except httpx.TransportError as exc:
            problem = f"cannot reach {origin}: {exc or type(exc).__name__}"
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise LuxxonMockError(problem + " (is it a mockserver?)")
        time.sleep(0.05)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
