"""Namespaces: each caller's own world, chosen by `X-Mock-Namespace` (or `?__namespace=`), and the
registry that bounds how many are kept and for how long (docs/limits.md).

A page that cannot send headers (an app on another localhost port, opened in the browser where
the console runs) gets the console's sticky choice instead: the `mock_sticky` cookie,
`namespace=qa-1&scenario=video-outage` (URL-encoded), stands for `X-Mock-Namespace` and
`X-Mock-Scenario` on every request that names no namespace itself. Cookies are per host, not
per port, so `localhost:5173`'s requests to `localhost:4010` carry the console's cookie.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from mockserver.errors import ApiError, mock_refusal
from mockserver.headers import text_headers

NAMESPACE_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DEFAULT = "default"
EVERYONE = "*"  # for settings that apply to every namespace (scenarios, rules)
STICKY_COOKIE = "mock_sticky"


def namespace_of(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    name = headers.get("x-mock-namespace") or query.get("__namespace")
    if not name and "cookie" in headers:
        name = sticky(headers, query).get("namespace")
    return checked(name) if name else DEFAULT


def of_scope(scope: MutableMapping[str, Any]) -> str:
    """`namespace_of` read from an ASGI scope, for those that see a request before it becomes a
    `Call`; the query is parsed only when it may name one. Raises as `checked` does."""
    headers = text_headers(scope)
    name = headers.get("x-mock-namespace")
    if name:
        return checked(name)
    query_string: bytes = scope.get("query_string", b"")
    if b"__namespace" not in query_string and STICKY_COOKIE not in headers.get("cookie", ""):
        return DEFAULT
    query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    return namespace_of(headers, query)


def sticky(headers: Mapping[str, str], query: Mapping[str, str]) -> dict[str, str]:
    """The sticky choice (`namespace`, `scenario`) the request's cookie carries; none when the
    request names its namespace itself, so a script's explicit choice always wins."""
    cookie = headers.get("cookie")
    if not cookie or STICKY_COOKIE not in cookie:  # the common case costs one lookup
        return {}
    if "x-mock-namespace" in headers or "__namespace" in query:
        return {}
    for part in cookie.split(";"):
        name, _, value = part.partition("=")
        if name.strip() == STICKY_COOKIE:
            return {k: v for k, v in parse_qsl(value.strip().strip('"')) if v}
    return {}


@functools.lru_cache(maxsize=1024)  # the same few names on every request; a bad one raises
def checked(name: str) -> str:
    if not NAMESPACE_RE.fullmatch(name):
        raise mock_refusal(
            "MOCK_BAD_NAMESPACE",
            "A namespace is 1-64 letters, digits, '.', '_' or '-'",
            "namespace:invalid",
        )
    return name


class Registry:
    """The namespaces in use and when each was last seen: the mock's memory ceiling.

    Every per-namespace store (the worlds, active scenarios, and whatever else registers with
    `on_forget`) is dropped when its namespace has been idle for `ttl` seconds (0: never), and a
    new namespace beyond `cap` is refused instead of grown into. The default namespace is neither
    counted nor forgotten: it is the one a developer leaves open for hours.

    Idle time is real time (monotonic), not a namespace's clock, which tests move at will.
    Expiry is checked on every `touch`, oldest first, so it costs O(1) amortised per request.
    """

    def __init__(self, ttl: float, cap: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.cap = cap
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # oldest first
        self._forget: list[Callable[[str], object]] = []

    def on_forget(self, callback: Callable[[str], object]) -> None:
        """Call `callback(name)` whenever a namespace is forgotten."""
        self._forget.append(callback)

    def __len__(self) -> int:
        return len(self._seen)

    def names(self) -> list[str]:
        return list(self._seen)

    def touch(self, name: str) -> None:
        """Mark `name` as used now; refuse it (503) if it is new and there is no room."""
        if name == DEFAULT:
            return
        now = self._clock()
        self.expire(now)
        if name in self._seen:
            self._seen.move_to_end(name)
        elif len(self._seen) >= self.cap:
            raise self._full(now)
        self._seen[name] = now

    def expire(self, now: float | None = None) -> None:
        if self.ttl <= 0:
            return
        cutoff = (self._clock() if now is None else now) - self.ttl
        while self._seen:
            name, seen = next(iter(self._seen.items()))
            if seen > cutoff:
                return
            self.forget(name)

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)
        for callback in self._forget:
            callback(name)

    def _full(self, now: float) -> ApiError:
        headers = {}
        if self.ttl > 0 and self._seen:
            oldest = next(iter(self._seen.values()))
            headers["Retry-After"] = str(max(1, math.ceil(oldest + self.ttl - now)))
        return ApiError(
            503,
            "MOCK_TOO_MANY_NAMESPACES",
            f"The mock holds {self.cap} namespaces (--max-namespaces); reuse one, wait for idle "
            "ones to expire (--namespace-ttl), or restart the mock with a higher limit",
            "namespace:capacity",
            headers=headers,
        )
