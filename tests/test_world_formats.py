"""The world's identifiers, tokens and timestamps are exactly what the standard library writes.

The mock formats these itself (clock.iso, Store.uuid, Store.consistency_token) because the
standard library's way cost a good part of a write; these tests hold the shortcuts to the
originals, edge cases included.
"""

from __future__ import annotations

import base64
import math
import random
import uuid

import pytest

from mockserver.clock import LATEST, formatted, iso
from mockserver.luxxon.world.fixture import Rules
from mockserver.luxxon.world.store import Store

EDGES = [
    0.0,
    1e-9,
    0.9999,
    0.99989999,
    0.9999994,
    0.9999995,
    0.9999996,
    0.9999999,
    1_747_137_600.0,
    1_747_137_600.0005,
    1_747_137_600.9995,
    1_747_137_600.99995,
    1_747_137_600.9999995,
    1_747_137_600 + 1 - 2**-22,
    LATEST,
    LATEST - 0.0001,
    LATEST + 1,
    253_402_300_799.0,
    253_402_300_799.5,
    1e20,
    -0.5,
    -1.0,
    math.inf,
]


def _iso_or_error(fn: object, ts: float) -> str:
    try:
        return fn(ts)  # type: ignore[operator, no-any-return]
    except (ValueError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("ts", EDGES)
def test_iso_writes_what_strftime_writes_at_the_edges(ts: float) -> None:
    assert _iso_or_error(iso, ts) == _iso_or_error(formatted, ts)


def test_iso_writes_what_strftime_writes_for_any_instant() -> None:
    rng = random.Random(12)
    instants = [rng.uniform(0, LATEST) for _ in range(5_000)]
    instants += [1.7e9 + rng.random() * 1e6 for _ in range(5_000)]  # around now, sub-second
    instants += [math.floor(rng.uniform(0, 4e9)) + 1 - rng.random() * 1e-5 for _ in range(2_000)]
    assert [iso(ts) for ts in instants] == [formatted(ts) for ts in instants]


def test_iso_refuses_nan_as_strftime_does() -> None:
    with pytest.raises(ValueError):
        formatted(math.nan)
    with pytest.raises(ValueError):
        iso(math.nan)


def _store(seed: int) -> Store:
    return Store(Rules(), 0.0, random.Random(seed))


def test_store_uuid_is_the_version_4_uuid_of_the_same_draw() -> None:
    store, draws = _store(7), random.Random(7)
    for _ in range(5_000):
        made = store.uuid()
        assert made == str(uuid.UUID(int=draws.getrandbits(128), version=4))
    assert uuid.UUID(made).version == 4


@pytest.mark.parametrize("revision", [0, 1, 255, 256, 65_535, 2**40, 2**48 + 12_345, 2**64 - 2])
def test_consistency_token_is_the_unpadded_urlsafe_base64_of_the_revision(revision: int) -> None:
    store = _store(1)
    store.revision = revision
    token = store.consistency_token()
    raw = b"\x1a\x01\x00" + (revision + 1).to_bytes(8, "big")
    assert token == base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert token.startswith("GgEA") and Store.is_consistency_token(token)
