"""One world's data and its indexes: every lookup a request makes is a dict access."""

from __future__ import annotations

import base64
import functools
import hashlib
import random
import uuid

from mockserver.luxxon.world.fixture import Rules
from mockserver.luxxon.world.model import ApiKey, Nonce, Quote, Session, Workspace
from mockserver.luxxon.world.timeline import Timeline

_TOKEN_HEAD = b"\x1a\x01\x00"  # ZedTokens are base64 protobufs; ours read "GgEA…" like the docs'


class Store:
    def __init__(self, rules: Rules, now: float, rng: random.Random) -> None:
        self.rules = rules
        self.t0 = now  # when the world began: fixture times count back from here
        self.rng = rng
        self.workspaces: dict[str, Workspace] = {}
        self.slugs: dict[str, str] = {}
        self.memberships: dict[str, dict[str, str]] = {}  # lower wallet -> workspace id -> role
        self.keys: dict[str, ApiKey] = {}
        self.keys_by_digest: dict[str, ApiKey] = {}
        self.sessions: dict[str, Session] = {}
        self.inputs: dict[str, str] = {}  # video backend ref -> session id
        self.quotes: dict[str, Quote] = {}
        self.nonces: dict[str, Nonce] = {}
        self.timeline = Timeline()
        self.video_available = rules.video_available
        self.revision = 0

    # identifiers -----------------------------------------------------------------------------
    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, nbytes: int) -> str:
        return f"{self.rng.getrandbits(8 * nbytes):0{2 * nbytes}x}"

    def tx_hash(self) -> str:
        return "0x" + self.hex(32)

    def block_at(self, t: float) -> int:
        """The simulated chain's block number at time t (one block every `block_seconds`)."""
        return self.rules.start_block + int((t - self.t0) // self.rules.block_seconds)

    def consistency_token(self) -> str:
        """A fresh ZedToken for an authz-relevant write."""
        self.revision += 1
        raw = _TOKEN_HEAD + self.revision.to_bytes(8, "big")
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def is_consistency_token(value: str) -> bool:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except ValueError:
            return False
        return len(raw) == len(_TOKEN_HEAD) + 8 and raw.startswith(_TOKEN_HEAD)

    # indexes ---------------------------------------------------------------------------------
    def add_workspace(self, ws: Workspace) -> None:
        self.workspaces[ws.id] = ws
        self.slugs[ws.slug] = ws.id

    def add_member(self, ws: Workspace, wallet: str, role: str) -> None:
        ws.members[wallet.lower()] = role
        self.memberships.setdefault(wallet.lower(), {})[ws.id] = role

    def role_of(self, wallet: str, workspace_id: str) -> str | None:
        return self.memberships.get(wallet.lower(), {}).get(workspace_id)

    def add_key(self, key: ApiKey) -> None:
        self.keys[key.id] = key
        self.keys_by_digest[key.digest] = key

    def key_for(self, plaintext: str) -> ApiKey | None:
        return self.keys_by_digest.get(digest(plaintext))

    def add_session(self, session: Session) -> None:
        self.sessions[session.id] = session
        self.workspaces[session.consumer_id].sessions.append(session.id)


@functools.lru_cache(maxsize=1024)  # the same few keys arrive on every request
def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()
