"""Realistic values from OpenAPI 3.0 schemas: the spec's own examples first, then faker.

A value depends only on (seed, key, schema), so one seed replays the same bytes in any process.
Nothing here knows HTTP or the engine; property-name heuristics only fill what the schema allows.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import random
import re
import string
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from faker import Faker

Schema = dict[str, Any]

_BASE_MS = 1_778_673_600_000  # 2026-05-13T12:00:00Z: fixed, so a seed replays the same timestamps
_MONTH_MS = 30 * 86_400_000
_MAX_DEPTH = 40
_MEMO_LIMIT = 4096
_NULL_CHANCE = 0.1  # dynamic mode: nullable values are mostly real values
_COMPOSITIONS = ("allOf", "oneOf", "anyOf", "not")
_PRINTABLE = string.ascii_letters + string.digits + " -_.:"
_CATEGORIES = {  # regex class -> the characters we emit for it and a membership test
    "CATEGORY_DIGIT": (string.digits, str.isdigit),
    "CATEGORY_NOT_DIGIT": (string.ascii_letters, lambda c: not c.isdigit()),
    "CATEGORY_SPACE": (" ", str.isspace),
    "CATEGORY_NOT_SPACE": (string.ascii_letters + string.digits, lambda c: not c.isspace()),
    "CATEGORY_WORD": (
        string.ascii_letters + string.digits + "_",
        lambda c: c.isalnum() or c == "_",
    ),
    "CATEGORY_NOT_WORD": (" -.:", lambda c: not (c.isalnum() or c == "_")),
}


class Generator:
    """Turns a dereferenced schema into a value; build one per app and call it per request."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = random.SystemRandom().randrange(2**63) if seed is None else seed
        self._memo = _Memo()

    def generate(self, schema: dict[str, Any], key: str, *, use_examples: bool = True) -> Any:
        digest = hashlib.blake2b(f"{self.seed}:{key}".encode(), digest_size=16).digest()
        run = _Run(digest, use_examples, self._memo)
        return run.value(schema, "", 0)


@functools.cache
def _faker() -> Faker:
    # One instance, re-seeded per call: constructing Faker costs ~20 ms, importing it ~150 ms.
    from faker import Faker

    return Faker("en_US")


@functools.cache
def _validator_class() -> Any:
    from openapi_schema_validator import OAS30Validator

    return OAS30Validator


class _Memo:
    """Per-schema work done once: allOf merges and example/branch checks, keyed by identity."""

    def __init__(self) -> None:
        self._merged: dict[tuple[int, int], tuple[Schema, Schema]] = {}
        self._validators: dict[int, tuple[Schema, Any]] = {}
        self._examples: dict[int, tuple[Schema, bool]] = {}

    def merged(self, schema: Schema, branch: int = -1) -> Schema:
        """allOf flattened; with a branch, that oneOf/anyOf branch merged into the rest."""
        slot = (id(schema), branch)
        hit = self._merged.get(slot)
        if hit is None:
            hit = (schema, _merge_branch(schema, branch) if branch >= 0 else _merge([schema]))
            self._merged = _bounded(self._merged)
            self._merged[slot] = hit
        return hit[1]

    def example_ok(self, schema: Schema) -> bool:
        hit = self._examples.get(id(schema))
        if hit is None:
            hit = (schema, self.matches(schema, schema["example"]))
            self._examples = _bounded(self._examples)
            self._examples[id(schema)] = hit
        return hit[1]

    def matches(self, schema: Schema, value: Any) -> bool:
        hit = self._validators.get(id(schema))
        if hit is None:
            cls = _validator_class()
            hit = (schema, cls(schema, format_checker=cls.FORMAT_CHECKER))
            self._validators = _bounded(self._validators)
            self._validators[id(schema)] = hit
        try:
            return bool(hit[1].is_valid(value))
        except Exception:  # an unresolvable $ref or a broken keyword: treat as "does not match"
            return False


def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
    return {} if len(cache) >= _MEMO_LIMIT else cache


