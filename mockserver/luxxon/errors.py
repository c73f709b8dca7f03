"""Luxxon's error envelope `LxErrorResponseDto` and the messages its docs give for each code."""

from __future__ import annotations

from typing import Any

from mockserver.clock import iso_now
from mockserver.errors import ApiError

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


def envelope(error: ApiError) -> dict[str, Any]:
    """`{statusCode, code, message, detail?, timestamp}`."""
    message = error.message or DEFAULT_MESSAGES.get(error.code) or _words(error.code)
    out: dict[str, Any] = {"statusCode": error.status, "code": error.code, "message": message}
    if error.detail is not None:
        out["detail"] = error.detail
    out["timestamp"] = iso_now()
    return out


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()
