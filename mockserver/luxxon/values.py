"""Luxxon's value rules for generated bodies: WHIP/WHEP URLs on Cloudflare Stream, µUSDC amounts
and chain values on Base, `0x` wallets and hashes, supplier names, scopes, `field:reason` details."""

from __future__ import annotations

import string

from mockserver.fake.names import NEUTRAL, Producer, Source, ValueRules, as_kind

_S = frozenset({"string"})
_SN = frozenset({"string", "integer", "number"})


def _cloudflare(run: Source, tail: str) -> str:
    code = "".join(run.rng.choices(string.ascii_lowercase + string.digits, k=16))
    return f"https://customer-{code}.cloudflarestream.com/{tail}"


# Where one of these could take a name from a neutral rule, the neutral rule comes first
# (`emailAddress` is an email, `amountUpdatedAt` a time): hence the look-aheads. `company` is
# the neutral rule's tag (`…name`) with a producer of Luxxon's own.
_NAMES = (
    ("chain_id", r"^chainid$", ""),
    ("whip", r"^whip.*url$", ""),
    ("whep", r"^whep.*url$", ""),
    ("tx_hash", r"hash$", ""),
    ("signature", r"signature$", ""),
    ("rate", r"^rate.*usdc$", ""),
    ("micro", r"usdc$|^amount(?!.*at$)|balance(?!.*at$)", ""),
    ("block", r"block(number)?$", ""),
    ("address", r"^(?!.*email).*(address|wallet)$", ""),
    ("chain_name", r"^(chainname|network|networkname)$", ""),
    ("detail", r"^detail$", ""),
    ("scope", r"^(scope|scopes|permission|permissions)$", ""),
)

_PRODUCERS: dict[str, Producer] = {
    "address": lambda r, k: "0x" + r.hex(40),
    "tx_hash": lambda r, k: "0x" + r.hex(64),
    "signature": lambda r, k: "0x" + r.hex(130),
    "rate": lambda r, k: as_kind(k, r.rng.randint(1, 50) * 100),
    "micro": lambda r, k: as_kind(k, r.rng.randint(1, 50_000) * 1000),
    "block": lambda r, k: as_kind(k, r.rng.randint(10_000_000, 70_000_000)),
    "chain_id": lambda r, k: as_kind(k, r.rng.choice((8453, 84532, 1, 11155111))),
    "whip": lambda r, k: _cloudflare(r, f"{r.hex(32)}k{r.hex(32)}/webRTC/publish"),
    "whep": lambda r, k: _cloudflare(r, f"{r.hex(32)}/webRTC/play"),
    "company": lambda r, k: (
        f"{r.faker.last_name()} {r.rng.choice(('Visuals', 'Media', 'Labs', 'Live'))}"
    ),
    "chain_name": lambda r, k: r.rng.choice(("Base Sepolia", "Base", "Ethereum", "Sepolia")),
    "detail": lambda r, k: f"{r.faker.word()}:{r.faker.word()}",
    "scope": lambda r, k: (
        f"{r.rng.choice(('sessions', 'pricing', 'wallet'))}:{r.rng.choice(('read', 'create'))}"
    ),
}

_TYPES = {tag: _S for tag in _PRODUCERS} | {
    "micro": _SN,
    "rate": _SN,
    "block": _SN,
    "chain_id": _SN,
}

VALUE_RULES = ValueRules(_NAMES, _PRODUCERS, _TYPES).before(NEUTRAL)