class _Run:
    """One generate() call: its own random stream and a lazily seeded faker."""

    def __init__(self, digest: bytes, use_examples: bool, memo: _Memo) -> None:
        self.rng = random.Random(int.from_bytes(digest[:8], "big"))
        self._faker_seed = int.from_bytes(digest[8:], "big")
        self._faker_seeded = False
        self.use_examples = use_examples
        self.memo = memo

    @property
    def faker(self) -> Faker:
        fake = _faker()
        if not self._faker_seeded:
            fake.seed_instance(self._faker_seed)
            self._faker_seeded = True
        return fake

    def value(self, schema: Any, name: str, depth: int) -> Any:
        if not isinstance(schema, dict):
            schema = {}
        if depth > _MAX_DEPTH or "$ref" in schema:
            return {}  # a reference cycle the spec loader left in place
        if self.use_examples and "example" in schema and self.memo.example_ok(schema):
            return _clone(schema["example"])
        if "allOf" in schema:
            return self.value(self.memo.merged(schema), name, depth + 1)
        if "oneOf" in schema or "anyOf" in schema:
            return self.one_of(schema, name, depth)
        if not self.use_examples and _null_ok(schema) and self.rng.random() < _NULL_CHANCE:
            return None
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.enum(schema)
        kind = _type_of(schema)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind in ("integer", "number"):
            return self.number(schema, name, kind)
        if kind == "boolean":
            return self.rng.random() < 0.5
        return self.string(schema, name)

    def enum(self, schema: Schema) -> Any:
        values = [v for v in schema["enum"] if _type_ok(v, schema)] or schema["enum"]
        return _clone(self.rng.choice([v for v in values if v is not None] or values))

    def one_of(self, schema: Schema, name: str, depth: int) -> Any:
        word = "oneOf" if "oneOf" in schema else "anyOf"
        branches = schema[word] if isinstance(schema[word], list) else []
        if not branches:
            return self.value({k: v for k, v in schema.items() if k != word}, name, depth + 1)
        start = self.rng.randrange(len(branches))
        disc = schema.get("discriminator")
        checked = word == "oneOf" and not isinstance(disc, dict) and not _disjoint(branches)
        value: Any = None
        for attempt in range(3 * len(branches) if checked else 1):
            index = (start + attempt) % len(branches)
            hint = name if attempt < len(branches) else ""  # a name rule may fit two branches
            value = self.value(self.memo.merged(schema, index), hint, depth + 1)
            if isinstance(disc, dict) and isinstance(value, dict):
                tag = _tag(disc, branches, index, self.memo.merged(schema, index))
                if tag is not None:
                    value[str(disc.get("propertyName"))] = tag
            if not checked or self._only_match(branches, index, value):
                break
        return value

    def _only_match(self, branches: list[Any], index: int, value: Any) -> bool:
        return not any(
            self.memo.matches(b, value)
            for i, b in enumerate(branches)
            if i != index and isinstance(b, dict)
        )

    def object(self, schema: Schema, depth: int) -> dict[str, Any]:
        props: Schema = _dict(schema.get("properties"))
        required = [r for r in schema.get("required", ()) if isinstance(r, str)]
        extra = schema.get("additionalProperties", True)
        names = [n for n in props if n in required or not _is_ref(props[n])]
        limit = schema.get("maxProperties")
        if isinstance(limit, int) and len(names) > limit:
            names = [n for n in names if n in required] + [n for n in names if n not in required]
            names = names[: max(limit, len([n for n in names if n in required]))]
        out = {n: self.value(props[n], n, depth + 1) for n in names}
        for name in required:
            if name not in out:
                out[name] = self.value(extra if isinstance(extra, dict) else {}, name, depth + 1)
        wanted = schema.get("minProperties", 0)
        counter = 0
        while isinstance(wanted, int) and len(out) < wanted and extra is not False:
            counter += 1
            if f"extra{counter}" not in out:
                filler = extra if isinstance(extra, dict) else {}
                out[f"extra{counter}"] = self.value(filler, "", depth + 1)
        return out

    def array(self, schema: Schema, name: str, depth: int) -> list[Any]:
        items = schema.get("items", {})
        low = max(int(schema.get("minItems", 0)), 1)
        high = max(low, 3 if not self.use_examples else 1)  # examples: one item, not copies of it
        if isinstance(schema.get("maxItems"), int):
            high = min(high, schema["maxItems"])
            low = min(low, high)
        if _is_ref(items):
            low = high = min(int(schema.get("minItems", 0)), high)
        count = self.rng.randint(low, high)
        strict = schema.get("uniqueItems") is True
        out: list[Any] = []
        seen: set[str] = set()
        for attempt in range(count * 8):
            if len(out) >= count:
                break
            item = (
                self.value(items, name, depth + 1)
                if attempt < count
                else self.dynamic(items, name, depth)
            )
            # Distinct items even without uniqueItems where cheap (["CONSUMER", "CONSUMER"] looks
            # broken); a repeat is kept once retries run out, unless uniqueItems forbids it.
            if strict or not isinstance(item, dict | list):
                canon = _canonical(item)
                if canon in seen and (strict or attempt < count * 4):
                    continue
                seen.add(canon)
            out.append(item)
        return out

    def dynamic(self, schema: Any, name: str, depth: int) -> Any:
        """A faked value even in example mode (an example repeated breaks uniqueItems)."""
        saved, self.use_examples = self.use_examples, False
        try:
            return self.value(schema, name, depth + 1)
        finally:
            self.use_examples = saved

    def number(self, schema: Schema, name: str, kind: str) -> int | float:
        tag = _rule(name)
        if tag is not None and kind in _RULE_TYPES[tag]:
            candidate: int | float = _PRODUCERS[tag](self, kind)
            if _number_fits(candidate, schema, kind):
                return candidate
        return _integer(self.rng, schema) if kind == "integer" else _float(self.rng, schema)

    def string(self, schema: Schema, name: str) -> str:
        fmt = schema.get("format")
        if isinstance(schema.get("pattern"), str):
            return self.pattern(schema)
        if fmt == "byte":
            return _base64(self.rng, schema)
        tag = _FORMATS.get(fmt) if isinstance(fmt, str) else None
        if tag is None:
            tag = _rule(name)
            tag = tag if tag is not None and "string" in _RULE_TYPES[tag] else None
        if tag is not None:
            candidate = _PRODUCERS[tag](self, "string")
            if _length_fits(candidate, schema):
                return str(candidate)
        return self.text(schema)

    def text(self, schema: Schema) -> str:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        text = self.faker.word()
        if len(text) < low:
            text += "".join(self.rng.choices(string.ascii_lowercase, k=low - len(text)))
        return text[:high] if isinstance(high, int) else text

    def pattern(self, schema: Schema) -> str:
        pattern = schema["pattern"]
        candidate = self.text(schema)
        try:
            tree = _parse_regex(pattern)
        except (re.error, RecursionError, OverflowError):
            return candidate  # not a pattern Python can read: best effort
        for _ in range(8):
            candidate = _emit(tree, self.rng, {})
            if _length_fits(candidate, schema) and re.search(pattern, candidate):
                break
        return candidate

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(digits * 4):0{digits}x}"


