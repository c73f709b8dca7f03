"""One world's data and its indexes: every lookup a request makes is a dict access."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import random
from collections import deque

from mockserver.luxxon.world.fixture import Rules
from mockserver.luxxon.world.model import (
    OPEN,
    ApiKey,
    Nonce,
    Quote,
    Session,
    SettleState,
    Workspace,
)
from mockserver.luxxon.world.timeline import Timeline

_TOKEN_HEAD = b"\x1a\x01\x00"  # ZedTokens are base64 protobufs; ours read "GgEA…" like the docs'
# What uuid.UUID(int=…, version=4) does to the 128 random bits: the variant and version nibbles.
_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_V4_SET = (0x8000 << 48) | (4 << 76)
_URLSAFE = bytes.maketrans(b"+/", b"-_")  # base64.urlsafe_b64encode, minus its overhead


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
        self.closed: dict[str, deque[str]] = {}  # workspace id -> its closed sessions, oldest first
        self.video_available = rules.video_available
        self.video_dropped: set[str] = set()  # LIVE publishers an outage dropped (controls.py)
        self.revision = 0

    # identifiers -----------------------------------------------------------------------------
    def uuid(self) -> str:
        """A version-4 UUID from the world's generator, as `str(uuid.UUID(int=…, version=4))`
        writes it (formatted here: the `UUID` object cost more than the draw)."""
        h = f"{self.rng.getrandbits(128) & _V4_CLEAR | _V4_SET:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

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
        return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE).decode().rstrip("=")

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

    # the memory ceiling (docs/limits.md) -------------------------------------------------------
    def session_closed(self, s: Session) -> None:
        """Note a session that reached ENDED, EXPIRED or CANCELLED; each side keeps its latest
        `keep_closed`, and older ones are forgotten once their settlement (if any) is final."""
        for ws_id in (s.consumer_id, s.operator_id):
            if ws_id is None:
                continue
            closed = self.closed.setdefault(ws_id, deque())
            closed.append(s.id)
            while len(closed) > self.rules.keep_closed and self._forget(closed[0]):
                closed.popleft()

    def _forget(self, session_id: str) -> bool:
        """Drop a closed session everywhere (False: not yet, its settlement is still moving)."""
        s = self.sessions.get(session_id)
        if s is None:
            return True  # forgotten already, by the other side's count
        if s.state in OPEN or (s.settlement and s.settlement.state != SettleState.CONFIRMED):
            return False
        del self.sessions[session_id]
        for ws_id in (s.consumer_id, s.operator_id):
            side = self.workspaces[ws_id].sessions if ws_id is not None else []
            if session_id in side:
                side.remove(session_id)
        if s.video is not None:
            self.inputs.pop(s.video.ref, None)
        return True

    def purge(self, kind: str, ref: str) -> None:
        """A quote or nonce whose time is over (plus `rules.keep_expired`, so it still answers
        "expired" for a while rather than "unknown"), dropped by the timeline."""
        if kind == "quote":
            self.quotes.pop(ref, None)
        else:
            self.nonces.pop(ref, None)


@functools.lru_cache(maxsize=1024)  # the same few keys arrive on every request
def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()
