"""The line between ASGI and the engine: a routed request becomes a `Call`, a `Reply` becomes the
bytes on the wire. Nothing else here knows ASGI's message shapes."""

from __future__ import annotations

import asyncio
import functools
import random
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import Receive, Scope, Send

from mockserver import faults
from mockserver.calls import Call, Reply
from mockserver.errors import invalid_input
from mockserver.exchange import Recorder, exchange_of
from mockserver.headers import text_headers
from mockserver.middleware.body_limit import read_body
from mockserver.middleware.validation import PARSED_BODY
from mockserver.namespaces import namespace_of


async def to_call(scope: Scope, receive: Receive, op_id: str, takes_body: bool = True) -> Call:
    headers = text_headers(scope)
    query_string = scope.get("query_string", b"")
    query = (
        dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        if query_string
        else {}
    )
    if PARSED_BODY in scope:  # request validation parsed it already
        body = scope[PARSED_BODY] if takes_body else None
    elif "content-length" not in headers and "transfer-encoding" not in headers:
        body = None  # no body to read (HTTP/1.1: neither header, no body): a GET, as a rule
    else:
        raw = await read_body(receive)
        body = parse_json(raw) if takes_body else None
    return Call(
        op_id,
        scope["method"],
        scope["path"],
        _text(scope.get("path_params") or {}),
        query,
        headers,
        _cookies(headers["cookie"]) if "cookie" in headers else {},
        # A body sent to an operation that takes none is ignored, as most frameworks do.
        body,
        namespace_of(headers, query),
    )


def _text(params: dict[str, Any]) -> dict[str, str]:
    """Path parameters as text (connexion's routing makes numbers of integer and number ones);
    routing made this dict for this request, so text ones are passed on as they are."""
    for value in params.values():
        if type(value) is not str:
            return {k: str(v) for k, v in params.items()}
    return params


def _cookies(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed cookie header is no cookie
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def parse_json(body: bytes) -> Any:
    """The body as JSON (None for no body)."""
    if not body.strip():
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise invalid_input("body:invalidJson", "Request body is not valid JSON") from None


def response_headers(reply: Reply, body: bytes) -> list[tuple[bytes, bytes]]:
    headers = [(b"content-length", b"%d" % len(body))]
    if body and reply.content_type:
        headers.append((b"content-type", _encoded(reply.content_type)))
    if reply.headers:
        headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
    if reply.set_cookies:
        headers += [(b"set-cookie", cookie.encode()) for cookie in reply.set_cookies]
    return headers


@functools.lru_cache(maxsize=64)  # a handful of content types, encoded on every answer
def _encoded(text: str) -> bytes:
    return text.encode()


async def send_reply(send: Send, reply: Reply) -> None:
    body = reply.raw or b""
    headers = response_headers(reply, body)
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def deliver(
    scope: Scope,
    send: Send,
    reply: Reply,
    recorder: Recorder | None,
    *,
    rng: random.Random | None = None,
    detail: str = "",
) -> None:
    """Wait the drawn latency, record the exchange, then send the reply, or break the connection
    the way the exchange's fault says (after the world applied the call, for after-commit)."""
    exchange = exchange_of(scope)
    if exchange.delay_s:
        await asyncio.sleep(exchange.delay_s)
    if recorder is not None:
        recorder.record(scope, exchange, reply, detail)
        written = recorder.journal.written()
        if written is not None:  # a shared journal: the entry is in the store before the answer
            await written
    if exchange.fault is None:
        await send_reply(send, reply)
        return
    body = reply.raw or b""
    await faults.send_with_fault(
        send,
        reply.status,
        response_headers(reply, body),
        body,
        exchange.fault,
        scope=scope,
        rng=rng,
    )
