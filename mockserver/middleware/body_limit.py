"""Bodies over 1 MiB are refused (declared or streamed) before anything buffers them; a chunked
body is handed on with its length (connexion takes a body without Content-Length for none)."""

from __future__ import annotations

from typing import Any

from starlette.types import Message, Receive, Scope, Send

from mockserver.errors import ApiError, invalid_input
from mockserver.headers import text_headers
from mockserver.settings import MAX_BODY_BYTES

_LIMIT_DIGITS = len(str(MAX_BODY_BYTES))


class BodyLimitMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not chunked(scope):  # the HTTP parser stops at the declared length (or at none)
            await self.app(scope, receive, send)
            return
        body = await read_body(limited(receive))
        headers = [(k, v) for k, v in scope["headers"] if k != b"transfer-encoding"]
        headers.append((b"content-length", str(len(body)).encode()))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)


def chunked(scope: Scope) -> bool:
    """Whether the body comes chunked (its length unknown); refuses one declared too large."""
    if declared_length(scope) > MAX_BODY_BYTES:
        raise too_large()
    return "transfer-encoding" in text_headers(scope)


def declared_length(scope: Scope) -> int:
    """The Content-Length as the HTTP parser reads it (blanks around it, any number of leading
    zeros), 0 when there is none; one with more digits than the limit counts as the limit + 1
    (int() refuses over 4,300 digits, and the parser takes any number of them)."""
    digits = text_headers(scope).get("content-length", "").strip().lstrip("0")
    if not (digits.isascii() and digits.isdigit()):
        return 0
    return int(digits) if len(digits) <= _LIMIT_DIGITS else MAX_BODY_BYTES + 1


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def limited(receive: Receive) -> Receive:
    """`receive`, refusing once more than MAX_BODY_BYTES have come."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY_BYTES:
            raise too_large()
        return message

    return counted


def too_large() -> ApiError:
    return invalid_input("body:tooLarge", "Request body larger than 1 MiB")
