"""Namespaces: each caller's own world, chosen by `X-Mock-Namespace` (or `?__namespace=`).

A page that cannot send headers (an app on another localhost port, opened in the browser where
the console runs) gets the console's sticky choice instead: the `mock_sticky` cookie,
`namespace=qa-1&scenario=video-outage` (URL-encoded), stands for `X-Mock-Namespace` and
`X-Mock-Scenario` on every request that names no namespace itself. Cookies are per host, not
per port, so `localhost:5173`'s requests to `localhost:4010` carry the console's cookie.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

from mockserver.errors import mock_refusal

NAMESPACE_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DEFAULT = "default"
EVERYONE = "*"  # for settings that apply to every namespace (scenarios, rules)
STICKY_COOKIE = "mock_sticky"


def namespace_of(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    name = (
        headers.get("x-mock-namespace")
        or query.get("__namespace")
        or sticky(headers, query).get("namespace")
        or DEFAULT
    )
    return checked(name)


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


def checked(name: str) -> str:
    if not NAMESPACE_RE.match(name):
        raise mock_refusal(
            "MOCK_BAD_NAMESPACE",
            "A namespace is 1-64 letters, digits, '.', '_' or '-'",
            "namespace:invalid",
        )
    return name
