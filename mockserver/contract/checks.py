"""The API's own rules as schemathesis checks: every body is in the envelope the profile names.

- `error_envelope`: an error (4xx/5xx) body is `{statusCode, code, message, detail?, timestamp}`
  with `statusCode` equal to the HTTP status and, where the spec documents that status for the
  operation, a `code` it documents (the error response's example codes and its `A | B` description).
- `success_envelope`: a documented JSON success body is `{statusCode, message, data, timestamp}`
  with `statusCode` equal to the HTTP status.

Schemathesis registers checks for the whole process, so both rules act only on a document that
asks for them: the in-memory copy a contract run prepares names its envelope schemas under
`x-mockserver-envelopes` (from the profile). Any other schemathesis run in the same process is
left alone. The rules themselves are plain functions of the raw body, shared with the proxy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis.core.failures import Failure, Severity

MARKER = "x-mockserver-envelopes"  # {"error": schema name, "success": schema name}
NUMBER = ((int, float), "a number")
STRING = ((str,), "a string")
ERROR_FIELDS = {"statusCode": NUMBER, "code": STRING, "message": STRING, "timestamp": STRING}
SUCCESS_FIELDS = {"statusCode": NUMBER, "message": STRING, "timestamp": STRING}
_CODE = re.compile(r"[A-Z][A-Z0-9_]+")
_NOT_JSON = object()


class ErrorEnvelopeViolation(Failure):
    code = "LX901"
    kind_title = "Error body outside the error envelope"


class SuccessEnvelopeViolation(Failure):
    code = "LX902"
    kind_title = "Success body outside the success envelope"


def envelopes(document: Mapping[str, Any]) -> Mapping[str, str]:
    """Which envelope rules the document asks for, by kind ("error", "success")."""
    names = document.get(MARKER)
    return names if isinstance(names, dict) else {}


def documented_response(
    document: Mapping[str, Any], operation: Mapping[str, Any], status: int
) -> dict[str, Any] | None:
    """The operation's response object for a status: exact code, then `4XX`, then `default`."""
    responses = operation.get("responses", {})
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            found = _deref(document, responses[key])
            return found if isinstance(found, dict) else None
    return None


def documented_codes(
    document: Mapping[str, Any], operation: Mapping[str, Any], status: int
) -> frozenset[str]:
    """Error codes the spec documents for this operation and status (empty: none named)."""
    response = documented_response(document, operation, status) or {}
    codes = {
        word.strip()
        for word in str(response.get("description", "")).split("|")
        if _CODE.fullmatch(word.strip())
    }
    for media in (response.get("content") or {}).values():
        examples = [
            _deref(document, ex).get("value") for ex in (media.get("examples") or {}).values()
        ]
        for value in [*examples, media.get("example")]:
            if isinstance(value, dict) and isinstance(value.get("code"), str):
                codes.add(value["code"])
    return frozenset(codes)


def documents_json(document: Mapping[str, Any], operation: Mapping[str, Any], status: int) -> bool:
    response = documented_response(document, operation, status) or {}
    return any("json" in media_type for media_type in response.get("content") or {})


def error_problems(content: bytes, status: int, codes: frozenset[str]) -> list[str]:
    """What keeps an error body from being the envelope with a documented code."""
    body = _parse(content)
    problems = _field_problems(body, status, ERROR_FIELDS)
    if isinstance(body, dict):
        if "detail" in body and not isinstance(body["detail"], str):
            problems.append(f"`detail` is {_kind(body['detail'])}, expected a string")
        code = body.get("code")
        if codes and isinstance(code, str) and code not in codes:
            problems.append(
                f"`code` is {code!r}, not one documented for {status}: {', '.join(sorted(codes))}"
            )
    return problems


def success_problems(content: bytes, status: int) -> list[str]:
    """What keeps a success body from being the `{statusCode, message, data, timestamp}` envelope."""
    body = _parse(content)
    problems = _field_problems(body, status, SUCCESS_FIELDS)
    if isinstance(body, dict) and "data" not in body:
        problems.append("`data` is missing")
    return problems


def _field_problems(
    body: Any, status: int, fields: Mapping[str, tuple[tuple[type, ...], str]]
) -> list[str]:
    if not isinstance(body, dict):
        return [f"the body is {_kind(body)}, expected a JSON object"]
    problems = []
    for name, (types, want) in fields.items():
        if name not in body:
            problems.append(f"`{name}` is missing")
        elif not isinstance(body[name], types) or isinstance(body[name], bool):
            problems.append(f"`{name}` is {_kind(body[name])}, expected {want}")
    if isinstance(body.get("statusCode"), (int, float)) and body["statusCode"] != status:
        problems.append(f"`statusCode` is {body['statusCode']}, but the HTTP status is {status}")
    return problems


def _parse(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return _NOT_JSON


def _kind(value: Any) -> str:
    if value is _NOT_JSON:
        return "not JSON"
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), "a number")


def _deref(document: Mapping[str, Any], node: Any) -> Any:
    for _ in range(16):  # a reference chain longer than this is a cycle
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node = target
    return node


def _message(expected: str, problems: list[str]) -> str:
    return f"Expected {expected}\n\n" + "\n".join(f"- {problem}" for problem in problems)


@schemathesis.check
def error_envelope(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Every error body is the API's error envelope with a code documented for the operation."""
    document = case.operation.schema.raw_schema
    status = response.status_code
    schema_name = envelopes(document).get("error")
    if status < 400 or not schema_name:
        return None
    raw = case.operation.definition.raw
    codes = documented_codes(document, raw, status)
    problems = error_problems(response.content, status, codes)
    if problems:
        expected = (
            f"the error envelope {{statusCode, code, message, detail?, timestamp}} ({schema_name})"
        )
        raise ErrorEnvelopeViolation(
            operation=case.operation.label,
            severity=Severity.HIGH,
            message=_message(expected, problems),
        )
    return None


@schemathesis.check
def success_envelope(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Every documented JSON success body is the `{statusCode, message, data, timestamp}` envelope."""
    document = case.operation.schema.raw_schema
    status = response.status_code
    raw = case.operation.definition.raw
    if not (
        200 <= status < 300
        and envelopes(document).get("success")
        and documents_json(document, raw, status)
    ):
        return None
    problems = success_problems(response.content, status)
    if problems:
        expected = "the success envelope {statusCode, message, data, timestamp}"
        raise SuccessEnvelopeViolation(
            operation=case.operation.label,
            severity=Severity.HIGH,
            message=_message(expected, problems),
        )
    return None
