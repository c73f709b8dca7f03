"""The fake-value generator: realistic by name and format, seeded, and always valid for its schema."""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from mockserver.fake import Generator
from mockserver.luxxon.values import VALUE_RULES as LUXXON_VALUES
from mockserver.spec import Spec, load

ROOT = Path(__file__).resolve().parent.parent
LUXXON = load(ROOT / "openapi.json")
PETS = load(ROOT / "tests" / "specs" / "fake_pets.json")
PETSTORE = load(ROOT / "tests" / "specs" / "petstore.json")

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def assert_valid(schema: dict[str, Any], value: Any, spec: Spec = LUXXON) -> None:
    # Components at the root let the validator follow discriminator mappings.
    root = {**schema, "components": spec.document.get("components", {})}
    OAS30Validator(root, format_checker=OAS30Validator.FORMAT_CHECKER).validate(value)


def success_data(operation_id: str) -> dict[str, Any]:
    response = LUXXON.operations[operation_id].responses["200"]
    assert response.schema is not None
    return response.schema


def obj(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def many(schema: dict[str, Any], count: int = 40, *, use_examples: bool = False) -> list[Any]:
    gen = Generator(seed=11, rules=LUXXON_VALUES)
    return [gen.generate(schema, f"key-{i}", use_examples=use_examples) for i in range(count)]


STRING: dict[str, Any] = {"type": "string"}
NUMBER: dict[str, Any] = {"type": "number"}


# --- realistic values by property name and format -------------------------------------------


def test_ids_and_uuid_formats_are_uuid4_strings() -> None:
    schema = obj(id=STRING, workspaceId=STRING, key={"type": "string", "format": "uuid"})
    for value in many(schema):
        for field in ("id", "workspaceId", "key"):
            assert UUID_V4.match(value[field]), value[field]
            assert uuid.UUID(value[field]).version == 4


def test_timestamps_are_iso_utc_with_milliseconds() -> None:
    schema = obj(
        createdAt=STRING,
        expiresAt=STRING,
        timestamp=STRING,
        when={"type": "string", "format": "date-time"},
    )
    for value in many(schema):
        for field, text in value.items():
            assert ISO_MS.match(text), (field, text)
            assert datetime.fromisoformat(text.replace("Z", "+00:00")).utcoffset() is not None


def test_wallet_addresses_are_0x_and_40_hex_and_hashes_0x_and_64_hex() -> None:
    schema = obj(
        walletAddress=STRING,
        usdcAddress=STRING,
        address=STRING,
        createdByWallet=STRING,
        txHash=STRING,
        settlementTxHash=STRING,
    )
    for value in many(schema):
        for field in ("walletAddress", "usdcAddress", "address", "createdByWallet"):
            assert re.fullmatch(r"0x[0-9a-f]{40}", value[field]), value[field]
        for field in ("txHash", "settlementTxHash"):
            assert re.fullmatch(r"0x[0-9a-f]{64}", value[field]), value[field]


def test_micro_usdc_amounts_and_block_numbers_are_digit_strings() -> None:
    names = ("ratePerSecondMicroUsdc", "holdMicroUsdc", "amountUsdc", "trackedBalance")
    schema = obj(**{n: STRING for n in (*names, "blockNumber", "lastSyncBlock")})
    for value in many(schema):
        for field, text in value.items():
            assert text.isdigit() and int(text) > 0, (field, text)


def test_micro_usdc_typed_as_number_is_a_whole_number() -> None:
    for value in many(obj(avgMaxPriceMicroUsdc=NUMBER)):
        assert isinstance(value["avgMaxPriceMicroUsdc"], int)


def test_latitudes_and_longitudes_stay_on_the_globe() -> None:
    schema = obj(lat=NUMBER, lng=NUMBER, coverageLat=NUMBER, requestedLng=NUMBER, longitude=NUMBER)
    values = many(schema, 100)
    for value in values:
        assert -90 <= value["lat"] <= 90 and -90 <= value["coverageLat"] <= 90
        assert all(-180 <= value[f] <= 180 for f in ("lng", "requestedLng", "longitude"))
    assert len({v["lng"] for v in values}) > 50  # spread over the range, not one constant


def test_urls_are_https_and_whip_whep_look_like_cloudflare_stream() -> None:
    for value in many(obj(rpcUrl=STRING, whipUrl=STRING, whepUrl=STRING)):
        assert value["rpcUrl"].startswith("https://")
        assert re.fullmatch(
            r"https://customer-[a-z0-9]{16}\.cloudflarestream\.com/[0-9a-f]{32}k[0-9a-f]{32}/webRTC/publish",
            value["whipUrl"],
        )
        assert re.fullmatch(
            r"https://customer-[a-z0-9]{16}\.cloudflarestream\.com/[0-9a-f]{32}/webRTC/play",
            value["whepUrl"],
        )


def test_people_words_and_tokens_look_like_what_they_name() -> None:
    schema = obj(email=STRING, slug=STRING, name=STRING, nonce=STRING, message=STRING, token=STRING)
    for value in many(schema, 20):
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", value["email"])
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value["slug"])
        assert re.fullmatch(r"[0-9a-f]{32}", value["nonce"])
        assert value["name"].strip() and value["message"].endswith(".")
        assert len(value["token"]) >= 16


