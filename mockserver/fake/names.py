"""Property names and formats mapped to tags, and the producer that fakes each tag."""

from __future__ import annotations

import base64
import functools
import random
import re
import string
import uuid
from collections.abc import Callable
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


@functools.lru_cache(maxsize=4096)
def rule(name: str) -> str | None:
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


def _cloudflare(run: Source, tail: str) -> str:
    code = "".join(run.rng.choices(string.ascii_lowercase + string.digits, k=16))
    return f"https://customer-{code}.cloudflarestream.com/{tail}"


Producer = Callable[[Source, str], Any]
PRODUCERS: dict[str, Producer] = {
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

RULE_TYPES: dict[str, frozenset[str]] = {tag: _S for tag in PRODUCERS} | {
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


def base64_text(rng: random.Random, schema: Schema) -> str:
    """format: byte, sized to the schema's length limits (so not one of the PRODUCERS)."""
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    chars = max(-(-low // 4) * 4, 16)
    if isinstance(high, int) and chars > high:
        chars = high // 4 * 4
    return base64.b64encode(rng.randbytes(chars // 4 * 3)).decode()
