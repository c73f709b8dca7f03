"""Checks that a response the mock sent is one the spec allows (openapi-core does the work)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import OpenAPI

from mockserver.contract.proxy import OpenAPIRequest, OpenAPIResponse

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.json"


@cache
def openapi_for(spec_path: Path = SPEC) -> OpenAPI:
    text = spec_path.read_text(encoding="utf-8")
    document: dict[str, Any] = (
        json.loads(text) if spec_path.suffix == ".json" else yaml.safe_load(text)
    )
    # The spec's paths carry /api/v1 already; the mock serves them at the root.
    document["servers"] = [{"url": "/"}]
    return OpenAPI.from_dict(document)


def assert_conforms(response: httpx.Response, spec_path: Path = SPEC) -> None:
    """Fail with openapi-core's reasons when the response is not one the spec documents."""
    request = response.request
    try:
        sent = request.content
    except httpx.RequestNotRead:  # a streamed (chunked) request body
        sent = b""
    try:
        openapi_for(spec_path).validate_response(
            OpenAPIRequest(request.method, str(request.url), dict(request.headers), sent),
            OpenAPIResponse(response.status_code, dict(response.headers), response.content),
        )
    except Exception as exc:
        reasons = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [])
        raise AssertionError(
            f"{response.request.method} {response.request.url} -> {response.status_code} "
            f"does not conform: {exc!r} {reasons}\nbody: {response.text[:500]}"
        ) from exc