def _type_of(schema: Schema) -> str:
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


def _type_ok(value: Any, schema: Schema) -> bool:
    if value is None:
        return schema.get("nullable") is True or "type" not in schema
    kind = schema.get("type")
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: _is_number(v) and float(v).is_integer(),
        "number": _is_number,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    return kind not in checks or checks[kind](value)


def _dict(value: Any) -> Schema:
    return value if isinstance(value, dict) else {}


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _null_ok(schema: Schema) -> bool:
    if schema.get("nullable") is not True or any(k in schema for k in _COMPOSITIONS):
        return False
    return "enum" not in schema or None in schema["enum"]


def _is_ref(schema: Any) -> bool:
    return isinstance(schema, dict) and "$ref" in schema


def _disjoint(branches: list[Any]) -> bool:
    """Branches that no value can satisfy twice, so oneOf needs no check after picking."""
    kinds = [b.get("type") if isinstance(b, dict) else None for b in branches]
    if not all(isinstance(k, str) for k in kinds) or len(set(kinds)) != len(kinds):
        return False
    nullable = sum(1 for b in branches if b.get("nullable") is True)
    return not {"integer", "number"} <= set(kinds) and nullable <= 1


def _tag(disc: dict[str, Any], branches: list[Any], index: int, merged: Schema) -> str | None:
    """The discriminator value that names branch `index` (`merged`: that branch, allOf flattened)."""
    prop = disc.get("propertyName")
    mapping = _dict(disc.get("mapping"))
    branch = _dict(branches[index])
    own = _dict(merged.get("properties")).get(str(prop))
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