def test_chain_id_is_a_known_evm_chain() -> None:
    for value in many(obj(chainId=NUMBER)):
        assert value["chainId"] in (1, 8453, 84532, 11155111)


def test_name_heuristics_give_way_to_the_schema_type_and_constraints() -> None:
    schema = obj(
        id={"type": "integer", "minimum": 1, "maximum": 9},
        walletAddress={"type": "string", "maxLength": 6},
        lat={"type": "number", "minimum": 100, "maximum": 200},
        createdAt={"type": "boolean"},
    )
    for value in many(schema):
        assert_valid(schema, value)
        assert isinstance(value["id"], int) and isinstance(value["createdAt"], bool)


def test_enum_values_come_from_the_enum_even_for_known_names() -> None:
    schema = obj(id={"type": "string", "enum": ["a", "b"]}, state={"type": "string", "enum": ["X"]})
    seen = {v["id"] for v in many(schema)}
    assert seen == {"a", "b"}
    assert {v["state"] for v in many(schema)} == {"X"}


# --- structure ----------------------------------------------------------------------------------


def test_arrays_hold_a_few_items_within_min_and_max() -> None:
    lengths = {len(v) for v in many({"type": "array", "items": STRING}, 60)}
    assert lengths == {1, 2, 3}
    bounded = {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 5}
    assert {len(v) for v in many(bounded, 30)} <= {4, 5}
    assert many({"type": "array", "items": STRING, "maxItems": 0}, 5) == [[]] * 5


def test_unique_items_are_unique_even_when_the_items_have_one_example() -> None:
    schema = {
        "type": "array",
        "uniqueItems": True,
        "minItems": 3,
        "items": {"type": "string", "example": "same"},
    }
    for value in many(schema, 20, use_examples=True):
        assert len(value) == len(set(value)) >= 3


def test_array_items_differ_where_they_can_and_repeat_where_they_must() -> None:
    two_of_two = {"type": "array", "items": {"enum": ["A", "B"]}, "minItems": 2, "maxItems": 2}
    assert all(sorted(v) == ["A", "B"] for v in many(two_of_two, 20))
    only_one = {"type": "array", "items": {"enum": ["X"]}, "minItems": 3, "maxItems": 3}
    assert many(only_one, 3) == [["X", "X", "X"]] * 3


def test_objects_carry_every_declared_property_required_or_not() -> None:
    schema = {"type": "object", "properties": {"a": STRING, "b": NUMBER}, "required": ["a"]}
    assert all(set(v) == {"a", "b"} for v in many(schema))


def test_open_object_without_properties_is_empty() -> None:
    video_event = LUXXON.document["components"]["schemas"]["LxVideoEventDto"]
    assert many(video_event, 5) == [{}] * 5


def test_all_of_merges_properties_and_required() -> None:
    schema = {"allOf": [obj(a=STRING), obj(b={"type": "integer", "minimum": 3, "maximum": 3})]}
    for value in many(schema, 10):
        assert value["b"] == 3 and isinstance(value["a"], str)
        assert_valid(schema, value)


def test_one_of_value_matches_exactly_one_branch() -> None:
    schema = {"oneOf": [{"type": "number"}, {"type": "integer"}]}
    for value in many(schema, 30):
        assert_valid(schema, value)
        assert not float(value).is_integer()


