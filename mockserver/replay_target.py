"""The server `mockserver replay` sends to (replay.py): this mock, found by `GET /__mock` and
prepared through its admin API (a namespace of its own loaded with the bundle's start, its clock
frozen and moved to each recorded call's world time), or any other server, sent to as it is."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx

from mockserver.contract.errors import ToolError

ADMIN_TOKEN = "x-mock-admin-token"  # a --header the mock's admin API may need (not bound locally)


class Target:
    """The server replayed to: this mock (a namespace loaded with the start) or another."""

    def __init__(self, http: httpx.Client, base_url: str, admin_headers: dict[str, str]) -> None:
        self.http, self.base_url, self.admin_headers = http, base_url, admin_headers
        self.namespace: str | None = None  # None: not this mock
        self.now: float | None = None  # the target namespace's frozen clock
        self.loaded = False

    def prepare(
        self, bundle: dict[str, Any], namespace: str | None, load: bool, notes: list[str]
    ) -> None:
        """Against this mock: a namespace of its own, loaded with the bundle's start."""
        if not self._is_mock():
            return
        self.namespace = namespace or f"replay-{uuid.uuid4().hex[:10]}"
        start = bundle.get("start")
        if not load:
            notes.append("--no-load: replayed onto the namespace as it was")
        elif start is None:
            notes.append(
                f"the bundle has no start ({bundle.get('startNote')}): replayed "
                "onto a fresh namespace's world, answers may differ for that"
            )
        else:
            carried = {k: v for k, v in bundle.items() if k != "journal"}
            self._admin("PUT", "/__mock/bundle?at=start", carried)
            self.now = start["clock"]["epoch"]
            self._admin("POST", "/__mock/clock", {"freeze": True})
            self.loaded = True

    def describe(self, count: int) -> str:
        where = self.base_url
        if self.namespace is None:
            return f"replay: {count} call(s) to {where}"
        start = "its start loaded, clock frozen" if self.loaded else "nothing loaded"
        return (
            f"replay: {count} call(s) to the mock at {where}, namespace {self.namespace} ({start})"
        )

    def align_clock(self, entry: dict[str, Any]) -> None:
        """Move the frozen clock on to the world time the call was answered at."""
        if self.now is None:
            return
        at = entry.get("worldEpoch")
        if at is None and entry.get("worldTime"):  # to the millisecond only: round it up
            at = _epoch(entry["worldTime"]) + 0.001
        if at is not None and at > self.now:
            self._admin("POST", "/__mock/clock", {"advance": at - self.now})
            self.now = at

    def _is_mock(self) -> bool:
        try:
            answer = self.http.get("/__mock")
            return answer.status_code == 200 and "operations" in _unwrap(answer.json())
        except (httpx.HTTPError, ValueError):
            return False

    def _admin(self, method: str, path: str, body: Any) -> Any:
        headers = {"X-Mock-Namespace": self.namespace or "", **self.admin_headers}
        answer = self.http.request(method, path, json=body, headers=headers)
        if answer.status_code != 200:
            raise ToolError(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return _unwrap(answer.json())


def _unwrap(body: Any) -> Any:
    """An admin answer without the flavor's envelope, if it has one."""
    if isinstance(body, dict) and "statusCode" in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
