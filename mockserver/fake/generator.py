"""The walk: one schema in, one value out, drawing from a random stream seeded by (seed, key)."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import string
from typing import TYPE_CHECKING, Any

from mockserver.fake import regex
from mockserver.fake.bounds import number_fits, sample_integer, sample_number
from mockserver.fake.memo import Memo
from mockserver.fake.names import FORMATS, NEUTRAL, ValueRules, base64_text
from mockserver.fake.schemas import (
    Schema,
    as_dict,
    discriminator_tag,
    disjoint,
    is_ref,
    length_fits,
    null_ok,
    type_of,
    type_ok,
)

if TYPE_CHECKING:
    from faker import Faker

_MAX_DEPTH = 40
_NULL_CHANCE = 0.1  # dynamic mode: nullable values are mostly real values


class Generator:
    """Turns a dereferenced schema into a value; build one per app and call it per request."""

    def __init__(self, seed: int | None = None, rules: ValueRules | None = None) -> None:
        self.seed = random.SystemRandom().randrange(2**63) if seed is None else seed
        self.rules = rules or NEUTRAL
        self._memo = Memo()

    def generate(self, schema: dict[str, Any], key: str, *, use_examples: bool = True) -> Any:
        digest = hashlib.blake2b(f"{self.seed}:{key}".encode(), digest_size=16).digest()
        run = _Run(digest, use_examples, self._memo, self.rules)
        return run.value(schema, "", 0)


@functools.cache
def _faker() -> Faker:
    # One instance, re-seeded per call: constructing Faker costs ~20 ms, importing it ~150 ms.
    from faker import Faker

    return Faker("en_US")


class _Run:
    """One generate() call: its own random stream and a lazily seeded faker."""

    def __init__(self, digest: bytes, use_examples: bool, memo: Memo, rules: ValueRules) -> None:
        self.rules = rules
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
        if not self.use_examples and null_ok(schema) and self.rng.random() < _NULL_CHANCE:
            return None
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.enum(schema)
        kind = type_of(schema)
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
        values = [v for v in schema["enum"] if type_ok(v, schema)] or schema["enum"]
        return _clone(self.rng.choice([v for v in values if v is not None] or values))

    def one_of(self, schema: Schema, name: str, depth: int) -> Any:
        word = "oneOf" if "oneOf" in schema else "anyOf"
        branches = schema[word] if isinstance(schema[word], list) else []
        if not branches:
            return self.value({k: v for k, v in schema.items() if k != word}, name, depth + 1)
        start = self.rng.randrange(len(branches))
        disc = schema.get("discriminator")
        checked = word == "oneOf" and not isinstance(disc, dict) and not disjoint(branches)
        value: Any = None
        for attempt in range(3 * len(branches) if checked else 1):
            index = (start + attempt) % len(branches)
            hint = name if attempt < len(branches) else ""  # a name rule may fit two branches
            value = self.value(self.memo.merged(schema, index), hint, depth + 1)
            if isinstance(disc, dict) and isinstance(value, dict):
                tag = discriminator_tag(disc, branches, index, self.memo.merged(schema, index))
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
        props: Schema = as_dict(schema.get("properties"))
        required = [r for r in schema.get("required", ()) if isinstance(r, str)]
        extra = schema.get("additionalProperties", True)
        names = [n for n in props if n in required or not is_ref(props[n])]
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
        if is_ref(items):
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
        tag = self.rules.rule(name)
        if tag is not None and self.rules.fills(tag, kind):
            candidate: int | float = self.rules.producers[tag](self, kind)
            if number_fits(candidate, schema, kind):
                return candidate
        return (
            sample_integer(self.rng, schema)
            if kind == "integer"
            else sample_number(self.rng, schema)
        )

    def string(self, schema: Schema, name: str) -> str:
        fmt = schema.get("format")
        if isinstance(schema.get("pattern"), str):
            return self.pattern(schema)
        if fmt == "byte":
            return base64_text(self.rng, schema)
        tag = FORMATS.get(fmt) if isinstance(fmt, str) else None
        if tag is None:
            tag = self.rules.rule(name)
            tag = tag if tag is not None and self.rules.fills(tag, "string") else None
        if tag is not None:
            candidate = self.rules.producers[tag](self, "string")
            if length_fits(candidate, schema):
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
            tree = regex.parse(pattern)
        except (re.error, RecursionError, OverflowError):
            return candidate  # not a pattern Python can read: best effort
        for _ in range(8):
            candidate = regex.emit(tree, self.rng, {})
            if length_fits(candidate, schema) and re.search(pattern, candidate):
                break
        return candidate

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(digits * 4):0{digits}x}"


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
