"""The limit: a bare ASGI app, no framework, that answers every request with one static body.

Served by uvicorn with uvloop and httptools and no access log, it measures what the HTTP stack
and the load generator cost on their own; a mock cannot be faster than this on the same machine.

    .venv/bin/python -m uvicorn bench.baseline:app --loop uvloop --http httptools \
        --no-access-log --lifespan off --port 8000
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# The producer-token success body, so the bytes on the wire match what the mocks send.
BODY = (
    b'{"statusCode":200,"message":"Request successful","data":'
    b'{"videoBackendRef":"6a7aab6e273b40251e8ee72d7ca05719",'
    b'"whipUrl":"https://customer-CODE.cloudflarestream.com/UID/webRTC"},'
    b'"timestamp":"2026-05-13T12:00:00.000Z"}'
)
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
    ],
}
END = {"type": "http.response.body", "body": BODY}


async def app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    # Read the request body as any real server must (POST mixes), then answer.
    message = await receive()
    while message.get("more_body"):
        message = await receive()
    await send(START)
    await send(END)
