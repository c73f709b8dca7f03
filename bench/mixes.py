"""The request mixes of the issue, with the demo credentials the default world knows.

Every server gets the same requests; Prism and the limits ignore the headers they do not know.
"""

from __future__ import annotations

from bench.load import Mix

API = "/api/v1"  # Prism, like the mock, serves the paths as the spec writes them (one /api/v1)
DEMO_SESSION = "b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a"
OPERATOR_KEY = "lxxn_test_9d4b6c_operatordemo"
CONSUMER_KEY = "lxxn_test_8c3a5b_consumerdemo"
NAMESPACE_HEADER = "X-Mock-Namespace"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


PROBE = Mix("probe", "health", "GET", f"{API}/health")

PRODUCER_TOKEN = Mix(
    "a",
    "producer-token default response",
    "GET",
    f"{API}/sessions/{DEMO_SESSION}/producer-token",
    bearer(OPERATOR_KEY),
)
WORLD_READ = Mix(
    "b",
    "world read",
    "GET",
    f"{API}/sessions/{DEMO_SESSION}",
    bearer(CONSUMER_KEY),
)
WORLD_WRITE = Mix(
    "c",
    "world write",
    "POST",
    f"{API}/sessions",
    bearer(CONSUMER_KEY),
    body={"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600},
)
MIXES = {mix.key: mix for mix in (PRODUCER_TOKEN, WORLD_READ, WORLD_WRITE)}


def in_namespace(mix: Mix, namespace: str) -> Mix:
    return mix.with_headers({NAMESPACE_HEADER: namespace})


def read_session(session_id: str, namespace: str) -> Mix:
    """A world read of one session, in a namespace."""
    read = Mix("b", "world read", "GET", f"{API}/sessions/{session_id}", bearer(CONSUMER_KEY))
    return in_namespace(read, namespace)
