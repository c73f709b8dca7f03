"""The Rust fast path of request validation never lets through a body connexion's python
jsonschema refuses, so every answer (a pass, or the refusal's label and message) stays
connexion's. Checked value by value for every request body of the Luxxon spec, as connexion
prepares it, and for the hand-made schemas of `test_fast_validation.py`: values built along each
schema and across its edges (bounds, 1.0, integers past 2**53 and 2**63, astral characters,
trailing newlines, missing and extra properties), and any JSON value besides. A parameter is
refused exactly when python jsonschema refuses it, infinity and NaN included."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from mockserver.app import create_app
from mockserver.errors import ApiError
from mockserver.middleware import validation
from mockserver.middleware.precheck import precheck
from mockserver.middleware.validation import NamingParameterValidator, OptionalBodyJSONValidator
from mockserver.settings import Settings
from tests.test_fast_validation import HOSTILE
from tests.world_client import CONSUMER, SPEC

BODY_OPERATIONS = sorted(op.operation_id for op in SPEC.operations.values() if op.request_schema)
# Where python and Rust read text differently: line ends, Unicode spaces and digits, astral and
# case-folding characters, and (rarely, as JSON never carries one) a lone surrogate.
_CHARS = (
    "aAzZfF09x-_ .\n\t\r\x0b\x0c\x00\u00a0\u1680\u2000\u2028\u3000\ufeff\u0663\u00e9\u0130\u212a"
)
_CHARACTERS = st.sampled_from([*_CHARS, "\U0001f600", "\U00010000", "\ud800"]) | st.characters()
_ONE_CHARACTER = st.sampled_from([*_CHARS, "\U0001f600"])
_EDGES = [0, 1, 1.0, -0.0, 0.5, 2**53 - 1, 2**53, 2**53 + 1, 2.0**53, 2**63 - 1, 2**63, 2**64 - 1]


def _text(max_size: int = 6, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(_CHARACTERS, min_size=min_size, max_size=max_size)


JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text(3), inner, max_size=3),
    max_leaves=6,
)


def numbers(schema: dict[str, Any], clean: bool = False) -> st.SearchStrategy[Any]:
    """Numbers within the schema's bounds (whole ones for an integer or multipleOf); unless
    `clean`, also at and around the bounds and anywhere, as ints and as floats."""
    low, high = schema.get("minimum"), schema.get("maximum")
    ints = st.integers(
        None if low is None else math.ceil(low), None if high is None else math.floor(high)
    )
    inside = [ints, ints.map(float)]
    if schema.get("type") != "integer" and "multipleOf" not in schema:
        inside.append(st.floats(low, high, allow_nan=False, allow_infinity=False))
    if clean:
        return st.one_of(inside)
    near = [b + step for b in (low, high) if b is not None for step in (-1, -0.5, -1e-9, 0, 1)]
    edges = [*_EDGES, *near, *[float(x) for x in near], *[-x for x in _EDGES]]
    step = schema.get("multipleOf", 1)
    return st.one_of(
        *inside,
        st.sampled_from(edges),
        st.integers(-1000, 1000).map(lambda k: k * step),  # 7 * 0.01: a float's rounding
        st.integers(-(10**5), 10**5).map(lambda k: k / 100),  # decimals, as JSON writes them
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
    )


def strings(schema: dict[str, Any], clean: bool = False) -> st.SearchStrategy[str]:
    """Python's matches of the pattern, or text of about the schema's lengths; unless `clean`,
    also matches spoiled, any text, and each character that python and Rust may read apart."""
    low = schema.get("minLength", 0)
    plain = _text(schema.get("maxLength", low + 4) + (0 if clean else 2), low if clean else 0)
    if "pattern" not in schema:
        return plain
    matching = st.from_regex(schema["pattern"], alphabet=_CHARACTERS)
    if clean:
        return matching
    return st.one_of(plain, matching, matching.flatmap(spoiled), _ONE_CHARACTER)


@st.composite
def objects(draw: st.DrawFn, schema: dict[str, Any], clean: bool = False) -> dict[str, Any]:
    """The required properties and some optional ones, each drawn along its own schema; unless
    `clean`, now and then one left out, or one more (declared or not, any value) added."""
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    value = {
        name: draw(values(sub, clean))
        for name, sub in properties.items()
        if name in schema.get("required", []) or draw(st.booleans())
    }
    if isinstance(extra, dict) and draw(st.booleans()):
        value[draw(_text(3))] = draw(values(extra, clean))
    if clean:
        return value
    if draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from([*properties, "extra"]) | _text(3))
        value[name] = draw(values(extra, clean) if isinstance(extra, dict) else JSON)
    if value and draw(st.integers(0, 5)) == 0:
        del value[draw(st.sampled_from(sorted(value)))]
    return value


def _shaped(schema: dict[str, Any], clean: bool) -> st.SearchStrategy[Any]:
    named = schema.get("type", [])
    types = [named] if isinstance(named, str) else named
    parts: list[st.SearchStrategy[Any]] = []
    if "enum" in schema:
        parts.append(st.sampled_from(schema["enum"]))
    elif "object" in types or "properties" in schema:
        parts.append(objects(schema, clean))
    if "array" in types or "items" in schema:
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", low + 2) + (0 if clean else 1)
        parts.append(st.lists(values(schema.get("items", {}), clean), min_size=low, max_size=high))
    if {"number", "integer"} & set(types) or "minimum" in schema or "maximum" in schema:
        parts.append(numbers(schema, clean))
    if "string" in types or "pattern" in schema:
        parts.append(strings(schema, clean))
    for key in ("anyOf", "oneOf"):
        parts.extend(values(branch, clean) for branch in schema.get(key, []))
    if "null" in types or schema.get("nullable") or not clean:
        parts.append(st.none())
    return st.one_of(parts or [JSON])


_strategies: dict[tuple[int, bool], tuple[dict[str, Any], st.SearchStrategy[Any]]] = {}


def values(schema: dict[str, Any], clean: bool = False) -> st.SearchStrategy[Any]:
    """Values along `schema`: `clean` ones mostly valid, the others across its edges too, one in
    eight any JSON value. Built once per schema (they live as long as the module)."""
    entry = _strategies.get((id(schema), clean))
    if entry is None or entry[0] is not schema:
        shaped = st.deferred(lambda: _shaped(schema, clean))
        strategy = shaped if clean else st.integers(0, 7).flatmap(lambda n: shaped if n else JSON)
        entry = _strategies[(id(schema), clean)] = (schema, strategy)
    return entry[1]


_SPOILERS = st.one_of(JSON, st.sampled_from([1.0, 0.5, 2**63 + 1, 2**64 - 1, -(2**53) - 1, ""]))


@st.composite
def spoiled(draw: st.DrawFn, value: Any) -> Any:
    """`value` with one leaf, or one character of a string, replaced (or one put in)."""
    if isinstance(value, dict) and value and draw(st.integers(0, 4)):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: draw(spoiled(value[key]))}
    if isinstance(value, list) and value and draw(st.integers(0, 4)):
        at = draw(st.integers(0, len(value) - 1))
        return [*value[:at], draw(spoiled(value[at])), *value[at + 1 :]]
    if isinstance(value, str) and draw(st.integers(0, 3)):
        at = draw(st.integers(0, len(value)))
        cut = at + draw(st.integers(0, 1))  # a character replaced, or one put in
        return value[:at] + draw(_ONE_CHARACTER) + value[cut:]
    return draw(_SPOILERS)


def instances(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A valid-looking value, one spoiled in one place, or one along and across the edges."""
    clean = values(schema, clean=True)
    return st.one_of(clean, clean.flatmap(spoiled), values(schema))


