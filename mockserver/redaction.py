"""Credentials in what the journal shows, cut to their first 8 characters.

Authorization keeps its scheme (`Bearer abcd1234…`); every cookie keeps its name; Proxy-Authorization,
X-Mock-Admin-Token and each header or query parameter the spec's `securitySchemes` name are cut.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CUT = 8


@dataclass(frozen=True)
class Redaction:
    headers: frozenset[str] = frozenset({"proxy-authorization", "x-mock-admin-token"})
    query: frozenset[str] = frozenset()

    @classmethod
    def from_spec(cls, document: Mapping[str, Any]) -> Redaction:
        """Every apiKey header and query parameter the spec's securitySchemes name (every cookie's
        value is cut anyway: a cookie is a credential more often than not)."""
        schemes = document.get("components", {}).get("securitySchemes", {}) or {}
        found: dict[str, set[str]] = {"header": set(), "query": set(), "cookie": set()}
        for scheme in schemes.values():
            if isinstance(scheme, dict) and scheme.get("type") == "apiKey":
                where, name = scheme.get("in"), scheme.get("name")
                if where in found and isinstance(name, str):
                    found[where].add(name.lower() if where == "header" else name)
        return cls(cls.headers | found["header"], frozenset(found["query"]))

    def header(self, name: str, value: str) -> str:
        if name == "authorization":
            scheme, sep, credential = value.partition(" ")
            return f"{scheme} {cut(credential)}" if sep else cut(value)
        if name == "cookie":
            return "; ".join(_cut_cookie(part) for part in value.split(";"))
        return cut(value) if name in self.headers else value


def cut(value: str) -> str:
    """The first 8 characters and an ellipsis, or the value when it is that short."""
    return value[:CUT] + "…" if len(value) > CUT else value


def _cut_cookie(part: str) -> str:
    name, sep, value = part.strip().partition("=")
    return f"{name}={cut(value)}" if sep else name
