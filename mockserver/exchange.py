"""One request as the journal and the access log see it, computed in one place.

The error boundary opens an `Exchange` in the scope when a request arrives; routing, the engine
and the endpoint fill it in (the operation, what decided, the latency and fault to apply); whoever
sends the answer (the endpoint, or the error boundary for errors) hands it to `Recorder.record`
just before the first byte goes out, so a client that reads the journal right after its answer
always finds its own call there.

What decided (`decidedBy`): `route` when no operation matched, `validation` when one matched but
the request never reached the engine (credentials, parameters, body), else what the engine
recorded: `override`, `rule`, `scenario`, `world` or `default`. Admin and documentation calls are
logged but not journaled.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
from starlette.types import Message, Receive, Scope

from mockserver.calls import Call, Reply
from mockserver.errors import ApiError
from mockserver.faults import Fault
from mockserver.flavor import Worlds
from mockserver.journal import BODY_LIMIT, Journal
from mockserver.middleware.routing import ROUTE_NOTE
from mockserver.namespaces import of_scope

EXCHANGE = "mockserver.exchange"  # scope key; set before routing copies the scope
NOT_JOURNALED = ("/__mock", "/ui", "/openapi.json")
LOG_FORMATS = ("text", "json")


@dataclass(slots=True)
class Exchange:
    started: float  # perf_counter at arrival
    call: Call | None = None  # set when the endpoint is reached
    decided_by: str | None = None
    delay_s: float = 0.0
    fault: Fault | None = None
    marks: dict[str, Any] | None = None
    body: bytes = b""  # the request body as it came (up to the journal's limit)
    headers: Sequence[tuple[bytes, bytes]] | None = None  # as they came (chunked: rewritten later)

    def keeping_body(self, receive: Receive) -> Receive:
        """`receive`, keeping what the body brings (validation errors never make a `Call`)."""

        async def kept() -> Message:
            message = await receive()
            chunk = message.get("body")
            if chunk and len(self.body) <= BODY_LIMIT:
                self.body += chunk
            return message

        return kept


def exchange_of(scope: Scope) -> Exchange:
    """The request's exchange (a fresh one when no boundary opened one: in-process callers)."""
    found = scope.get(EXCHANGE)
    if found is None:
        found = scope[EXCHANGE] = Exchange(time.perf_counter())
    return found  # type: ignore[no-any-return]


class AccessLog:
    """One line per request: time, namespace, method, path, operationId, status, decidedBy, ms."""

    def __init__(self, log_format: str = "text", stream: TextIO | None = None) -> None:
        self.json = log_format == "json"
        self.stream = stream

    def line(
        self,
        namespace: str,
        method: str,
        path: str,
        operation_id: str | None,
        status: int | None,
        decided_by: str,
        duration_ms: float,
    ) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if self.json:
            text = orjson.dumps(
                {
                    "time": now,
                    "namespace": namespace,
                    "method": method,
                    "path": path,
                    "operationId": operation_id,
                    "status": status,
                    "decidedBy": decided_by,
                    "durationMs": round(duration_ms, 3),
                }
            ).decode()
        else:
            text = (
                f"{now} {namespace} {method} {path} {operation_id or '-'} {status or '-'} "
                f"{decided_by} {duration_ms:.2f}ms"
            )
        stream = self.stream or sys.stdout
        stream.write(text + "\n")
        stream.flush()


class Recorder:
    """Feeds the journal and the access log from one record per request."""

    def __init__(
        self,
        journal: Journal,
        worlds: Worlds | None,
        access_log: AccessLog | None = None,
    ) -> None:
        self.journal = journal
        self.worlds = worlds
        self.access_log = access_log

    def record(self, scope: Scope, exchange: Exchange, reply: Reply, detail: str = "") -> None:
        """`detail` is an error's `field:reason` label (`route:…` tells a routing miss)."""
        access_log = self.access_log
        if not self.journal.size and access_log is None:
            return
        path: str = scope["path"]
        call = exchange.call
        decided_by = exchange.decided_by
        journaled = call is not None or not path.startswith(NOT_JOURNALED)
        operation_id: str | None
        if call is not None:  # the endpoint was reached: the common case, nothing to work out
            namespace, operation_id = call.namespace, call.operation_id
        else:
            namespace, operation_id = self._namespace(scope), _operation_id(scope)
            if not journaled:
                decided_by = "admin" if path.startswith("/__mock") else "docs"
            elif decided_by is None:
                routed = operation_id is not None or not detail.startswith("route:")
                decided_by = "validation" if routed else "route"
        assert decided_by is not None
        status: int | None = reply.status
        fault = exchange.fault
        if (
            fault is not None
            and not fault.keeps_answer
            and not (exchange.marks or {}).get("afterCommit")
        ):
            status = None  # the connection broke before any answer: the client got none
        duration_ms = (time.perf_counter() - exchange.started) * 1000
        if journaled and self.journal.size:
            world = self.worlds.peek(namespace) if self.worlds is not None else None
            self.journal.record(
                namespace,
                scope["method"],
                path,
                status,
                decided_by,
                query=scope.get("query_string", b""),
                headers=scope["headers"] if exchange.headers is None else exchange.headers,
                body=exchange.body,
                response_body=reply.raw,
                operation_id=operation_id,
                duration_ms=duration_ms,
                world_time=world.clock.now() if world is not None else None,
                revision=world.revision if world is not None else None,
                marks=exchange.marks,
            )
        if access_log is not None:
            access_log.line(
                namespace,
                scope["method"],
                path,
                operation_id,
                status,
                decided_by,
                duration_ms,
            )

    @staticmethod
    def _namespace(scope: Scope) -> str:
        """For calls that never became a `Call` (errors before the endpoint)."""
        try:
            return of_scope(scope)
        except ApiError:  # a bad namespace is the error being answered
            return "default"


def _operation_id(scope: Scope) -> str | None:
    note = scope.get(ROUTE_NOTE)
    return note.get("operation_id") if note else None
