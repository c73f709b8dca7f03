"""A contract run against this mock gets a world of its own.

Fuzzing creates, cancels and ends sessions; in the mock's shared default world that would end the
demo LIVE session everyone's quickstart uses. So when the target answers `GET /__mock` (only a
mockserver does) and the caller named no namespace, the run sends a fresh `X-Mock-Namespace` on
every call and drops it with `POST /__mock/reset` when it is done. A namespace the caller named
(`--header 'X-Mock-Namespace: ci-42'`) is theirs: used as it is and left for them to inspect.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

NAMESPACE_HEADER = "X-Mock-Namespace"
ADMIN = "/__mock"


@dataclass(frozen=True)
class Namespace:
    """A namespace this run made on a mock at `base_url`, and the headers its admin calls need
    (the caller's, so an `X-Mock-Admin-Token` given with --header reaches the admin API too)."""

    name: str
    base_url: str
    admin_headers: Mapping[str, str]

    def reset(self, timeout: float = 5.0) -> str | None:
        """Drop the namespace's world; None when done, else one line saying why not."""
        url = self.base_url + ADMIN + "/reset"
        headers = {**self.admin_headers, NAMESPACE_HEADER: self.name}
        try:
            response = httpx.post(url, json={}, headers=headers, timeout=timeout)
        except httpx.TransportError as exc:
            return f"cannot reset namespace {self.name}: {exc or type(exc).__name__}"
        if response.status_code != 200:
            return f"cannot reset namespace {self.name}: POST {url} answered {response.status_code}"
        return None


def named(headers: Mapping[str, str]) -> bool:
    return any(name.lower() == NAMESPACE_HEADER.lower() for name in headers)


def fresh_namespace(base_url: str, headers: Mapping[str, str], timeout: float) -> Namespace | None:
    """A new namespace if `base_url` is a mockserver and `headers` name none; else None."""
    if named(headers):
        return None
    admin_headers = {**headers, "Content-Type": "application/json"}
    try:
        response = httpx.get(base_url + ADMIN, headers=admin_headers, timeout=min(timeout, 5.0))
        answer = response.json() if response.status_code == 200 else None
    except (httpx.TransportError, ValueError):
        return None
    if not isinstance(answer, dict):
        return None
    return Namespace(f"contract-{secrets.token_hex(6)}", base_url, admin_headers)