def test_discriminator_names_the_branch_the_value_was_built_from() -> None:
    me = success_data("LxMeController_me")
    kinds = set()
    for use_examples in (True, False):
        for value in many(me, 30, use_examples=use_examples):
            assert_valid(me, value)
            data = value["data"]
            kinds.add(data["kind"])
            assert ("keyId" in data) == (data["kind"] == "api_key")
    assert kinds == {"api_key", "wallet_session"}


def test_discriminator_mapping_tags_inlined_branches_without_an_enum() -> None:
    pet = PETS.operations["getPet"].responses["200"].schema
    assert pet is not None
    tags = set()
    for value in many(pet, 30):
        assert_valid(pet, value, PETS)
        tags.add(value["petType"])
        assert ("meows" in value) == (value["petType"] == "cat")
    assert tags == {"cat", "dog"}


def test_reference_cycle_left_by_the_loader_gives_a_valid_value_without_crashing() -> None:
    node = PETS.operations["getNode"].responses["200"].schema
    assert node is not None
    for value in many(node, 10):
        assert value["children"] == [] and "parent" not in value
        assert_valid(node, value, PETS)
    assert Generator(1).generate({"$ref": "#/components/schemas/Node"}, "k") == {}


def test_numbers_honour_bounds_exclusive_bounds_and_multiple_of() -> None:
    schema = {
        "type": "integer",
        "minimum": 10,
        "exclusiveMinimum": True,
        "maximum": 20,
        "exclusiveMaximum": True,
        "multipleOf": 3,
    }
    assert set(many(schema, 40)) == {12, 15, 18}
    halves = {"type": "number", "minimum": 0, "maximum": 2, "multipleOf": 0.5}
    assert set(many(halves, 60)) <= {0, 0.5, 1.0, 1.5, 2}


def test_strings_honour_length_and_pattern() -> None:
    sized = {"type": "string", "minLength": 30, "maxLength": 32}
    assert all(30 <= len(v) <= 32 for v in many(sized))
    patterned = {"type": "string", "pattern": r"^lxxn_(live|test)_[0-9a-f]{8}_[A-Za-z0-9]{6,10}$"}
    for value in many(patterned):
        assert re.search(patterned["pattern"], value), value


def test_binary_format_gives_a_short_string() -> None:
    frame = {"type": "string", "format": "binary"}
    assert all(isinstance(v, str) and 0 < len(v) <= 64 for v in many(frame, 5))


# --- examples first, or dynamic ---------------------------------------------------------------


def test_examples_come_first_including_null_examples() -> None:
    session = LUXXON.document["components"]["schemas"]["LxSessionDto"]
    properties = session["properties"]
    for value in many(session, 5, use_examples=True):
        assert value == {name: p["example"] for name, p in properties.items()}
    assert many(session, 1, use_examples=True)[0]["startedAt"] is None


def test_only_what_has_no_example_is_faked() -> None:
    schema = obj(kept={"type": "string", "example": "documented"}, id=STRING)
    for value in many(schema, 10, use_examples=True):
        assert value["kept"] == "documented" and UUID_V4.match(value["id"])


def test_dynamic_mode_ignores_examples_but_honours_enum_and_type() -> None:
    session = LUXXON.document["components"]["schemas"]["LxSessionDto"]
    values = many(session, 20)
    assert len({v["id"] for v in values}) == 20
    for value in values:
        assert value["id"] != session["properties"]["id"]["example"]
        assert value["state"] in session["properties"]["state"]["enum"]
        assert_valid(session, value)


def test_an_example_that_breaks_its_own_schema_is_not_used() -> None:
    schema = {"type": "string", "maxLength": 3, "example": "far too long"}
    assert all(len(v) <= 3 for v in many(schema, 10, use_examples=True))
    not_nullable = {"type": "string", "example": None}
    assert all(isinstance(v, str) for v in many(not_nullable, 10, use_examples=True))


