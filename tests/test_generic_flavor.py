"""Any other spec is served by the generic flavor, with nothing of Luxxon's: credentials exactly
as its securitySchemes declare them, errors as problem+json or as the operation's own error
schema, no extra headers, neutral generated values. Over real HTTP, checked with openapi-core."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conformance import assert_conforms
from tests.conftest import TESTS, LiveServer, app_with

SHOP = TESTS / "specs" / "shop.yaml"
PETSTORE = TESTS / "specs" / "petstore.json"
LUXXON_LOOK = re.compile(r"lx_|lxxn_|x-lx-|luxxon|cloudflarestream|Visuals|Media|Labs", re.I)
ORDER = {"item": "pen", "quantity": 2}


@pytest.fixture(scope="module")
def shop() -> Iterator[httpx.Client]:
    with (
        LiveServer(app_with(spec_path=SHOP, scenarios_dir=None, seed=3)) as server,
        httpx.Client(base_url=server.url, headers={"Origin": "http://localhost:5173"}) as c,
    ):
        yield c


def assert_not_luxxon(response: httpx.Response) -> None:
    assert not any(name.lower().startswith("x-lx") for name in response.headers)
    exposed = response.headers.get("access-control-expose-headers", "")
    assert "lx" not in exposed.lower()
    assert not LUXXON_LOOK.search(response.text), response.text


def test_a_credential_in_any_copy_of_a_repeated_header_counts(shop: httpx.Client) -> None:
    for path, headers in [
        ("/orders", [("X-Shop-Key", "k"), ("X-Shop-Key", "")]),
        ("/orders/o-1", [("Cookie", "shop_sid=abc"), ("Cookie", "other=1")]),
    ]:
        assert shop.get(path, headers=headers).status_code == 200, (path, headers)
    assert shop.get("/orders", headers=[(b"X-Shop-Key", b"\xa0")]).status_code == 200  # not blank


@pytest.mark.parametrize(
    ("path", "headers", "params"),
    [
        ("/orders", {"X-Shop-Key": "k"}, {}),
        ("/orders", {}, {"api_key": "k"}),
        ("/orders/o-1", {"Cookie": "shop_sid=abc"}, {}),
    ],
)
def test_each_declared_scheme_is_a_credential(
    shop: httpx.Client, path: str, headers: dict[str, str], params: dict[str, str]
) -> None:
    response = shop.get(path, headers=headers, params=params)
    assert response.status_code == 200
    assert_not_luxxon(response)
    assert_conforms(response, SHOP)


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/orders", {"Authorization": "Bearer k"}),  # a scheme of another operation
        ("GET", "/orders", {"Cookie": "lx_session=1"}),
        ("GET", "/orders/o-1", {"Cookie": "lx_session=1"}),
        ("GET", "/orders/o-1", {"X-Shop-Key": "k"}),
        ("POST", "/orders", {"Cookie": "shop_sid=abc"}),
        ("POST", "/orders", {"Authorization": "Basic k"}),
        ("GET", "/orders", {"X-Shop-Key": ""}),
    ],
)
def test_a_foreign_credential_is_no_credential(
    shop: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    response = shop.request(method, path, headers=headers, json=ORDER)
    assert response.status_code == 401
    assert_not_luxxon(response)


def test_undocumented_error_is_problem_json(shop: httpx.Client) -> None:
    response = shop.get("/orders")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert (problem["status"], problem["title"]) == (401, "Unauthorized")


def test_documented_error_schema_is_used_for_that_status(shop: httpx.Client) -> None:
    refused = shop.post("/orders", json={"item": "pen", "quantity": 500}, headers=BEARER)
    assert refused.status_code == 400
    assert refused.json() == {"error": {"kind": "bad_request", "text": "quantity must be 1-100"}}
    assert_conforms(refused, SHOP)
    unauthenticated = shop.get("/orders/o-1")
    assert unauthenticated.status_code == 401
    assert set(unauthenticated.json()) == {"error"}
    assert_conforms(unauthenticated, SHOP)


BEARER = {"Authorization": "Bearer k"}


def test_generated_values_are_neutral(shop: httpx.Client) -> None:
    created = shop.post("/orders", json=ORDER, headers=BEARER)
    assert created.status_code == 201
    assert_not_luxxon(created)
    assert_conforms(created, SHOP)
    assert "Access-Control-Allow-Origin" in created.headers


def test_petstore_takes_no_luxxon_cookie_and_exposes_no_luxxon_header() -> None:
    app = app_with(spec_path=PETSTORE, scenarios_dir=None)
    assert app.flavor.name == "generic"
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as c:
        forged = c.post("/v2/pets", json={"name": "Tom"}, headers={"Cookie": "lx_session=1"})
        assert forged.status_code == 401
        bad = c.post("/v2/pets", json={"tag": "cat"}, headers=BEARER | {"Origin": "http://x.test"})
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
        assert "access-control-expose-headers" not in bad.headers
        names = [c.get("/v2/pets", params={"__dynamic": "true", "n": i}).text for i in range(5)]
        assert not any(LUXXON_LOOK.search(text) for text in names)


def test_flavor_comes_from_the_document_and_can_be_overridden() -> None:
    assert app_with().flavor.name == "luxxon"
    assert app_with(spec_path=SHOP, scenarios_dir=None, flavor="luxxon").flavor.name == "luxxon"
    assert app_with(flavor="generic").flavor.name == "generic"


NUMBERED = {
    "openapi": "3.0.3",
    "info": {"title": "numbered", "version": "1"},
    "paths": {
        "/items/{itemId}/sizes/{size}": {
            "get": {
                "operationId": "getSize",
                "parameters": [
                    {"name": "itemId", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "size", "in": "path", "required": True, "schema": {"type": "number"}},
                ],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "404": {"description": "none", "content": {"application/json": {"schema": {"type": "object"}}}},
                },
            }
        }
    },
}  # fmt: skip


def test_integer_and_number_path_parameters_reach_rules_as_text(tmp_path: Path) -> None:
    """Routing reads them as numbers; a rule's `match.path` (text, as the URL wrote it) matches
    them on the first call (connexion's stack) and on later ones (the known lane) alike."""
    spec = tmp_path / "numbered.json"
    spec.write_text(json.dumps(NUMBERED))
    app = app_with(spec_path=spec, scenarios_dir=None, validate_responses=False)
    rule = {"operations": ["getSize"], "match": {"path": {"itemId": "7", "size": "2.5"}},
            "respond": {"status": 404}}  # fmt: skip
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        assert http.post("/__mock/rules", json=rule).status_code == 200
        statuses = [http.get(path).status_code for path in
                    ("/items/7/sizes/2.5", "/items/8/sizes/2.5", "/items/7/sizes/2.5")]  # fmt: skip
    assert statuses == [404, 200, 404]
