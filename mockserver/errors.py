"""One error type for everything the API answers with an error, rendered in one place.

Every error on the wire is the Luxxon envelope `{statusCode, code, message, detail, timestamp}`;
mock-specific mistakes (an undocumented `Prefer: code`, an unknown scenario) use the same
envelope with a `MOCK_…` code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.clock import iso_now

# Messages the docs give for each code (x-lx-error-catalog); used when a raiser gives none.
DEFAULT_MESSAGES: dict[str, str] = {
    "NOT_AUTHENTICATED": "Session expired or missing",
    "NOT_AUTHORIZED": "Not authorized for this operation",
    "SESSION_NOT_FOUND": "Session not found",
    "INVALID_STATE": "Operation not allowed in the current state",
    "VIDEO_ERROR": "Video service unavailable",
    "INVALID_INPUT": "Invalid request payload",
    "INSUFFICIENT_SCOPE": "API key is missing the scope this endpoint needs",
    "NOT_OPERATOR": "Operator-only endpoint, caller isn't one",
    "NOT_YOUR_SESSION": "Caller is neither consumer nor operator of the session",
    "CONFLICT": "Resource conflict",
    "NO_COVERAGE": "No ONLINE operator covers the requested point",
    "OUTSIDE_COVERAGE": "Requested point is outside the operator's declared coverage circle",
    "UNAVAILABLE": "Dispatch found no idle operator",
    "FRAME_NOT_AVAILABLE": "No decoded frame available",
    "WORKSPACE_NOT_FOUND": "Workspace not found",
    "NOT_FOUND": "Resource not found",
}


@dataclass
class ApiError(Exception):
    """An answer in the error envelope. Raise it anywhere; `app` renders it."""

    status: int
    code: str
    message: str = ""
    detail: str | None = None
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.message:
            self.message = DEFAULT_MESSAGES.get(self.code, self.code.replace("_", " ").capitalize())
        super().__init__(f"{self.status} {self.code}: {self.message}")

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "statusCode": self.status,
            "code": self.code,
            "message": self.message,
        }
        if self.detail is not None:
            out["detail"] = self.detail
        out["timestamp"] = iso_now()
        return out


def invalid_input(detail: str, message: str = "Invalid request payload") -> ApiError:
    return ApiError(400, "INVALID_INPUT", message, detail)
