"""The OpenAPI document, loaded once and indexed by operationId.

Works for any OpenAPI 3.0 document; nothing here knows a flavor or HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from mockserver.errors import ConfigError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecError(ConfigError):
    """The spec file is missing or not a usable OpenAPI 3.0 document."""


@dataclass(frozen=True)
class Response:
    status: str  # "200", "4XX" or "default", as the spec writes it
    description: str
    content_type: str | None
    schema: dict[str, Any] | None  # dereferenced
    examples: dict[str, Any]  # name -> value; a lone `example` is named "default"

    @property
    def code(self) -> int:
        """The status to send: a range such as 4XX sends its first code, default sends 500."""
        if self.status.isdigit():
            return int(self.status)
        return int(self.status[0]) * 100 if self.status[0].isdigit() else 500


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str
    tags: tuple[str, ...]
    secured: bool  # a credential is required (no empty alternative in `security`)
    security: tuple[tuple[str, ...], ...]  # alternatives, each the scheme names it needs
    parameters: tuple[dict[str, Any], ...]
    request_schema: dict[str, Any] | None
    responses: dict[str, Response] = field(hash=False)
    raw: dict[str, Any] = field(hash=False, repr=False)

    def response(self, status: int) -> Response | None:
        """The documented response for a status: exact code, then the NXX range, then default."""
        return (
            self.responses.get(str(status))
            or self.responses.get(f"{str(status)[0]}XX")
            or self.responses.get("default")
        )

    @property
    def success(self) -> Response | None:
        for status in sorted(self.responses):
            if status.startswith("2"):
                return self.responses[status]
        return None

    def find_example(self, name: str) -> tuple[Response, Any] | None:
        """The response that documents an example of this name, and its value."""
        for response in self.responses.values():
            if name in response.examples:
                return response, response.examples[name]
        return None

    def documented(self) -> list[str]:
        """`status` or `status example` for everything this operation documents."""
        out = []
        for response in self.responses.values():
            names = sorted(response.examples)
            out.append(f"{response.status} ({', '.join(names)})" if names else response.status)
        return out


@dataclass(frozen=True)
class Spec:
    path: Path
    document: dict[str, Any] = field(repr=False)
    operations: dict[str, Operation] = field(repr=False)

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", "API"))


def load(path: str | Path) -> Spec:
    """Read and index the document; raise SpecError with one readable line on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(path, "", f"cannot read spec: {exc.strerror or exc}") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SpecError(path, "", f"not valid JSON/YAML: {exc}") from None
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise SpecError(path, "", "not an OpenAPI 3.x document (no 'openapi: 3.x' key)")
    if not isinstance(document.get("paths"), dict):
        raise SpecError(path, "paths", "missing: an OpenAPI document needs a 'paths' object")
    _check_against_openapi_schema(path, document)
    try:
        operations = _index(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SpecError(path, "paths", f"cannot index operations: {exc}") from None
    return Spec(path=path, document=document, operations=operations)


def _check_against_openapi_schema(path: Path, document: dict[str, Any]) -> None:
    """The whole document against the OpenAPI 3.0 schema connexion ships, with a compiled (Rust)
    validator: milliseconds where connexion's own check takes seconds on a large spec."""
    errors = list(_openapi_validator().iter_errors(document))
    if errors:
        error = min(errors, key=lambda e: len(e.instance_path))
        where = ".".join(str(part) for part in error.instance_path)
        raise SpecError(path, where, f"not valid OpenAPI 3.0: {error.message[:300]}")


@cache
def _openapi_validator() -> Any:
    from connexion.spec import OpenAPISpecification

    return jsonschema_rs.validator_for(OpenAPISpecification.openapi_schema)


def _index(document: dict[str, Any]) -> dict[str, Operation]:
    resolver = _Resolver(document)
    top_security = document.get("security", [])
    operations: dict[str, Operation] = {}
    for path, item in document["paths"].items():
        shared_params = item.get("parameters", [])
        for method in HTTP_METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            op_id = raw.get("operationId") or f"{method}_{path}"
            if op_id in operations:
                raise ValueError(f"operationId {op_id!r} is used twice")
            params = _merge_params(
                resolver.deref(shared_params), resolver.deref(raw.get("parameters", []))
            )
            security = raw.get("security", top_security)
            operations[op_id] = Operation(
                operation_id=op_id,
                method=method.upper(),
                path=path,
                tags=tuple(raw.get("tags", ())),
                secured=bool(security) and all(req for req in security),
                security=tuple(tuple(requirement) for requirement in security),
                parameters=tuple(params),
                request_schema=_json_schema(resolver.deref(raw.get("requestBody", {}))),
                responses={
                    str(status): _response(str(status), resolver.deref(resp))
                    for status, resp in raw.get("responses", {}).items()
                },
                raw=raw,
            )
    return operations


def _merge_params(shared: list[dict[str, Any]], own: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = {(p["name"], p["in"]): p for p in shared}
    merged.update({(p["name"], p["in"]): p for p in own})
    return list(merged.values())


def _json_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    for content_type, media in body.get("content", {}).items():
        if "json" in content_type:
            schema = media.get("schema")
            return schema if isinstance(schema, dict) else None
    return None


def _response(status: str, raw: dict[str, Any]) -> Response:
    content = raw.get("content") or {}
    content_type = next(iter(content), None)
    for candidate in content:
        if "json" in candidate:
            content_type = candidate
            break
    media = content.get(content_type, {}) if content_type else {}
    examples = {name: ex.get("value") for name, ex in (media.get("examples") or {}).items()}
    if not examples and "example" in media:
        examples = {"default": media["example"]}
    return Response(
        status=status,
        description=raw.get("description", ""),
        content_type=content_type,
        schema=media.get("schema"),
        examples=examples,
    )


class _Resolver:
    """Inlines local `$ref`s; a reference cycle is left as a `$ref` so nothing recurses forever."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._cache: dict[str, Any] = {}
        self._active: set[str] = set()

    def deref(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.deref(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._target(ref)
        return {
            key: (value if key == "example" else self.deref(value)) for key, value in node.items()
        }

    def _target(self, ref: str) -> Any:
        if ref in self._cache:
            return self._cache[ref]
        if ref in self._active or not ref.startswith("#/"):
            return {"$ref": ref}
        self._active.add(ref)
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        resolved = self.deref(node)
        self._active.discard(ref)
        self._cache[ref] = resolved
        return resolved