def test_nullable_is_rarely_null_in_dynamic_mode_and_never_without_an_example() -> None:
    schema = {"type": "string", "nullable": True}
    nulls = sum(v is None for v in many(schema, 300))
    assert 0 < nulls < 100
    assert None not in many(schema, 100, use_examples=True)


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_and_key_give_the_same_value() -> None:
    envelope = success_data("LxSessionsController_list")
    gen = Generator(seed=5)
    first = gen.generate(envelope, "LxSessionsController_list|200|a", use_examples=False)
    assert gen.generate(envelope, "LxSessionsController_list|200|a", use_examples=False) == first


def test_different_keys_give_different_values() -> None:
    envelope = success_data("LxSessionsController_list")
    gen = Generator(seed=5)
    values = [
        json.dumps(
            gen.generate(envelope, f"LxSessionsController_list|200|id={i}", use_examples=False)
        )
        for i in range(10)
    ]
    assert len(set(values)) == 10


def test_two_fresh_generators_with_one_seed_give_identical_json_bytes() -> None:
    envelope = success_data("LxSessionsController_list")
    one = Generator(seed=2026).generate(envelope, "k", use_examples=False)
    two = Generator(seed=2026).generate(envelope, "k", use_examples=False)
    assert json.dumps(one).encode() == json.dumps(two).encode()
    other = Generator(seed=2027).generate(envelope, "k", use_examples=False)
    assert json.dumps(other) != json.dumps(one)


def test_a_seed_replays_the_same_bytes_in_another_process() -> None:
    code = (
        "import json; from mockserver.fake import Generator; from mockserver.spec import load; "
        "s = load('openapi.json').operations['LxSessionsController_list'].responses['200'].schema; "
        "print(json.dumps(Generator(seed=99).generate(s, 'k|1', use_examples=False)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    here = Generator(seed=99).generate(
        success_data("LxSessionsController_list"), "k|1", use_examples=False
    )
    assert out.stdout.strip() == json.dumps(here)


def test_an_unseeded_generator_keeps_the_seed_it_picked() -> None:
    gen = Generator()
    schema = obj(id=STRING, createdAt=STRING)
    assert gen.generate(schema, "k", use_examples=False) == gen.generate(
        schema, "k", use_examples=False
    )
    assert Generator(gen.seed).generate(schema, "k", use_examples=False) == gen.generate(
        schema, "k", use_examples=False
    )


# --- properties: every value validates ----------------------------------------------------------


def spec_schemas() -> list[tuple[str, Spec, dict[str, Any]]]:
    found: dict[int, tuple[str, Spec, dict[str, Any]]] = {}
    for spec in (LUXXON, PETSTORE, PETS):
        for op in spec.operations.values():
            if op.request_schema is not None:
                found.setdefault(
                    id(op.request_schema), (f"{op.operation_id}|body", spec, op.request_schema)
                )
            for status, response in op.responses.items():
                if response.schema is not None:
                    found.setdefault(
                        id(response.schema), (f"{op.operation_id}|{status}", spec, response.schema)
                    )
    return list(found.values())


SPEC_SCHEMAS = spec_schemas()


@pytest.mark.parametrize(("name", "spec", "schema"), SPEC_SCHEMAS, ids=[s[0] for s in SPEC_SCHEMAS])
@settings(max_examples=12, deadline=None, database=None)
@given(seed=st.integers(), use_examples=st.booleans())
def test_every_spec_schema_gets_a_valid_value(
    name: str, spec: Spec, schema: dict[str, Any], seed: int, use_examples: bool
) -> None:
    value = Generator(seed).generate(schema, f"{name}|{seed}", use_examples=use_examples)
    assert_valid(schema, value, spec)


NAMES = st.sampled_from(
    [
        "id", "createdAt", "walletAddress", "txHash", "amountUsdc", "lat", "lng", "whipUrl",
        "email", "name", "slug", "nonce", "chainId", "statusCode", "count", "sequence", "x",
        "message", "scopes", "ratePerSecondMicroUsdc", "blockNumber", "radiusMeters",
    ]
)  # fmt: skip
# ASCII only: the validator's `byte` check raises on non-ASCII text instead of failing it.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.text(string.ascii_letters + "-:", max_size=4)
)


