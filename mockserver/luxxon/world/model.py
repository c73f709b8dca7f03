"""The nouns of the Luxxon world as plain dataclasses; times are epoch seconds (floats)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class State(StrEnum):
    REQUESTED = "REQUESTED"
    ASSIGNED = "ASSIGNED"
    LIVE = "LIVE"
    PAUSED = "PAUSED"  # in the enum, on the roadmap: the world never enters it
    ENDED = "ENDED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


PRE_LIVE = frozenset({State.REQUESTED, State.ASSIGNED})
OPEN = frozenset({State.REQUESTED, State.ASSIGNED, State.LIVE})  # states that hold pool funds


class SettleState(StrEnum):
    NOT_READY = "NOT_READY"
    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    CONFIRMED = "CONFIRMED"


SCOPES = ("sessions:read", "sessions:create", "sessions:operate", "pricing:read", "wallet:read")
READ_SCOPES = frozenset({"sessions:read", "pricing:read", "wallet:read"})


@dataclass(frozen=True)
class Autopilot:
    """Delays of a simulated supplier for sessions dispatched to it."""

    accept_after: float
    start_after: float


@dataclass
class Workspace:
    id: str
    slug: str
    name: str
    wallet_address: str
    roles: tuple[str, ...]
    chosen_availability: str  # ONLINE or OFFLINE, as the supplier set it; BUSY is derived
    created_at: float
    created_by_wallet: str
    members: dict[str, str] = field(default_factory=dict)  # lower-case wallet -> role
    coverage_lat: float | None = None
    coverage_lng: float | None = None
    coverage_radius: float | None = None
    device_kind: str | None = None
    last_seen_at: float | None = None
    last_sequence: int | None = None
    capacity: int = 1  # concurrent ASSIGNED/LIVE sessions before the supplier shows BUSY
    autopilot: Autopilot | None = None
    first_frame_after: float | None = (
        3.0  # None: only a `live_input.connected` webhook starts media
    )
    # running state, kept up to date by the transitions so that reads stay O(1)
    active: dict[str, None] = field(default_factory=dict)  # session ids it operates, in order
    idle_since: float = 0.0
    sessions: list[str] = field(default_factory=list)  # every session it is a side of, oldest first
    balance: int = 0  # µUSDC on chain (trackedBalance)
    held: int = 0  # holds of its open sessions
    pending: int = 0  # charges ended but not yet confirmed on chain
    events: list[WalletEvent] = field(default_factory=list)
    event_index: dict[str, int] = field(default_factory=dict)

    @property
    def is_supplier(self) -> bool:
        return "SUPPLIER" in self.roles

    @property
    def is_consumer(self) -> bool:
        return "CONSUMER" in self.roles

    @property
    def busy(self) -> bool:
        return len(self.active) >= self.capacity

    @property
    def availability(self) -> str:
        return "BUSY" if self.active and self.busy else self.chosen_availability

    @property
    def has_coverage(self) -> bool:
        return None not in (self.coverage_lat, self.coverage_lng, self.coverage_radius)

    @property
    def available_credit(self) -> int:
        return self.balance - self.held - self.pending


@dataclass
class ApiKey:
    id: str
    workspace_id: str
    digest: str  # sha256 of the plaintext; the plaintext is never stored
    prefix: str
    label: str
    environment: str
    scopes: tuple[str, ...]
    created_at: float
    created_by_wallet: str
    last_used_at: float | None = None
    revoked_at: float | None = None
    grace_end: float | None = None


@dataclass
class Video:
    ref: str
    whip_url: str
    whep_url: str
    started_at: float  # when /start was called (not when the session went LIVE)


@dataclass
class Settlement:
    state: SettleState
    to_amount: int
    fee_amount: int
    tx_hash: str | None = None
    confirmed_at: float | None = None


@dataclass
class Session:
    id: str
    consumer_id: str
    state: State
    lat: float
    lng: float
    max_duration: int
    wait_timeout: int
    rate: int
    created_at: float
    operator_id: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    clean_seconds: int = 0
    charged: int = 0
    authorized: bool = False  # pool model: stays false (SDK); only a fixture's legacy row sets it
    dispatched: bool = False  # assigned by dispatch, so a simulated supplier drives it
    video: Video | None = None
    publisher_connected: bool = True
    video_errored: bool = False
    # (opened, closed?) disconnects; tuples, so a session holds no container of its own for the
    # garbage collector to walk (a busy namespace keeps tens of thousands of sessions)
    windows: tuple[tuple[float, ...], ...] = ()
    settlement: Settlement | None = None

    @property
    def hold(self) -> int:
        return self.rate * self.max_duration

    def open_window(self, at: float) -> None:
        """The publisher disconnected: a window opens."""
        self.windows = (*self.windows, (at,))

    def close_window(self, at: float) -> None:
        """The publisher is back (or the meter stops): the latest window closes."""
        self.windows = (*self.windows[:-1], (*self.windows[-1], at))

    def metered(self, until: float) -> int:
        """Clean seconds up to `until`: LIVE time minus disconnect windows, within maxDuration."""
        if self.started_at is None:
            return 0
        if not self.windows:  # the usual case: never disconnected
            return max(0, min(self.max_duration, int(until - self.started_at)))
        gone = sum(
            max(0.0, min(w[1] if len(w) > 1 else until, until) - max(w[0], self.started_at))
            for w in self.windows
        )
        return max(0, min(self.max_duration, int(until - self.started_at - gone)))


@dataclass
class Quote:
    id: str
    workspace_id: str
    rate: int
    base_rate: int
    duration: Decimal  # seconds, as the query wrote them (30.5 is a duration too)
    expires_at: float
    used: bool = False


@dataclass
class Nonce:
    value: str
    wallet: str  # lower case
    purpose: str  # "login" or "workspace": the two challenges are not interchangeable
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class WalletEvent:
    id: str
    workspace_id: str
    kind: str
    tx_hash: str
    block: int
    confirmed_at: float
    amount: int
    related_session: str | None
