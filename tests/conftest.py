from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn

from mockserver.app import MockApp, create_app
from mockserver.settings import Settings
from tests.conformance import assert_conforms

if TYPE_CHECKING:
    from tests.redis_server import RedisServer

OPERATOR_KEY = "lxxn_test_9d4b6c_operatordemo"
CONSUMER_KEY = "lxxn_test_8c3a5b_consumerdemo"
LIVE_SESSION = "b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a"
TESTS = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The real server on a free loopback port, in a thread of this process."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("mock server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def checked_client(base_url: str, **kwargs: object) -> httpx.Client:
    """An httpx client whose every response is validated against openapi.json."""

    def check(response: httpx.Response) -> None:
        response.read()
        if (
            not response.request.url.path.startswith("/api/")
            or response.request.method == "OPTIONS"
        ):
            return  # Swagger UI, /openapi.json, CORS preflights
        body = response.json() if "json" in response.headers.get("content-type", "") else None
        if isinstance(body, dict):
            if str(body.get("code", "")).startswith("MOCK_"):
                return  # the mock's own refusals are outside the contract by design
            if str(body.get("detail", "")).startswith("route:"):
                return  # no operation to check against: unknown path or method
        assert_conforms(response)

    return httpx.Client(base_url=base_url, event_hooks={"response": [check]}, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def stateless_settings() -> Settings:
    return Settings(world=None, seed=7, validate_responses=True)


@pytest.fixture(scope="session")
def stateless_app(stateless_settings: Settings) -> MockApp:
    return create_app(stateless_settings)


@pytest.fixture(scope="session")
def stateless_server(stateless_app: MockApp) -> Iterator[LiveServer]:
    with LiveServer(stateless_app) as server:
        yield server


@pytest.fixture
def client(stateless_server: LiveServer) -> Iterator[httpx.Client]:
    with checked_client(stateless_server.url) as c:
        yield c


def app_with(**changes: object) -> MockApp:
    return create_app(replace(Settings(world=None, validate_responses=True), **changes))  # type: ignore[arg-type]


# A mock with the default world, one per test module, and a client on it (the admin API tests).
@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(Settings(validate_responses=True))) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def ns(name: str, key: str | None = OPERATOR_KEY, **more: str) -> dict[str, str]:
    """Headers that put a call in namespace `name`, with a demo key's bearer."""
    headers = {"X-Mock-Namespace": name, **more}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def data(response: httpx.Response) -> Any:
    """The `data` of a 200 in the envelope."""
    assert response.status_code == 200, response.text
    return response.json()["data"]


# A real Redis (issue 14), one per test process. Without Debian's redis-server the tests that need
# it skip, except in CI, where `.ci/run` installs it and a missing one must fail, not skip.
@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    from tests.redis_server import REDIS_SERVER, RedisServer  # it imports this module

    if os.environ.get("CI") != "true" and not Path(REDIS_SERVER).exists():
        pytest.skip(f"no {REDIS_SERVER} (apt-get install redis-server); runs in CI")
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The shared Redis, running and empty: what one test wrote is gone before the next."""
    redis_server.start()  # again, if a test stopped it
    redis_server.resume()
    redis_server.flush()
    return redis_server.url
