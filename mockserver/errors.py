"""The one exception tree, and where each kind ends up.

    MockserverError                  anything the mock raises on purpose
    ├── ConfigError(file, key_path, reason)
    │                                a file the user gave is unusable (spec, scenario, world
    │                                fixture, contract profile): the CLI prints it in one line
    │                                and exits 2; a real bug keeps its traceback
    └── ApiError(status, code, message, detail)
                                     an answer on the wire; the active flavor renders it (the
                                     flavor's envelope, problem+json, or the operation's own error
                                     schema), in one place: the error boundary

Mock-specific refusals (an undocumented `Prefer: code`, an unknown scenario, a bad admin call)
are ApiErrors with a `MOCK_…` code and the one status `MOCK_STATUS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MOCK_STATUS = 422  # mock-specific refusals; no documented API answer looks like them


class MockserverError(Exception):
    """Base of everything the mock raises on purpose."""


class ConfigError(MockserverError):
    """A file is unusable: `str()` is `file: key.path: reason`, the same for every kind of file."""

    def __init__(self, file: Path | str, key_path: str, reason: str) -> None:
        self.file, self.key_path, self.reason = str(file), key_path, reason
        super().__init__(f"{file}: {key_path or '(top)'}: {reason}")


@dataclass
class ApiError(MockserverError):
    """An answer in the flavor's error shape. Raise it anywhere; the error boundary renders it.
    An empty `message` is filled in by the flavor (its catalog, or the code in words)."""

    status: int
    code: str
    message: str = ""
    detail: str | None = None
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.code}: {self.message or self.code}")


def invalid_input(detail: str, message: str = "Invalid request payload") -> ApiError:
    """400 for input the mock refuses itself; `detail` is a `field:reason` label."""
    return ApiError(400, "INVALID_INPUT", message, detail)


def mock_refusal(code: str, message: str, detail: str) -> ApiError:
    """The mock's own refusal: `MOCK_…` code, one status for all of them."""
    return ApiError(MOCK_STATUS, code, message, detail)
