"""Which journal entries a query wants: `Journal.find` and `Journal.count` take a `Filter`.

operation (operationId), method, path (exact, or a glob when it contains `*`, which matches any
characters including `/`), status (`404` or a class `4xx`), since (an entry id: newer entries only;
or an ISO-8601 wall time: entries at or after it), limit (newest first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.journal import Entry

DEFAULT_LIMIT = 100
DEFAULT_MAX_LIMIT = 1000


class FilterError(ValueError):
    """A journal query that cannot be: which key and why."""

    def __init__(self, key: str, reason: str) -> None:
        self.key, self.reason = key, reason
        super().__init__(f"{key}: {reason}")


@dataclass(frozen=True)
class Filter:
    operation: str | None = None
    method: str | None = None
    path: str | None = None
    status: str | None = None  # "404" or "4"
    since_id: int | None = None
    since_time: float | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def parse(cls, raw: Mapping[str, Any], max_limit: int = DEFAULT_MAX_LIMIT) -> Filter:
        """From a query string (strings) or a JSON body (typed); `__`-words are the mock's own."""
        unknown = sorted(k for k in raw if k not in _FILTER_KEYS and not k.startswith("__"))
        if unknown:
            raise FilterError(unknown[0], f"unknown filter; filters are {', '.join(_FILTER_KEYS)}")
        status, since = raw.get("status"), raw.get("since")
        if status is not None:
            status = str(status).lower()
            if not re.fullmatch(r"[1-5](\d\d|xx)", status):
                raise FilterError("status", "a status such as 404, or a class such as 4xx")
            status = status.rstrip("x")
        since_id = since_time = None
        if since is not None:
            if (isinstance(since, int) and not isinstance(since, bool)) or str(since).isdigit():
                since_id = int(since)
            else:
                since_time = _instant(since)
        return cls(
            operation=_text(raw, "operation"),
            method=(_text(raw, "method") or "").upper() or None,
            path=_text(raw, "path"),
            status=status,
            since_id=since_id,
            since_time=since_time,
            limit=_limit(raw.get("limit"), max_limit),
        )

    def matches(self, entry: Entry) -> bool:
        return (
            (self.operation is None or entry.operation_id == self.operation)
            and (self.method is None or entry.method == self.method)
            and (self.path is None or _path_matches(self.path, entry.path))
            and (self.status is None or str(entry.status).startswith(self.status))
            and (self.since_id is None or entry.id > self.since_id)
            and (self.since_time is None or entry.wall >= self.since_time)
        )


_FILTER_KEYS = ("operation", "method", "path", "status", "since", "limit")


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise FilterError(key, "must be a string")
    return value or None


def _instant(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise FilterError("since", "an entry id, or an ISO-8601 time") from None


def _limit(value: Any, maximum: int) -> int:
    if value is None:
        return min(DEFAULT_LIMIT, maximum)
    if isinstance(value, bool) or not str(value).isdigit() or not 1 <= int(value) <= maximum:
        raise FilterError("limit", f"a whole number from 1 to {maximum}")
    return int(value)


def _path_matches(wanted: str, path: str) -> bool:
    if "*" not in wanted:
        return wanted == path
    return _glob(wanted).fullmatch(path) is not None


def _glob(pattern: str, _cache: dict[str, re.Pattern[str]] = {}) -> re.Pattern[str]:  # noqa: B006
    if pattern not in _cache:
        if len(_cache) > 256:
            _cache.clear()
        _cache[pattern] = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
    return _cache[pattern]
