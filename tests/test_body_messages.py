"""However a request body arrives (whole in one ASGI message or in pieces, with a Content-Length
or chunked), validation judges the same bytes and answers the same way."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from mockserver.app import MockApp, create_app
from mockserver.settings import Settings
from tests.conftest import CONSUMER_KEY

WRITE = b'{"lat":4.66,"lng":-74.05,"maxDurationSeconds":600}'
BAD = b'{"lat":91,"lng":-74.05,"maxDurationSeconds":600}'


@pytest.fixture(scope="module")
def app() -> MockApp:
    return create_app(Settings())


def post(app: MockApp, pieces: list[bytes], *, length: bool) -> tuple[int, dict[str, Any]]:
    headers = [
        (b"host", b"x"),
        (b"authorization", f"Bearer {CONSUMER_KEY}".encode()),
        (b"content-type", b"application/json"),
        (b"x-mock-namespace", b"pieces"),
    ]
    if length:
        headers.append((b"content-length", str(sum(map(len, pieces))).encode()))
    else:  # HTTP/1.1's other way to send a body
        headers.append((b"transfer-encoding", b"chunked"))
    scope = {"type": "http", "method": "POST", "path": "/api/v1/sessions",
             "raw_path": b"/api/v1/sessions", "query_string": b"", "headers": headers,
             "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 1), "root_path": "", "asgi": {"version": "3.0"}}  # fmt: skip
    messages = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], orjson.loads(body)


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("cut", [None, 1, 20], ids=["whole", "cut at 1", "cut at 20"])
def test_a_valid_body_is_taken_however_it_arrives(
    app: MockApp, cut: int | None, length: bool
) -> None:
    pieces = [WRITE] if cut is None else [WRITE[:cut], WRITE[cut:]]
    for _ in range(2):  # the first call takes the whole stack, the second the lane
        status, answer = post(app, pieces, length=length)
        assert status == 200, answer
        assert answer["data"]["maxDurationSeconds"] == 600


@pytest.mark.parametrize("cut", [None, 5], ids=["whole", "in two"])
def test_an_invalid_body_is_refused_the_same_however_it_arrives(
    app: MockApp, cut: int | None
) -> None:
    pieces = [BAD] if cut is None else [BAD[:cut], BAD[cut:]]
    for _ in range(2):
        status, answer = post(app, pieces, length=True)
        assert status == 400
        assert (answer["code"], answer["detail"]) == ("INVALID_INPUT", "body.lat:maximum")
