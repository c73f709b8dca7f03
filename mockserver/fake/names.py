"""Property names and formats mapped to tags, and the producer that fakes each tag: the neutral
rules any spec gets; a flavor puts its own before them (`ValueRules.before`)."""

from __future__ import annotations

import base64
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from mockserver.fake.schemas import Schema

if TYPE_CHECKING:
    from faker import Faker

_BASE_MS = 1_778_673_600_000  # 2026-05-13T12:00:00Z: fixed, so a seed replays the same timestamps
_MONTH_MS = 30 * 86_400_000


class Source(Protocol):
    """What a producer draws from: one generate() call's random stream and seeded faker."""

    rng: random.Random

    @property
    def faker(self) -> Faker: ...

    def hex(self, digits: int) -> str: ...


_S = frozenset({"string"})
_N = frozenset({"integer", "number"})
_SN = _S | _N

# (tag, regex on the name lower-cased without "_" and "-", regex on the name as written or "").
# First match wins, so the specific rules come before the broad ones.
_NAME_RULES: tuple[tuple[str, str, str], ...] = (
    ("email", r"email", ""),
    ("ip", r"^(ip|ipaddress|ipv4)$", ""),
    ("uuid", r"^(id|uuid|guid)$", r"(Id|ID|_id|Uuid)$"),
    ("datetime", r"^(timestamp|datetime|time|expires|expiry)$", r"(At|_at|End|Time|Timestamp)$"),
    ("url", r"(url|uri)$|^(href|link|website)$", ""),
    ("sha", r"sha$", ""),
    ("lat", r"^(lat|latitude)$", r"(Lat|Latitude)$"),
    ("lng", r"^(lng|lon|long|longitude)$", r"(Lng|Lon|Longitude)$"),
    ("token", r"(token|secret|plaintext|apikey|password)$", ""),
    ("nonce", r"nonce$", ""),
    ("hex_ref", r"ref$", ""),
    ("slug", r"slug$", ""),
    ("person", r"^(displayname|fullname|contactname|author)$", ""),
    ("user_name", r"^(username|handle|login)$", ""),
    ("company", r"name$", ""),
    ("label", r"^(label|title|subject|caption)$", ""),
    ("sentence", r"^(message|description|summary|comment|note|reason|text)$", ""),
    ("version", r"version$", ""),
    ("status_code", r"^(statuscode|status)$", ""),
    ("error_code", r"^(code|errorcode)$", ""),
    ("seconds", r"(seconds|secs|duration)$", ""),
    ("meters", r"(meters|metres)$", ""),
    ("factor", r"(factor|multiplier|ratio)$", ""),
    ("count", r"count$|^(total|requests|unmet|sequence|size|quantity)$", ""),
    ("prefix", r"prefix$", ""),
    ("phone", r"phone", ""),
)

FORMATS = {
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


def _iso(rng: random.Random) -> str:
    ms = _BASE_MS - rng.randrange(_MONTH_MS)
    return (
        datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )


def as_kind(kind: str, value: int) -> int | str:
    """An integer as the JSON type asked for (amounts are often digit strings)."""
    return str(value) if kind == "string" else value


Producer = Callable[[Source, str], Any]
PRODUCERS: dict[str, Producer] = {
    "uuid": lambda r, k: str(uuid.UUID(int=r.rng.getrandbits(128), version=4)),
    "datetime": lambda r, k: _iso(r.rng),
    "date": lambda r, k: _iso(r.rng)[:10],
    "time": lambda r, k: _iso(r.rng)[11:19],
    "sha": lambda r, k: r.hex(40),
    "hex_ref": lambda r, k: r.hex(32),
    "nonce": lambda r, k: r.hex(32),
    "binary": lambda r, k: r.hex(16),
    "token": lambda r, k: base64.urlsafe_b64encode(r.rng.randbytes(24)).decode(),
    "count": lambda r, k: as_kind(k, r.rng.randint(0, 50)),
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
    "url": lambda r, k: f"https://{r.faker.word()}.example.com/{r.faker.word()}",
    "hostname": lambda r, k: f"{r.faker.word()}.example.com",
    "ip": lambda r, k: r.faker.ipv4_public(),
    "ipv6": lambda r, k: r.faker.ipv6(),
    "email": lambda r, k: f"{r.faker.first_name()}.{r.faker.last_name()}@example.com".lower(),
    "slug": lambda r, k: "-".join(r.faker.words(2)).lower(),
    "person": lambda r, k: r.faker.name(),
    "user_name": lambda r, k: r.faker.user_name(),
    "company": lambda r, k: r.faker.company(),
    "label": lambda r, k: r.faker.sentence(nb_words=3).rstrip("."),
    "sentence": lambda r, k: r.faker.sentence(),
    "version": lambda r, k: f"{r.rng.randint(0, 3)}.{r.rng.randint(0, 20)}.{r.rng.randint(0, 9)}",
    "error_code": lambda r, k: "_".join(r.faker.words(2)).upper(),
    "prefix": lambda r, k: f"{r.faker.word()}_{r.hex(8)}_",
    "phone": lambda r, k: r.faker.phone_number(),
}

_TYPES: dict[str, frozenset[str]] = {
    "count": _SN,
    "lat": _N,
    "lng": _N,
    "seconds": _N,
    "meters": _N,
    "factor": _N,
    "status_code": _N,
}


NameRule = tuple[str, str, str]


@dataclass(frozen=True)
class ValueRules:
    """Name → tag → producer: which property names get which kind of value. A flavor adds its
    own (`before` the neutral ones: the first rule that matches a name wins)."""

    names: tuple[NameRule, ...]
    producers: Mapping[str, Producer]
    types: Mapping[str, frozenset[str]]  # the JSON types a tag's producer can fill
    _seen: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def rule(self, name: str) -> str | None:
        if name in self._seen:
            return self._seen[name]
        tag = self._match(name) if name else None
        if len(self._seen) < 4096:
            self._seen[name] = tag
        return tag

    def _match(self, name: str) -> str | None:
        flat = name.lower().replace("_", "").replace("-", "")
        for tag, flat_rule, written_rule in self.names:
            if re.search(flat_rule, flat) or (written_rule and re.search(written_rule, name)):
                return tag
        return None

    def fills(self, tag: str, kind: str) -> bool:
        return kind in self.types.get(tag, _S)

    def before(self, base: ValueRules) -> ValueRules:
        """These rules first, then `base`'s."""
        return ValueRules(
            self.names + base.names,
            {**base.producers, **self.producers},
            {**base.types, **self.types},
        )


NEUTRAL = ValueRules(_NAME_RULES, PRODUCERS, _TYPES)


def base64_text(rng: random.Random, schema: Schema) -> str:
    """format: byte, sized to the schema's length limits (so not one of the PRODUCERS)."""
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    chars = max(-(-low // 4) * 4, 16)
    if isinstance(high, int) and chars > high:
        chars = high // 4 * 4
    return base64.b64encode(rng.randbytes(chars // 4 * 3)).decode()