def integer_schema(
    low: int, width: int, flags: tuple[bool, bool], step: int | None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": low + width}
    schema.update(exclusiveMinimum=flags[0], exclusiveMaximum=flags[1])
    return schema | ({"multipleOf": step} if step else {})


def number_schema(low: float, width: float, step: float | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number", "minimum": low, "maximum": low + width}
    return schema | ({"multipleOf": step} if step else {})


LEAVES = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={"minLength": st.integers(0, 4), "maxLength": st.integers(4, 12)},
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("string"),
            "format": st.sampled_from(
                ["uuid", "date-time", "date", "email", "byte", "binary", "ipv4"]
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("string"),
            "pattern": st.sampled_from([r"^[a-z]{3,8}$", r"^0x[0-9a-f]{40}$", r"^(ab|cd)+\d?$"]),
        }
    ),
    st.builds(
        integer_schema,
        st.integers(-1000, 1000),
        st.integers(12, 1000),
        st.tuples(st.booleans(), st.booleans()),
        st.sampled_from([None, 2, 3, 5]),
    ),
    st.builds(
        number_schema,
        st.floats(-1000, 1000, allow_nan=False),
        st.floats(12, 1000, allow_nan=False),
        st.sampled_from([None, 0.5, 0.25, 2]),
    ),
    st.just({"type": "boolean"}),
    st.lists(SCALARS, min_size=1, max_size=4, unique=True).map(lambda values: {"enum": values}),
)


def decorated(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The schema, maybe nullable, maybe with an example that may or may not fit it."""
    return st.fixed_dictionaries({}, optional={"nullable": st.booleans(), "example": SCALARS}).map(
        lambda extra: {**schema, **extra}
    )


def objects(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def shape(props: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        required = st.lists(st.sampled_from(sorted(props)), unique=True) if props else st.just([])
        return st.fixed_dictionaries(
            {"type": st.just("object"), "properties": st.just(props), "required": required},
            optional={"additionalProperties": st.booleans()},
        )

    return st.dictionaries(NAMES, children, max_size=4).flatmap(shape)


def split(schema: dict[str, Any]) -> dict[str, Any]:
    """An object schema as allOf of two halves (neither closed, so the halves can meet)."""
    names = sorted(schema["properties"])
    halves = [names[::2], names[1::2]]
    return {
        "allOf": [
            {
                "type": "object",
                "properties": {n: schema["properties"][n] for n in half},
                "required": [n for n in schema["required"] if n in half],
            }
            for half in halves
        ]
    }


def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    disjoint = st.permutations(
        [
            {"type": "string"},
            {"type": "integer"},
            {"type": "boolean"},
            {"type": "array", "items": {}},
        ]
    )
    return st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("array"), "items": children},
            optional={"minItems": st.integers(0, 2), "maxItems": st.integers(2, 4)},
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("array"),
                "uniqueItems": st.just(True),
                "items": st.sampled_from(
                    [{"type": "string"}, {"type": "integer"}, {"format": "uuid"}]
                ),
                "minItems": st.integers(0, 1),
            }
        ),
        objects(children),
        objects(children).map(split),
        st.lists(children, min_size=1, max_size=3).map(lambda branches: {"anyOf": branches}),
        disjoint.map(lambda branches: {"oneOf": branches[:2]}),
        st.just({"oneOf": [{"type": "number"}, {"type": "integer"}]}),
    ).flatmap(decorated)


SCHEMAS = st.recursive(LEAVES.flatmap(decorated), extend, max_leaves=8)


@settings(max_examples=250, deadline=None, database=None)
@given(schema=SCHEMAS, seed=st.integers(0, 2**32), use_examples=st.booleans())
def test_any_small_schema_gets_a_valid_and_repeatable_value(
    schema: dict[str, Any], seed: int, use_examples: bool
) -> None:
    value = Generator(seed).generate(schema, "k", use_examples=use_examples)
    OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER).validate(value)
    again = Generator(seed).generate(schema, "k", use_examples=use_examples)
    assert json.dumps(again) == json.dumps(value)


def test_other_specs_get_neutral_values_not_luxxon_ones() -> None:
    schema = obj(name=STRING, companyName=STRING, whipUrl=STRING, amountUsdc=STRING, wallet=STRING)
    for value in [Generator(seed=i).generate(schema, "k", use_examples=False) for i in range(40)]:
        assert not value["name"].endswith(("Visuals", "Media", "Labs", "Live"))
        assert "cloudflarestream" not in value["whipUrl"]
        assert not value["amountUsdc"].isdigit()
        assert not value["wallet"].startswith("0x")
