"""The document Swagger UI shows: the spec, made for trying out this mock.

Connexion's Swagger UI reads `/openapi.json`, whose Servers list is blank (connexion rewrites it to
the API's base path, `""`), and "Try it out" can only send what the spec declares, so every try
lands in the shared default world with the default answer. The UI is pointed instead at
`/ui/openapi.json`, a copy of the spec with this mock as its server and the mock's own headers
(`Prefer`, `X-Mock-Scenario`, `X-Mock-Namespace`) as optional parameters of every operation.
`openapi.json` and what `/openapi.json` serves stay the contract, untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

SPEC_PATH = "/openapi.json"
UI_SPEC_PATH = "/ui/openapi.json"
# Swagger UI's page is /ui/; a relative URL keeps working behind a path prefix.
TEMPLATE_ARGUMENTS = {"openapi_spec_url": "openapi.json"}
THIS_MOCK = "this mock"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def ui_document(
    document: Mapping[str, Any], scenarios: Iterable[str] = (), server_url: str = "/"
) -> dict[str, Any]:
    """A copy of `document` whose server is this mock and whose every operation can send the
    mock's headers; `document` itself is not changed."""
    copied = copy.deepcopy(dict(document))
    copied["servers"] = [{"url": server_url, "description": THIS_MOCK}]
    names = sorted(scenarios)
    for item in copied.get("paths", {}).values():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                _add_headers(operation, item, names)
    return copied


def _add_headers(operation: dict[str, Any], item: Mapping[str, Any], scenarios: list[str]) -> None:
    declared = {
        str(p.get("name", "")).lower()
        for p in [*item.get("parameters", []), *operation.get("parameters", [])]
        if isinstance(p, dict) and p.get("in") == "header"
    }
    wanted = [
        prefer(operation),
        scenario_header(scenarios),
        namespace_header(),
    ]
    operation["parameters"] = [
        *operation.get("parameters", []),
        *(p for p in wanted if p["name"].lower() not in declared),
    ]


def prefer(operation: Mapping[str, Any]) -> dict[str, Any]:
    statuses = ", ".join(str(status) for status in operation.get("responses", {}))
    return {
        "name": "Prefer",
        "in": "header",
        "required": False,
        "description": "Mock only: which documented answer to give, e.g. `code=404`, "
        "`example=SESSION_NOT_FOUND`, `code=404, example=SESSION_NOT_FOUND`, `dynamic=true` "
        f"(generated values). This operation documents: {statuses}.",
        "schema": {"type": "string"},
    }


def scenario_header(scenarios: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if scenarios:
        schema["enum"] = scenarios
    return {
        "name": "X-Mock-Scenario",
        "in": "header",
        "required": False,
        "description": "Mock only: apply this scenario to this request.",
        "schema": schema,
    }


def namespace_header() -> dict[str, Any]:
    return {
        "name": "X-Mock-Namespace",
        "in": "header",
        "required": False,
        "description": "Mock only: a world of your own (any name, e.g. yours); it starts as a "
        "fresh copy of the fixture, so your tries never change the shared default world.",
        "schema": {"type": "string"},
    }


class UIDocument:
    """Answers `GET /ui/openapi.json` with the UI's document (its server: where the browser
    reached this mock, below any proxy prefix) and `GET /openapi.json` with the contract exactly
    as the spec file has it (connexion's copy has its `$ref`s inlined and its servers blanked);
    everything else goes on to Swagger UI."""

    def __init__(self, app: ASGIApp, document: dict[str, Any], contract: dict[str, Any]) -> None:
        self.app = app
        self.document = document
        self.contract = orjson.dumps(contract)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = (scope.get("method"), scope.get("path"))
        if scope["type"] != "http" or wanted not in (("GET", UI_SPEC_PATH), ("GET", SPEC_PATH)):
            await self.app(scope, receive, send)
            return
        if wanted[1] == SPEC_PATH:
            body = self.contract
        else:
            root = str(scope.get("root_path", "")).rstrip("/")
            body = orjson.dumps(
                {**self.document, "servers": [{"url": root or "/", "description": THIS_MOCK}]}
            )
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
