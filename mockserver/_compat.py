"""Every touch of a library's private API, in one place, so that an upgrade breaks here, loudly
(`tests/test_compat.py` checks each one), and nowhere else.

connexion 3 (the reasons are in the modules that use them):
- `connexion.middleware.routing._scope`: the context variable its router fills in; the routing
  cache (middleware/routing.py) reads the routed scope from it;
- `OpenAPISpecification._validate_spec`: skipped while the already-checked spec loads;
- `RequestValidationOperation._operation` and `._validator_map`,
  `JSONRequestBodyValidator._parse/_validate/_validator/_encoding/_required`: the validation
  cache (middleware/validation.py) builds connexion's own validators once per operation.

redis-py (mockserver.store_watch):
- `Connection._parser._reader` (hiredis's reader) and `Connection._sock`: asking "has anything
  arrived?" through `can_read` costs ~10 µs of Python per call; the reader's buffer and a
  zero-timeout poll of the socket answer it in ~1 µs, and the change feed asks on every call.

uvicorn (mockserver.faults):
- `RequestResponseCycle.transport` and `.disconnected`, reached through the bound `send`: the
  network faults write bytes HTTP never would, or break the connection.
"""

from __future__ import annotations

import contextlib
import select
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from connexion.middleware.request_validation import RequestValidationOperation
from connexion.middleware.routing import _scope as routing_scope
from connexion.spec import OpenAPISpecification
from connexion.validators import JSONRequestBodyValidator

# --- connexion ---------------------------------------------------------------------------------
# (owner, attribute) pairs the mock relies on; `missing()` names the ones an upgrade removed.
PRIVATE_ATTRIBUTES: tuple[tuple[Any, str], ...] = (
    (OpenAPISpecification, "_validate_spec"),
    (JSONRequestBodyValidator, "_parse"),
    (JSONRequestBodyValidator, "_validate"),
    (JSONRequestBodyValidator, "_validator"),
)
# Attributes set on instances in __init__ (checked on a built instance by the test).
INSTANCE_ATTRIBUTES = {
    RequestValidationOperation: ("_operation", "_validator_map"),
    JSONRequestBodyValidator: ("_encoding", "_required"),
}


def missing() -> list[str]:
    """The private names this module relies on that the installed connexion no longer has."""
    return [
        f"{owner.__module__}.{owner.__name__}.{name}"
        for owner, name in PRIVATE_ATTRIBUTES
        if not hasattr(owner, name)
    ]


@contextlib.contextmanager
def spec_already_checked() -> Iterator[None]:
    """`spec.load` has checked the document against the same OpenAPI schema in milliseconds;
    connexion would check it again in pure Python (15 s for 3,500 operations), so its check is
    skipped while it loads the document, and only then."""
    had_own = "_validate_spec" in OpenAPISpecification.__dict__
    original = OpenAPISpecification.__dict__.get("_validate_spec")
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        yield
    finally:
        if had_own:
            OpenAPISpecification._validate_spec = original
        else:
            del OpenAPISpecification._validate_spec


# --- uvicorn: the connection under an ASGI `send` -------------------------------------------------
# Network faults (mockserver.faults) must write bytes HTTP would never write, or break the TCP
# connection, which ASGI cannot express. Under uvicorn's httptools and h11 protocols the `send`
# callable given to the app is the bound method `RequestResponseCycle.send`; the cycle holds the
# asyncio transport as `.transport` and a `.disconnected` flag that makes every later `send` a
# no-op. Checked against uvicorn 0.54 (httptools_impl.py, h11_impl.py).


class Connection(Protocol):
    """What the faults use of an asyncio (or uvloop) transport."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...

    def is_closing(self) -> bool: ...

    def get_extra_info(self, name: str, default: Any = None) -> Any: ...


def connection_of(send: Any) -> Connection | None:
    """The transport under uvicorn's own `send`, or None for any other server or a wrapped send."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not all(
        callable(getattr(transport, name, None))
        for name in ("write", "close", "abort", "is_closing", "get_extra_info")
    ):
        return None
    return transport  # type: ignore[no-any-return]


def input_check(connection: Any) -> Callable[[], bool] | None:
    """A cheap "has anything arrived?" for a connected redis-py connection: hiredis's buffer,
    then a zero-timeout poll of its socket (a closed socket polls as readable, so the read that
    follows sees the close). None when its parts are not where this expects: use `can_read`."""
    reader: Any = getattr(getattr(connection, "_parser", None), "_reader", None)
    sock = getattr(connection, "_sock", None)
    if sock is None or not callable(getattr(reader, "has_data", None)):
        return None
    buffered = reader.has_data
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
    return lambda: bool(buffered() or poller.poll(0))


def abandon(send: Any) -> None:
    """Tell uvicorn's cycle the connection is gone, so that it neither answers 500 for a response
    that never started nor lets a later `send` write to a broken connection."""
    cycle = getattr(send, "__self__", None)
    if cycle is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True


__all__ = [
    "PRIVATE_ATTRIBUTES",
    "abandon",
    "connection_of",
    "input_check",
    "missing",
    "routing_scope",
    "spec_already_checked",
]
