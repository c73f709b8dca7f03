"""Every operation x documented status x named example in openapi.json is served, and conforms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import spec as spec_files
from mockserver.settings import DEFAULT_SPEC
from tests.conformance import assert_conforms

SPEC = spec_files.load(DEFAULT_SPEC)
SAMPLE_VALUES = {
    "string": "b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a",
    "number": "1",
    "integer": "1",
    "boolean": "true",
}


def cases() -> Iterator[Any]:
    for op in SPEC.operations.values():
        for response in op.responses.values():
            names = list(response.examples) or [None]
            for name in names:
                yield pytest.param(
                    op,
                    response.status,
                    name,
                    id=f"{op.operation_id}-{response.status}-{name or 'schema'}",
                )


def request_for(op: spec_files.Operation) -> dict[str, Any]:
    path, params, headers = op.path, {}, {"Authorization": "Bearer lxxn_test_9d4b6c_operatordemo"}
    for p in op.parameters:
        schema = p.get("schema", {})
        value = str(schema.get("example", SAMPLE_VALUES.get(schema.get("type", "string"), "x")))
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", value)
        elif p["in"] == "query" and p.get("required"):
            params[p["name"]] = value
        elif p["in"] == "header" and p.get("required"):
            headers[p["name"]] = value
    kwargs: dict[str, Any] = {
        "method": op.method,
        "url": path,
        "params": params,
        "headers": headers,
    }
    if op.request_schema is not None:
        kwargs["json"] = minimal(op.request_schema)
    return kwargs


def minimal(schema: dict[str, Any]) -> Any:
    """The smallest body the request schema accepts: required properties, typed."""
    if "example" in schema:
        return schema["example"]
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return minimal(schema[combinator][0])
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal(props.get(name, {})) for name in schema.get("required", [])}
    return {"string": "x", "number": 1, "integer": 1, "boolean": True, "array": []}.get(kind)


@pytest.mark.parametrize(("op", "status", "example"), list(cases()))
def test_every_documented_response_is_served_and_conforms(
    client: httpx.Client, op: spec_files.Operation, status: str, example: str | None
) -> None:
    kwargs = request_for(op)
    prefer = f"code={status}" + (f", example={example}" if example else "")
    kwargs["headers"]["Prefer"] = prefer
    response = client.request(**kwargs)
    assert response.status_code == int(status), response.text
    if example is not None:
        assert response.json() | {"timestamp": None} == SPEC.operations[op.operation_id].responses[
            status
        ].examples[example] | {"timestamp": None}
    assert_conforms(response)


@pytest.mark.parametrize("op", list(SPEC.operations.values()), ids=lambda op: op.operation_id)
def test_every_operation_answers_without_prefer_and_conforms(
    client: httpx.Client, op: spec_files.Operation
) -> None:
    response = client.request(**request_for(op))
    assert response.status_code < 500
    assert_conforms(response)