@pytest.fixture(scope="module")
def luxxon_bodies() -> dict[str, dict[str, Any]]:
    """Each operation's body schema exactly as connexion hands it to the body validator: caught on
    its way into `precheck` during one request to each operation of a real app."""
    seen: list[dict[str, Any]] = []
    schemas: dict[str, dict[str, Any]] = {}
    original = validation.precheck

    def spy(schema: dict[str, Any]) -> Any:
        seen.append(schema)
        return original(schema)

    app = create_app(Settings(seed=3))

    async def send_each() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for op_id in BODY_OPERATIONS:
                operation = SPEC.operations[op_id]
                path = operation.path.replace("{", "").replace("}", "")  # any id will do
                headers = {"authorization": f"Bearer {CONSUMER}", "x-mock-namespace": "precheck"}
                seen.clear()
                await client.request(operation.method, path, json={"x": 1}, headers=headers)
                assert len(seen) == 1, f"{op_id}: its body was not validated"
                schemas[op_id] = seen[0]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validation, "precheck", spy)
        asyncio.run(send_each())
    return schemas


def test_every_luxxon_request_body_gets_the_fast_path(
    luxxon_bodies: dict[str, dict[str, Any]],
) -> None:
    assert sorted(luxxon_bodies) == BODY_OPERATIONS
    assert [op for op, schema in luxxon_bodies.items() if precheck(schema) is None] == []


