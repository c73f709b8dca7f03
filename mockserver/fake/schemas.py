"""Reading schemas: their type, allOf/oneOf merged into one schema, discriminator tags, lengths."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeGuard

Schema = dict[str, Any]

_COMPOSITIONS = ("allOf", "oneOf", "anyOf", "not")


def type_of(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    if any(k in schema for k in ("properties", "additionalProperties", "required")):
        return "object"
    if "items" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "multipleOf")):
        return "number"
    return "string"


def type_ok(value: Any, schema: Schema) -> bool:
    if value is None:
        return schema.get("nullable") is True or "type" not in schema
    kind = schema.get("type")
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: is_number(v) and float(v).is_integer(),
        "number": is_number,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    return kind not in checks or checks[kind](value)


def as_dict(value: Any) -> Schema:
    return value if isinstance(value, dict) else {}


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def null_ok(schema: Schema) -> bool:
    if schema.get("nullable") is not True or any(k in schema for k in _COMPOSITIONS):
        return False
    return "enum" not in schema or None in schema["enum"]


def is_ref(schema: Any) -> bool:
    return isinstance(schema, dict) and "$ref" in schema


def disjoint(branches: list[Any]) -> bool:
    """Branches that no value can satisfy twice, so oneOf needs no check after picking."""
    kinds = [b.get("type") if isinstance(b, dict) else None for b in branches]
    if not all(isinstance(k, str) for k in kinds) or len(set(kinds)) != len(kinds):
        return False
    nullable = sum(1 for b in branches if b.get("nullable") is True)
    return not {"integer", "number"} <= set(kinds) and nullable <= 1


def discriminator_tag(
    disc: dict[str, Any], branches: list[Any], index: int, merged: Schema
) -> str | None:
    """The discriminator value that names branch `index` (`merged`: that branch, allOf flattened)."""
    prop = disc.get("propertyName")
    mapping = as_dict(disc.get("mapping"))
    branch = as_dict(branches[index])
    own = as_dict(merged.get("properties")).get(str(prop))
    if isinstance(own, dict) and isinstance(own.get("enum"), list):
        named = [v for v in own["enum"] if isinstance(v, str) and (not mapping or v in mapping)]
        if named:
            return named[0]
    if isinstance(branch.get("$ref"), str):
        ref = branch["$ref"]
        return next((str(k) for k, v in mapping.items() if v == ref), ref.rsplit("/", 1)[-1])
    if mapping and len(mapping) == len(branches):
        return str(list(mapping)[index])  # inlined branches: the mapping lists them in order
    return None


def merge(schemas: list[Any]) -> Schema:
    """One schema that asks for all of `schemas` (allOf); stricter is fine, looser is not."""
    out: Schema = {}
    closed: list[set[str]] = []
    parts = _flatten(schemas)
    for part in parts:
        if part.get("additionalProperties") is False:
            closed.append(set(part.get("properties") or {}))
        for key, value in part.items():
            out[key] = _merge_key(key, out[key], value) if key in out else value
    typed = [part for part in parts if "type" in part]
    if typed:  # None passes a part without a type, and a typed part only if it is nullable
        out["nullable"] = all(part.get("nullable") is True for part in typed)
    if closed:
        allowed = set.intersection(*closed)
        out["properties"] = {k: v for k, v in (out.get("properties") or {}).items() if k in allowed}
        out["additionalProperties"] = False
    return out


def _flatten(schemas: list[Any]) -> list[Schema]:
    flat: list[Schema] = []
    for part in schemas:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("allOf"), list):
            flat.extend(_flatten(part["allOf"]))
            part = {k: v for k, v in part.items() if k != "allOf"}
        flat.append(part)
    return flat


def merge_branch(schema: Schema, index: int) -> Schema:
    word = "oneOf" if "oneOf" in schema else "anyOf"
    rest = {k: v for k, v in schema.items() if k not in (word, "discriminator", "example")}
    return merge([rest, schema[word][index]])


def _merge_key(key: str, old: Any, new: Any) -> Any:
    if key == "properties" and isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: merge([old[k], v]) if k in old else v for k, v in new.items()}}
    if key in ("items", "additionalProperties"):
        if isinstance(old, dict) and isinstance(new, dict):
            return merge([old, new])
        return old if new is True or (isinstance(old, dict) and new is not False) else new
    if key == "required" and isinstance(old, list) and isinstance(new, list):
        return list(dict.fromkeys([*old, *new]))
    if key == "type" and {old, new} == {"integer", "number"}:
        return "integer"
    if key == "enum" and isinstance(old, list) and isinstance(new, list):
        return [v for v in old if v in new] or old
    both_numbers = is_number(old) and is_number(new)
    if key in ("minimum", "minLength", "minItems", "minProperties") and both_numbers:
        return max(old, new)
    if key in ("maximum", "maxLength", "maxItems", "maxProperties") and both_numbers:
        return min(old, new)
    if key in ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems"):
        return old is True or new is True
    if key == "multipleOf" and all(isinstance(v, int) for v in (old, new)):
        return math.lcm(old, new)
    return old


def length_fits(value: Any, schema: Schema) -> bool:
    if not isinstance(value, str):
        return False
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    return len(value) >= low and (not isinstance(high, int) or len(value) <= high)
