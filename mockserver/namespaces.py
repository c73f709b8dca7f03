"""Namespaces: each caller's own world, chosen by `X-Mock-Namespace` (or `?__namespace=`)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from mockserver.errors import mock_refusal

NAMESPACE_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DEFAULT = "default"
EVERYONE = "*"  # for settings that apply to every namespace (scenarios, rules)


def namespace_of(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    name = headers.get("x-mock-namespace") or query.get("__namespace") or DEFAULT
    return checked(name)


def checked(name: str) -> str:
    if not NAMESPACE_RE.match(name):
        raise mock_refusal(
            "MOCK_BAD_NAMESPACE",
            "A namespace is 1-64 letters, digits, '.', '_' or '-'",
            "namespace:invalid",
        )
    return name