def _merge(schemas: list[Any]) -> Schema:
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


def _merge_branch(schema: Schema, index: int) -> Schema:
    word = "oneOf" if "oneOf" in schema else "anyOf"
    rest = {k: v for k, v in schema.items() if k not in (word, "discriminator", "example")}
    return _merge([rest, schema[word][index]])


def _merge_key(key: str, old: Any, new: Any) -> Any:
    if key == "properties" and isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merge([old[k], v]) if k in old else v for k, v in new.items()}}
    if key in ("items", "additionalProperties"):
        if isinstance(old, dict) and isinstance(new, dict):
            return _merge([old, new])
        return old if new is True or (isinstance(old, dict) and new is not False) else new
    if key == "required" and isinstance(old, list) and isinstance(new, list):
        return list(dict.fromkeys([*old, *new]))
    if key == "type" and {old, new} == {"integer", "number"}:
        return "integer"
    if key == "enum" and isinstance(old, list) and isinstance(new, list):
        return [v for v in old if v in new] or old
    both_numbers = _is_number(old) and _is_number(new)
    if key in ("minimum", "minLength", "minItems", "minProperties") and both_numbers:
        return max(old, new)
    if key in ("maximum", "maxLength", "maxItems", "maxProperties") and both_numbers:
        return min(old, new)
    if key in ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems"):
        return old is True or new is True
    if key == "multipleOf" and all(isinstance(v, int) for v in (old, new)):
        return math.lcm(old, new)
    return old


def _number_fits(value: Any, schema: Schema, kind: str) -> bool:
    if kind == "integer" and not float(value).is_integer():
        return False
    low, high = schema.get("minimum"), schema.get("maximum")
    if _is_number(low) and (
        value < low or (value == low and schema.get("exclusiveMinimum") is True)
    ):
        return False
    if _is_number(high) and (
        value > high or (value == high and schema.get("exclusiveMaximum") is True)
    ):
        return False
    step = schema.get("multipleOf")
    return not _is_number(step) or _multiple(value, step)


def _multiple(value: int | float, step: int | float) -> bool:
    # The same arithmetic as jsonschema's multipleOf, so "fits" means "validates".
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return (Fraction(value) / Fraction(step)).denominator == 1
    return not value % step


def _length_fits(value: Any, schema: Schema) -> bool:
    if not isinstance(value, str):
        return False
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    return len(value) >= low and (not isinstance(high, int) or len(value) <= high)


def _bounds(schema: Schema, integer: bool) -> tuple[float, float, bool, bool]:
    low, high = schema.get("minimum"), schema.get("maximum")
    low = low if _is_number(low) else None
    high = high if _is_number(high) else None
    if low is None:
        low = 0 if high is None or high > 0 else high - 1000
    if high is None:
        high = low + 1000
    if integer and schema.get("format") == "int32":
        low, high = max(low, -(2**31) + 1), min(high, 2**31 - 1)
    if integer and schema.get("format") == "int64":
        low, high = max(low, -(2**63) + 1), min(high, 2**63 - 1)
    excl_low = schema.get("exclusiveMinimum") is True and low == schema.get("minimum")
    excl_high = schema.get("exclusiveMaximum") is True and high == schema.get("maximum")
    return low, high, excl_low, excl_high