def test_the_write_paths_body_passes_the_fast_path(
    luxxon_bodies: dict[str, dict[str, Any]],
) -> None:
    fast = precheck(luxxon_bodies["LxSessionsController_create"])
    assert fast is not None and fast({"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600})
    assert not fast({"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600.5})


_built: dict[int, tuple[dict[str, Any], OptionalBodyJSONValidator, st.SearchStrategy[Any]]] = {}


def _built_for(schema: dict[str, Any]) -> tuple[OptionalBodyJSONValidator, st.SearchStrategy[Any]]:
    """The body validator and the values for `schema`, built once (compiling is the slow part)."""
    entry = _built.get(id(schema))
    if entry is None or entry[0] is not schema:
        validator = OptionalBodyJSONValidator(
            schema=schema, required=True, nullable=False, encoding="utf-8", strict_validation=False
        )
        entry = _built[id(schema)] = (schema, validator, instances(schema))
    return entry[1], entry[2]


def _check_body(schema: dict[str, Any], data: st.DataObject) -> None:
    """The fast yes implies python's; and the body validator answers as python does."""
    validator, values = _built_for(schema)
    value = data.draw(values)
    fast = validator._precheck
    assert fast is not None
    slow = validator._validator.is_valid(value)
    if fast(value):
        assert slow, f"the fast path passed {value!r}; connexion refuses it"
        assert Draft4Validator(schema).is_valid(value)  # without OpenAPI's nullable too
    try:
        validator._validate(value)
        answered = True
    except ApiError:
        answered = False
    assert answered == slow


_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.mark.parametrize("op_id", BODY_OPERATIONS)
@_SETTINGS
@given(data=st.data())
def test_no_luxxon_body_passes_the_fast_path_that_connexion_refuses(
    luxxon_bodies: dict[str, dict[str, Any]], op_id: str, data: st.DataObject
) -> None:
    _check_body(luxxon_bodies[op_id], data)


@pytest.mark.parametrize("name", sorted(HOSTILE))
@_SETTINGS
@given(data=st.data())
def test_no_value_passes_a_hostile_schemas_fast_path_that_connexion_refuses(
    name: str, data: st.DataObject
) -> None:
    _check_body(HOSTILE[name], data)


PARAMETERS = {
    "limit": {"name": "limit", "in": "query", "schema": {"type": "number", "minimum": 1,
                                                        "multipleOf": 1}},
    "bounded": {"name": "n", "in": "query", "schema": {"maximum": 5}},
    "code": {"name": "code", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PARAMETERS))
@_SETTINGS
@given(
    value=st.one_of(
        numbers({"minimum": 1, "maximum": 5}),
        st.sampled_from([math.inf, -math.inf, math.nan, (1,), "12\n", "", True]),
        st.text(max_size=4),
    )
)
def test_a_parameter_is_refused_exactly_when_python_jsonschema_refuses_it(
    name: str, value: Any
) -> None:
    param = PARAMETERS[name]
    expected = Draft4Validator(param["schema"], format_checker=Draft4Validator.FORMAT_CHECKER)
    try:
        NamingParameterValidator.validate_parameter("query", value, param)
        answered = True
    except ApiError:
        answered = False
    assert answered == expected.is_valid(value)
