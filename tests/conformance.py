"""Checks that a response the mock sent is one the spec allows (openapi-core does the work)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.json"


@cache
def openapi_for(spec_path: Path = SPEC) -> OpenAPI:
    document: dict[str, Any] = json.loads(spec_path.read_text(encoding="utf-8"))
    # The spec's paths carry /api/v1 already; the mock serves them at the root.
    document["servers"] = [{"url": "/"}]
    return OpenAPI.from_dict(document)


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(url.query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))
        self.data = response.content


def assert_conforms(response: httpx.Response, spec_path: Path = SPEC) -> None:
    """Fail with openapi-core's reasons when the response is not one the spec documents."""
    try:
        openapi_for(spec_path).validate_response(_Request(response.request), _Response(response))
    except Exception as exc:
        reasons = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [])
        raise AssertionError(
            f"{response.request.method} {response.request.url} -> {response.status_code} "
            f"does not conform: {exc!r} {reasons}\nbody: {response.text[:500]}"
        ) from exc
