"""Swagger UI tries out this mock: its document names the mock as the server and lets every
operation send `Prefer`, `X-Mock-Scenario` and `X-Mock-Namespace`; the contract stays as it is."""

from __future__ import annotations

import copy
import json

import httpx

from mockserver import spec
from mockserver.app import create_app
from mockserver.docs_ui import THIS_MOCK, ui_document
from mockserver.settings import DEFAULT_SPEC, Settings
from tests.conftest import LiveServer

MOCK_HEADERS = {"Prefer", "X-Mock-Scenario", "X-Mock-Namespace"}


def headers_of(operation: dict[str, object]) -> list[str]:
    parameters = operation.get("parameters", [])
    assert isinstance(parameters, list)
    return [p["name"] for p in parameters if isinstance(p, dict) and p.get("in") == "header"]


def operations(document: dict[str, object]) -> list[dict[str, object]]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return [op for item in paths.values() for key, op in item.items() if key != "parameters"]


def test_every_operation_can_send_the_mock_headers_and_the_input_is_untouched() -> None:
    document = spec.load(DEFAULT_SPEC).document
    before = copy.deepcopy(document)

    ui = ui_document(document, scenarios=["video-outage", "expired-credentials"])

    assert document == before
    assert ui["servers"] == [{"url": "/", "description": THIS_MOCK}]
    for operation in operations(ui):
        assert set(headers_of(operation)) >= MOCK_HEADERS, operation["operationId"]
    create = ui["paths"]["/api/v1/sessions"]["post"]
    scenario = next(p for p in create["parameters"] if p["name"] == "X-Mock-Scenario")
    assert scenario["schema"]["enum"] == ["expired-credentials", "video-outage"]
    assert scenario["required"] is False
    prefer = next(p for p in create["parameters"] if p["name"] == "Prefer")
    assert "402" in prefer["description"]  # the statuses this operation documents


def test_a_header_the_operation_declares_already_is_not_added_twice() -> None:
    document = {
        "openapi": "3.0.3",
        "paths": {
            "/x": {
                "parameters": [{"name": "x-mock-namespace", "in": "header"}],
                "get": {"parameters": [{"name": "prefer", "in": "header"}], "responses": {}},
            }
        },
    }

    ui = ui_document(document)

    assert headers_of(ui["paths"]["/x"]["get"]) == ["prefer", "X-Mock-Scenario"]


def test_swagger_ui_reads_its_own_document_and_openapi_json_stays_the_contract() -> None:
    with LiveServer(create_app(Settings())) as server:
        page = httpx.get(server.url + "/ui/", timeout=10)
        ui = httpx.get(server.url + "/ui/openapi.json", timeout=10).json()
        served = httpx.get(server.url + "/openapi.json", timeout=10).json()

    assert page.status_code == 200
    assert 'url: "openapi.json"' in page.text  # relative to /ui/: the document below
    assert ui["servers"] == [{"url": "/", "description": THIS_MOCK}]
    assert all(set(headers_of(op)) >= MOCK_HEADERS for op in operations(ui))
    assert not any(MOCK_HEADERS & set(headers_of(op)) for op in operations(served))
    assert "X-Mock-Scenario" not in json.dumps(served)
    assert served["servers"] == [{"url": "https://api.luxxon.dev/api/v1"}]  # the file, unchanged
    original = spec.load(DEFAULT_SPEC).document
    assert {op["operationId"]: headers_of(op) for op in operations(served)} == {
        op["operationId"]: headers_of(op) for op in operations(original)
    }