def _integer(rng: random.Random, schema: Schema) -> int:
    low, high, excl_low, excl_high = _bounds(schema, integer=True)
    first = math.ceil(low) + (1 if excl_low and float(low).is_integer() else 0)
    last = math.floor(high) - (1 if excl_high and float(high).is_integer() else 0)
    if first > last:
        return first
    step = schema.get("multipleOf")
    if not (_is_number(step) and step > 0):
        return rng.randint(first, last)
    unit = (
        int(step) if float(step).is_integer() else Fraction(step).limit_denominator(10**6).numerator
    )
    k_first, k_last = -(-first // unit), last // unit
    value = first
    for _ in range(16):  # float steps: jsonschema's float arithmetic decides, so check each pick
        value = (
            rng.randint(k_first, k_last) * unit if k_first <= k_last else rng.randint(first, last)
        )
        if _multiple(value, step):
            break
    return value


def _float(rng: random.Random, schema: Schema) -> int | float:
    low, high, excl_low, _ = _bounds(schema, integer=False)
    step = schema.get("multipleOf")
    if _is_number(step) and step > 0:
        k_first, k_last = math.ceil(low / step), math.floor(high / step)
        for _ in range(8):
            k = rng.randint(k_first, k_last) if k_first <= k_last else k_first
            value = k * step
            if _number_fits(value, schema, "number"):
                return value
        return _integer(rng, schema)
    value = round(rng.uniform(low, high), 2)
    if not (math.isfinite(value) and _number_fits(value, schema, "number")):
        value = low / 2 + high / 2
    return value if _number_fits(value, schema, "number") else low if not excl_low else high


def _base64(rng: random.Random, schema: Schema) -> str:
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    chars = max(-(-low // 4) * 4, 16)
    if isinstance(high, int) and chars > high:
        chars = high // 4 * 4
    return base64.b64encode(rng.randbytes(chars // 4 * 3)).decode()


def _canonical(value: Any) -> str:
    """A key under which jsonschema's uniqueItems sees equal values as equal (1 == 1.0, not True)."""

    def norm(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return [norm(x) for x in v] if isinstance(v, list) else v

    return json.dumps(norm(value), sort_keys=True)


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    return [_clone(v) for v in value] if isinstance(value, list) else value


# --- property names and formats ------------------------------------------------------------

_S = frozenset({"string"})
_N = frozenset({"integer", "number"})
_SN = _S | _N

# (tag, regex on the name lower-cased without "_" and "-", regex on the name as written or "").
# First match wins, so the specific rules come before the broad ones.
_NAME_RULES: tuple[tuple[str, str, str], ...] = (
    ("chain_id", r"^chainid$", ""),
    ("email", r"email", ""),
    ("ip", r"^(ip|ipaddress|ipv4)$", ""),
    ("uuid", r"^(id|uuid|guid)$", r"(Id|ID|_id|Uuid)$"),
    ("datetime", r"^(timestamp|datetime|time|expires|expiry)$", r"(At|_at|End|Time|Timestamp)$"),
    ("whip", r"^whip.*url$", ""),
    ("whep", r"^whep.*url$", ""),
    ("url", r"(url|uri)$|^(href|link|website)$", ""),
    ("tx_hash", r"hash$", ""),
    ("signature", r"signature$", ""),
    ("sha", r"sha$", ""),
    ("rate", r"^rate.*usdc$", ""),
    ("micro", r"usdc$|^amount|balance", ""),
    ("block", r"block(number)?$", ""),
    ("address", r"(address|wallet)$", ""),
    ("lat", r"^(lat|latitude)$", r"(Lat|Latitude)$"),
    ("lng", r"^(lng|lon|long|longitude)$", r"(Lng|Lon|Longitude)$"),
    ("token", r"(token|secret|plaintext|apikey|password)$", ""),
    ("nonce", r"nonce$", ""),
    ("hex_ref", r"ref$", ""),
    ("slug", r"slug$", ""),
    ("person", r"^(displayname|fullname|contactname|author)$", ""),
    ("user_name", r"^(username|handle|login)$", ""),
    ("chain_name", r"^(chainname|network|networkname)$", ""),
    ("company", r"name$", ""),
    ("label", r"^(label|title|subject|caption)$", ""),
    ("sentence", r"^(message|description|summary|comment|note|reason|text)$", ""),
    ("version", r"version$", ""),
    ("status_code", r"^(statuscode|status)$", ""),
    ("error_code", r"^(code|errorcode)$", ""),
    ("detail", r"^detail$", ""),
    ("scope", r"^(scope|scopes|permission|permissions)$", ""),
    ("seconds", r"(seconds|secs|duration)$", ""),
    ("meters", r"(meters|metres)$", ""),
    ("factor", r"(factor|multiplier|ratio)$", ""),
    ("count", r"count$|^(total|requests|unmet|sequence|size|quantity)$", ""),
    ("prefix", r"prefix$", ""),
    ("phone", r"phone", ""),
)

_FORMATS = {
    "uuid": "uuid",
    "date-time": "datetime",
    "date": "date",
    "time": "time",
    "email": "email",
    "uri": "url",
    "url": "url",
    "uri-reference": "url",
    "hostname": "hostname",
    "ipv4": "ip",
    "ipv6": "ipv6",
    "binary": "binary",
    "password": "token",
}


@functools.lru_cache(maxsize=4096)
def _rule(name: str) -> str | None:
    if not name:
        return None
    flat = name.lower().replace("_", "").replace("-", "")
    for tag, flat_rule, written_rule in _NAME_RULES:
        if re.search(flat_rule, flat) or (written_rule and re.search(written_rule, name)):
            return tag
    return None


def _iso(rng: random.Random) -> str:
    ms = _BASE_MS - rng.randrange(_MONTH_MS)
    return (
        datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )


def _as(kind: str, value: int) -> int | str:
    return str(value) if kind == "string" else value


def _cloudflare(run: _Run, tail: str) -> str:
    code = "".join(run.rng.choices(string.ascii_lowercase + string.digits, k=16))
    return f"https://customer-{code}.cloudflarestream.com/{tail}"


_Producer = Callable[[_Run, str], Any]
_PRODUCERS: dict[str, _Producer] = {
    "uuid": lambda r, k: str(uuid.UUID(int=r.rng.getrandbits(128), version=4)),
    "datetime": lambda r, k: _iso(r.rng),
    "date": lambda r, k: _iso(r.rng)[:10],
    "time": lambda r, k: _iso(r.rng)[11:19],
    "address": lambda r, k: "0x" + r.hex(40),
    "tx_hash": lambda r, k: "0x" + r.hex(64),
    "signature": lambda r, k: "0x" + r.hex(130),
    "sha": lambda r, k: r.hex(40),
    "hex_ref": lambda r, k: r.hex(32),
    "nonce": lambda r, k: r.hex(32),
    "binary": lambda r, k: r.hex(16),
    "token": lambda r, k: base64.urlsafe_b64encode(r.rng.randbytes(24)).decode(),
    "rate": lambda r, k: _as(k, r.rng.randint(1, 50) * 100),
    "micro": lambda r, k: _as(k, r.rng.randint(1, 50_000) * 1000),
    "block": lambda r, k: _as(k, r.rng.randint(10_000_000, 70_000_000)),
    "count": lambda r, k: _as(k, r.rng.randint(0, 50)),
    "chain_id": lambda r, k: _as(k, r.rng.choice((8453, 84532, 1, 11155111))),
    "status_code": lambda r, k: 200,
    "lat": lambda r, k: (
        round(r.rng.uniform(-90, 90), 6) if k == "number" else r.rng.randint(-90, 90)
    ),
    "lng": lambda r, k: (
        round(r.rng.uniform(-180, 180), 6) if k == "number" else r.rng.randint(-180, 180)
    ),
    "seconds": lambda r, k: r.rng.choice((30, 60, 120, 300, 600, 900, 1800, 3600)),
    "meters": lambda r, k: r.rng.choice((10, 50, 100, 250, 500, 1000, 5000)),
    "factor": lambda r, k: (
        round(r.rng.uniform(0.5, 2.0), 2) if k == "number" else r.rng.randint(1, 3)
    ),
    "whip": lambda r, k: _cloudflare(r, f"{r.hex(32)}k{r.hex(32)}/webRTC/publish"),
    "whep": lambda r, k: _cloudflare(r, f"{r.hex(32)}/webRTC/play"),
    "url": lambda r, k: f"https://{r.faker.word()}.example.com/{r.faker.word()}",
    "hostname": lambda r, k: f"{r.faker.word()}.example.com",
    "ip": lambda r, k: r.faker.ipv4_public(),
    "ipv6": lambda r, k: r.faker.ipv6(),
    "email": lambda r, k: f"{r.faker.first_name()}.{r.faker.last_name()}@example.com".lower(),
    "slug": lambda r, k: "-".join(r.faker.words(2)).lower(),
    "person": lambda r, k: r.faker.name(),
    "user_name": lambda r, k: r.faker.user_name(),
    "company": lambda r, k: (
        f"{r.faker.last_name()} {r.rng.choice(('Visuals', 'Media', 'Labs', 'Live'))}"
    ),
    "chain_name": lambda r, k: r.rng.choice(("Base Sepolia", "Base", "Ethereum", "Sepolia")),
    "label": lambda r, k: r.faker.sentence(nb_words=3).rstrip("."),
    "sentence": lambda r, k: r.faker.sentence(),
    "version": lambda r, k: f"{r.rng.randint(0, 3)}.{r.rng.randint(0, 20)}.{r.rng.randint(0, 9)}",
    "error_code": lambda r, k: "_".join(r.faker.words(2)).upper(),
    "detail": lambda r, k: f"{r.faker.word()}:{r.faker.word()}",
    "scope": lambda r, k: (
        f"{r.rng.choice(('sessions', 'pricing', 'wallet'))}:{r.rng.choice(('read', 'create'))}"
    ),
    "prefix": lambda r, k: f"{r.faker.word()}_{r.hex(8)}_",
    "phone": lambda r, k: r.faker.phone_number(),
}

_RULE_TYPES: dict[str, frozenset[str]] = {tag: _S for tag in _PRODUCERS} | {
    "micro": _SN,
    "rate": _SN,
    "block": _SN,
    "count": _SN,
    "chain_id": _SN,
    "lat": _N,
    "lng": _N,
    "seconds": _N,
    "meters": _N,
    "factor": _N,
    "status_code": _N,
}


# --- patterns (best effort: Python's own regex parser, walked to emit one match) -----------


@functools.lru_cache(maxsize=256)
def _parse_regex(pattern: str) -> Any:
    from re import _parser  # type: ignore[attr-defined]

    return _parser.parse(pattern)


def _emit(items: Any, rng: random.Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif name == "ANY":
            out.append(rng.choice(string.ascii_letters))
        elif name == "IN":
            out.append(_emit_in(arg, rng))
        elif name == "BRANCH":
            out.append(_emit(rng.choice(arg[1]), rng, groups))
        elif name == "SUBPATTERN":
            text = _emit(arg[-1], rng, groups)
            if arg[0]:
                groups[arg[0]] = text
            out.append(text)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            out.extend(_emit(sub, rng, groups) for _ in range(rng.randint(low, min(high, low + 3))))
        elif name == "ATOMIC_GROUP":
            out.append(_emit(arg, rng, groups))
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
    return "".join(out)  # anchors and lookarounds emit nothing


def _emit_in(items: Any, rng: random.Random) -> str:
    if items and str(items[0][0]) == "NEGATE":
        allowed = [c for c in _PRINTABLE if not _in_set(c, items[1:])]
        return rng.choice(allowed or ["~"])
    op, arg = rng.choice(items)
    if str(op) == "RANGE":
        return chr(rng.randint(arg[0], arg[1]))
    if str(op) == "CATEGORY":
        return rng.choice(_CATEGORIES[str(arg)][0] if str(arg) in _CATEGORIES else "a")
    return chr(arg)


def _in_set(char: str, items: Any) -> bool:
    code = ord(char)
    for op, arg in items:
        kind = str(op)
        if (kind == "LITERAL" and code == arg) or (kind == "RANGE" and arg[0] <= code <= arg[1]):
            return True
        if kind == "CATEGORY" and str(arg) in _CATEGORIES and _CATEGORIES[str(arg)][1](char):
            return True
    return False
