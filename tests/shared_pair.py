"""Two mock processes on one store (issue 14): `mockserver serve --store URL` started as a user
starts it, on free loopback ports, and a client for each in one namespace (`Via`), so a test can
say "create through A, read through B". Used by tests/test_shared_world.py.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx

from tests.conftest import free_port
from tests.world_client import BOGOTA, CONSUMER, assert_documented

STORE_TIMEOUT_S = 0.5  # --store-timeout: how long a store call may take before the call is a 503
CALL_TIMEOUT_S = 10.0  # no answer by then is a hang, and the test fails
START_TIMEOUT_S = 60.0


class Mock:
    """`mockserver serve --store URL` as a user starts it, in a process of its own."""

    def __init__(self, store_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A file, not a pipe (a full pipe would block the mock), open as long as the process.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        command = [sys.executable, "-m", "mockserver", "serve", "--port", str(self.port)]
        command += ["--store", store_url, "--store-timeout", str(STORE_TIMEOUT_S)]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_until_ready(self, deadline: float) -> None:
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"the mock on port {self.port} did not start:\n{self.output()}"
                )
            time.sleep(0.05)

    def output(self) -> str:
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-40:])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


@contextmanager
def two_mocks(store_url: str) -> Iterator[tuple[Mock, Mock]]:
    """Two mocks on one store, started side by side; always stopped."""
    mocks: list[Mock] = []
    try:
        mocks = [Mock(store_url), Mock(store_url)]
        deadline = time.monotonic() + START_TIMEOUT_S
        for mock in mocks:
            mock.wait_until_ready(deadline)
        yield mocks[0], mocks[1]
    finally:
        for mock in mocks:
            mock.close()


class Via:
    """One of the two mocks, in one namespace: the calls a test makes through it."""

    def __init__(self, name: str, mock: Mock, namespace: str, timeout: float) -> None:
        self.name, self.url, self.namespace = name, mock.url, namespace
        self.http = httpx.Client(base_url=mock.url, timeout=timeout)

    def headers(self, key: str | None = CONSUMER) -> dict[str, str]:
        headers = {"X-Mock-Namespace": self.namespace}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def call(self, method: str, path: str, key: str | None = CONSUMER, **kw: Any) -> httpx.Response:
        headers = {**self.headers(key), **kw.pop("headers", {})}
        return self.http.request(method, "/api/v1" + path, headers=headers, **kw)

    def ok(self, method: str, path: str, key: str | None = CONSUMER, **kw: Any) -> Any:
        response = self.call(method, path, key, **kw)
        assert response.status_code == 200, f"via {self.name}: {response.text}"
        assert_documented(response)
        return response.json()["data"]

    def fails(self, status: int, code: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        response = self.call(method, path, **kw)
        assert outcome(response) == (status, code), f"via {self.name}: {response.text}"
        assert_documented(response)
        body: dict[str, Any] = response.json()
        return body

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.request(method, "/__mock" + path, headers=self.headers(None), **kw)
        assert response.status_code == 200, f"via {self.name}: {response.text}"
        return response.json()["data"]

    def create(self, **fields: Any) -> dict[str, Any]:
        body = {**BOGOTA, "maxDurationSeconds": 600, **fields}
        session: dict[str, Any] = self.ok("POST", "/sessions", json=body)
        session.pop("consistencyToken")  # only the create's answer has it; reads show the rest
        return session

    def session(self, session_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.ok("GET", f"/sessions/{session_id}")
        return found

    def listed(self) -> list[dict[str, Any]]:
        sessions: list[dict[str, Any]] = self.ok("GET", "/sessions", params={"limit": "500"})
        return sessions

    def ids(self) -> set[str]:
        return {s["id"] for s in self.listed()}


@contextmanager
def both(pair: tuple[Mock, Mock], timeout: float = CALL_TIMEOUT_S) -> Iterator[tuple[Via, Via]]:
    """A and B in a namespace nobody has used yet."""
    namespace = f"shared-{uuid.uuid4().hex[:12]}"
    a, b = Via("A", pair[0], namespace, timeout), Via("B", pair[1], namespace, timeout)
    try:
        yield a, b
    finally:
        a.http.close()
        b.http.close()


def race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """All the calls at once from threads released together (each side's client is thread-safe
    and opens as many connections as there are callers)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait(timeout=CALL_TIMEOUT_S)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(run, calls))
    for answer in {outcome(r): r for r in answers}.values():
        if answer.status_code < 500:
            assert_documented(answer)  # one of each kind: openapi-core takes a while per answer
    return answers


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    """Status and error code; anything that is not JSON shows its first words instead."""
    try:
        return response.status_code, response.json().get("code")
    except ValueError:
        return response.status_code, response.text[:80]
