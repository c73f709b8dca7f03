"""Numbers within a schema's minimum, maximum, exclusive bounds and multipleOf."""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

from mockserver.fake.schemas import Schema, is_number


def number_fits(value: Any, schema: Schema, kind: str) -> bool:
    if kind == "integer" and not float(value).is_integer():
        return False
    low, high = schema.get("minimum"), schema.get("maximum")
    if is_number(low) and (
        value < low or (value == low and schema.get("exclusiveMinimum") is True)
    ):
        return False
    if is_number(high) and (
        value > high or (value == high and schema.get("exclusiveMaximum") is True)
    ):
        return False
    step = schema.get("multipleOf")
    return not is_number(step) or _multiple(value, step)


def _multiple(value: int | float, step: int | float) -> bool:
    # The same arithmetic as jsonschema's multipleOf, so "fits" means "validates".
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return (Fraction(value) / Fraction(step)).denominator == 1
    return not value % step


def _bounds(schema: Schema, integer: bool) -> tuple[float, float, bool, bool]:
    low, high = schema.get("minimum"), schema.get("maximum")
    low = low if is_number(low) else None
    high = high if is_number(high) else None
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


def sample_integer(rng: random.Random, schema: Schema) -> int:
    low, high, excl_low, excl_high = _bounds(schema, integer=True)
    first = math.ceil(low) + (1 if excl_low and float(low).is_integer() else 0)
    last = math.floor(high) - (1 if excl_high and float(high).is_integer() else 0)
    if first > last:
        return first
    step = schema.get("multipleOf")
    if not (is_number(step) and step > 0):
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


def sample_number(rng: random.Random, schema: Schema) -> int | float:
    low, high, excl_low, _ = _bounds(schema, integer=False)
    step = schema.get("multipleOf")
    if is_number(step) and step > 0:
        k_first, k_last = math.ceil(low / step), math.floor(high / step)
        for _ in range(8):
            k = rng.randint(k_first, k_last) if k_first <= k_last else k_first
            value = k * step
            if number_fits(value, schema, "number"):
                return value
        return sample_integer(rng, schema)
    value = round(rng.uniform(low, high), 2)
    if not (math.isfinite(value) and number_fits(value, schema, "number")):
        value = low / 2 + high / 2
    return value if number_fits(value, schema, "number") else low if not excl_low else high
