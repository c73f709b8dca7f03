"""What the caller asked for: `Prefer: code=409, example=X, dynamic=true, delay=500,
fault=connection-reset, after-commit=true` or the `__` query twins.

The words are Prism's, so its users feel at home; browser apps that cannot set headers use
`?__code=409&__example=X&__dynamic=true&__scenario=NAME`, or the console's sticky cookie
(`namespaces.sticky`). `delay` is milliseconds added to whatever answers; `fault` is a network
fault (`mockserver.faults`, e.g. `hang:5`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mockserver import faults, latency, namespaces
from mockserver.errors import ApiError, mock_refusal

QUERY_PREFIX = "__"
TRUE_WORDS = {"true", "1", "yes", "on"}


@dataclass(frozen=True)
class Selection:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    scenario: str | None = None
    delay_ms: float | None = None
    fault: faults.Fault | None = None
    after_commit: bool = False  # the world applies the call, then the fault breaks the reply

    @property
    def forced(self) -> bool:
        """The caller picked a response; the world does not get a say."""
        return self.code is not None or self.example is not None


PLAIN = Selection()  # nothing asked for: the common case


def parse(headers: Mapping[str, str], query: Mapping[str, str]) -> Selection:
    if not (
        "prefer" in headers
        or "x-mock-scenario" in headers
        or "cookie" in headers
        or (query and any(key.startswith(QUERY_PREFIX) for key in query))
    ):
        return PLAIN
    words = _prefer_words(headers.get("prefer", ""))
    for key, value in query.items():
        if key.startswith(QUERY_PREFIX):
            words[key[len(QUERY_PREFIX) :].lower()] = value
    code = words.get("code")
    if code is not None and not (code.isdigit() and 100 <= int(code) <= 599):
        raise _bad(f"Prefer code must be an HTTP status, not {code!r}", "prefer:code")
    scenario = (
        words.get("scenario")
        or headers.get("x-mock-scenario")
        or namespaces.sticky(headers, query).get("scenario")
        or None
    )
    return Selection(
        code=int(code) if code is not None else None,
        example=words.get("example") or None,
        dynamic=words.get("dynamic", "").lower() in TRUE_WORDS,
        scenario=scenario,
        delay_ms=_delay(words["delay"]) if "delay" in words else None,
        fault=_fault(words["fault"]) if words.get("fault") else None,
        after_commit=words.get("after-commit", "").lower() in TRUE_WORDS,
    )


def _delay(value: str) -> float:
    try:
        return latency.fixed(float(value)).low_ms
    except (ValueError, latency.LatencyError):
        raise _bad(
            f"Prefer delay must be milliseconds from 0 to {latency.MAX_MS:g}, not {value!r}",
            "prefer:delay",
        ) from None


def _fault(value: str) -> faults.Fault:
    try:
        return faults.from_prefer(value)
    except faults.FaultError as exc:
        raise _bad(f"Prefer fault: {exc}", "prefer:fault") from None


def _bad(message: str, detail: str) -> ApiError:
    return mock_refusal("MOCK_BAD_PREFER", message, detail)


def _prefer_words(header: str) -> dict[str, str]:
    """`code=409, example="X"; dynamic=true` -> {code: 409, example: X, dynamic: true}."""
    words: dict[str, str] = {}
    for token in header.replace(";", ",").split(","):
        key, sep, value = token.partition("=")
        if sep:
            words[key.strip().lower()] = value.strip().strip('"')
    return words
