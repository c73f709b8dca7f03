"""`labels.py`: a refused request's `detail` is a short `field:reason` label, whatever the input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match

from mockserver import labels

SESSION = {
    "type": "object",
    "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "waitTimeoutSeconds": {"type": "number", "minimum": 5, "maximum": 3600},
        "roles": {"type": "array", "items": {"type": "string", "enum": ["CONSUMER", "SUPPLIER"]}},
    },
    "required": ["lat"],
    "additionalProperties": False,
}


def error_for(schema: dict[str, Any], instance: Any) -> ValidationError:
    error = best_match(Draft4Validator(schema).iter_errors(instance))
    assert error is not None
    return error


@pytest.mark.parametrize(
    ("body", "label"),
    [
        ({"lat": 4.6, "waitTimeoutSeconds": 4}, "body.waitTimeoutSeconds:minimum"),
        ({"lat": 91}, "body.lat:maximum"),
        ({"lat": "north"}, "body.lat:type"),
        ({}, "body.lat:missing"),
        ({"lat": 1, "roles": ["CONSUMER", "OWNER"]}, "body.roles.1:enum"),
        ({"lat": 1, "pad": "x"}, "body.pad:unexpected"),
        ([1, 2], "body:type"),
    ],
)
def test_a_schema_error_is_labelled_with_its_field_and_keyword(body: Any, label: str) -> None:
    assert labels.schema_error_label("body", error_for(SESSION, body)) == label


def test_the_message_is_the_validators_sentence_placed_at_the_field() -> None:
    error = error_for(SESSION, {"lat": 4.6, "waitTimeoutSeconds": 4})
    assert labels.schema_error_message("body", error) == (
        "body.waitTimeoutSeconds: 4 is less than the minimum of 5"
    )


def test_a_huge_value_is_not_quoted_in_full() -> None:
    error = error_for({"type": "number"}, "x" * 100_000)
    assert len(labels.schema_error_message("body", error)) <= labels.MESSAGE_LIMIT


def test_parameters_are_labelled_by_where_they_travel() -> None:
    pattern = {"type": "string", "pattern": "^[0-9]+$"}
    assert (
        labels.parameter_label("query", "lat", error_for(pattern, "north")) == "query.lat:pattern"
    )
    assert labels.parameter_label("header", "X-Lx-Consistency-Token") == (
        "header.x-lx-consistency-token:missing"
    )


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (
            "Missing header parameter 'x-lx-consistency-token'",
            "header.x-lx-consistency-token:missing",
        ),
        ("Missing query parameter 'lat'", "query.lat:missing"),
        ("RequestBody is required", "body:missing"),
        ("Request body must not be empty", "body:missing"),
        ("Extra query parameter(s) pad not in spec", "query:unexpected"),
        (
            "Invalid Content-type (text/plain), expected ['application/json']",
            "header.content-type:unsupported",
        ),
        ("something connexion says one day", "request:invalid"),
    ],
)
def test_connexion_problems_get_labels_too(text: str, label: str) -> None:
    assert labels.problem_label(text) == label


@given(
    key=st.text(min_size=1, max_size=80),
    value=st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=20)),
)
def test_any_input_gives_a_label_of_the_documented_shape(key: str, value: Any) -> None:
    schema = {
        "type": "object",
        "properties": {key: {"type": "integer", "minimum": 0}},
        "required": [key, "other"],
    }
    for instance in ({key: value}, {key: [value]}, {"other": 1, key: {"deep": value}}):
        error = best_match(Draft4Validator(schema).iter_errors(instance))
        if error is not None:
            assert labels.LABEL.match(labels.schema_error_label("body", error))
    assert labels.LABEL.match(labels.parameter_label("query", key))
    assert labels.LABEL.match(labels.problem_label(f"Missing header parameter '{key}'"))
