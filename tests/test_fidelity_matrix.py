"""The world answers only what its contract documents: every credential a developer can hold ×
every operation × every state a session can be in, with each response checked against
openapi.json (openapi-core), its error `code` among the codes the operation documents for that
status, every error's `detail` a short `field:reason` label, and a consistency-token header only
where the operation declares it. Zero off-spec answers allowed.

One test per session state (xdist spreads them). For each credential, each session step (cancel,
dispatch, accept, start, end, cancel-all: they change states) runs on a session of its own in a
namespace of its own, and the other operations share one more; sessions are driven to the state
over HTTP, time moved with the admin clock (`POST /__mock/clock`), never waited for.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conformance import assert_conforms
from tests.fidelity_requests import READS, STEPS, WRITES, Maker
from tests.world_client import (
    ASSIGNED,
    BOGOTA,
    CANCELLED,
    CONSUMER,
    CONSUMER_WS,
    ENDED,
    EXPIRED,
    LIVE,
    MEDELLIN,
    OPERATOR,
    OWNER_WALLET,
    READONLY,
    REQUESTED,
    REVOKED,
    SIGNATURE,
    SPEC,
    operation_for,
    world_server,
)

LABEL = re.compile(r"^[a-z][\w.\-:]*$")
STATES = ("REQUESTED", "ASSIGNED", "LIVE", "ENDED", "CANCELLED", "EXPIRED")
KEYS = {
    "consumer": CONSUMER,
    "operator": OPERATOR,
    "readonly": READONLY,
    "revoked": REVOKED,
    "medellin": MEDELLIN,
    "forged": "lxxn_test_8c3a5b_forgedforgedforged",
}
CREDENTIALS = (*KEYS, "none", "wallet", "wallet-unselected")
FIXTURE_SESSIONS = dict(
    zip(STATES, (REQUESTED, ASSIGNED, LIVE, ENDED, CANCELLED, EXPIRED), strict=True)
)
WAIT_S = 60  # the driven sessions' waitTimeoutSeconds


@dataclass
class Probe:
    """One namespace of the world server, seen through one credential, every answer checked."""

    http: httpx.Client
    namespace: str
    state: str
    credential: str
    auth: dict[str, str] = field(default_factory=dict)
    off_spec: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def send(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        sent = {"X-Mock-Namespace": self.namespace, **(headers or {})}
        response = self.http.request(method, "/api/v1" + path, headers=sent, **kw)
        self.check(response)
        return response

    def as_me(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.send(method, path, {**self.auth, **kw.pop("headers", {})}, **kw)

    def as_key(self, key: str, method: str, path: str, **kw: Any) -> Any:
        """A set-up step by a demo key; it must succeed."""
        response = self.send(method, path, {"Authorization": f"Bearer {key}"}, **kw)
        assert response.status_code == 200, f"set-up {method} {path}: {response.text}"
        return response.json()["data"]

    def advance(self, seconds: float) -> None:
        body = {"advance": seconds} if seconds else {"freeze": True}
        response = self.http.post(
            "/__mock/clock", json=body, headers={"X-Mock-Namespace": self.namespace}
        )
        assert response.status_code == 200, response.text

    def check(self, response: httpx.Response) -> None:
        op = operation_for(response.request.method, response.request.url.path)
        where = (
            f"[{self.state} {self.credential}] {op.operation_id} "
            f"{response.request.method} {response.request.url.path} -> {response.status_code}"
        )
        self.seen.add(op.operation_id)
        verdict = _conformance(op.operation_id, response)
        if verdict:
            self.off_spec.append(f"{where}: {verdict}")
            return
        declared = op.raw["responses"].get(str(response.status_code), {}).get("headers", {})
        if "x-lx-consistency-token" in response.headers and not declared:
            self.off_spec.append(
                f"{where}: sends X-Lx-Consistency-Token, which it does not declare"
            )
        if response.status_code < 400:
            return
        body = response.json()
        documented = op.response(response.status_code)
        if documented is None or body["code"] not in documented.examples:
            self.off_spec.append(f"{where}: code {body['code']} is not documented for it")
        if not LABEL.match(body.get("detail", "-")):  # every 400 has one; any other may
            self.off_spec.append(f"{where}: detail {body.get('detail')!r} is not a label")

    # sessions, driven to a state over HTTP ----------------------------------------------------
    def session_in(self, state: str) -> str:
        """A new Acme ↔ Bogotá session, brought to `state` the way a client would."""
        fields = {**BOGOTA, "maxDurationSeconds": 600, "waitTimeoutSeconds": WAIT_S}
        sid: str = self.as_key(CONSUMER, "POST", "/sessions", json=fields)["id"]
        if state == "EXPIRED":
            self.advance(WAIT_S + 1)
        elif state == "CANCELLED":
            self.as_key(CONSUMER, "DELETE", f"/sessions/{sid}")
        elif state != "REQUESTED":
            self.as_key(OPERATOR, "POST", f"/sessions/{sid}/accept", json={})
            if state in ("LIVE", "ENDED"):
                self.as_key(OPERATOR, "POST", f"/sessions/{sid}/start")
                self.advance(3)  # the first decoded frame
            if state == "ENDED":
                self.as_key(CONSUMER, "POST", f"/sessions/{sid}/end")
        seen = self.as_key(CONSUMER, "GET", f"/sessions/{sid}")["state"]
        assert seen == state
        return sid

    def wallet_cookie(self, select: bool = True) -> dict[str, str]:
        """Acme's owner signed in (with its workspace selected): the `lx_session` cookie."""
        wallet = {"walletAddress": OWNER_WALLET}
        nonce = self.send("POST", "/auth/wallet/challenge", json=wallet).json()["data"]["nonce"]
        login = {**wallet, "nonce": nonce, "signature": SIGNATURE}
        cookie = self.send("POST", "/auth/wallet/login", json=login).cookies["lx_session"]
        jar = {"Cookie": f"lx_session={cookie}"}
        if not select:
            return jar
        chosen = self.send("POST", "/auth/workspace/select", jar, json={"workspaceId": CONSUMER_WS})
        return {"Cookie": f"lx_session={chosen.cookies['lx_session']}"}


_VERDICTS: dict[tuple[str, int, str, str, bytes], str] = {}
_TIMESTAMP = re.compile(rb'"timestamp":"[^"]*"')


def _conformance(op_id: str, response: httpx.Response) -> str:
    """openapi-core's verdict on the response ("" when it conforms), once per distinct answer:
    the same error body (but for its timestamp) from the same operation is judged once."""
    key = (
        op_id,
        response.status_code,
        response.headers.get("content-type", ""),
        ",".join(sorted(response.headers)),
        _TIMESTAMP.sub(b"", response.content),
    )
    if key not in _VERDICTS:
        try:
            assert_conforms(response)
            _VERDICTS[key] = ""
        except AssertionError as exc:
            _VERDICTS[key] = str(exc).splitlines()[0][:300]
    return _VERDICTS[key]


def test_the_table_names_every_operation_of_the_spec() -> None:
    assert {**READS, **STEPS, **WRITES}.keys() == SPEC.operations.keys()


def _probe(http: httpx.Client, state: str, credential: str, auth: dict[str, str]) -> Probe:
    """A fresh namespace with its clock frozen: time moves only when the test says so."""
    probe = Probe(http, f"matrix-{uuid.uuid4().hex[:10]}", state, credential, auth)
    probe.advance(0)
    return probe


def _credential(http: httpx.Client, credential: str) -> dict[str, str]:
    if credential in KEYS:
        return {"Authorization": f"Bearer {KEYS[credential]}"}
    if credential.startswith("wallet"):  # signed, not stored: the cookie works in every namespace
        return _probe(http, "-", "set-up", {}).wallet_cookie(select=credential == "wallet")
    return {}


def _run(probe: Probe, make: Maker, session_id: str) -> None:
    method, path, kw = make(session_id)
    probe.as_me(method, path, **kw)


@pytest.mark.parametrize("state", STATES)
def test_every_credential_and_operation_gets_only_documented_answers(state: str) -> None:
    server = world_server()
    off_spec: list[str] = []
    seen: set[str] = set()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for credential in CREDENTIALS:
            auth = _credential(http, credential)
            probes = []
            for make in STEPS.values():  # each step in a world of its own: steps change states
                probes.append(_probe(http, state, credential, auth))
                _run(probes[-1], make, probes[-1].session_in(state))
            probes.append(_probe(http, state, credential, auth))
            shared = probes[-1].session_in(state)
            for make in READS.values():  # on the fixture's session in that state, too
                _run(probes[-1], make, shared)
                _run(probes[-1], make, FIXTURE_SESSIONS[state])
            for make in WRITES.values():
                _run(probes[-1], make, shared)
            for probe in probes:
                off_spec += probe.off_spec
                seen |= probe.seen
                server.app.worlds.reset(probe.namespace)
    assert seen == SPEC.operations.keys()
    assert not off_spec, f"{len(off_spec)} answers off the spec:\n" + "\n".join(off_spec)


BAD_BODIES = [b'{"lat": 4.7,', b"[]", b"{}", b'{"lat": "north", "walletAddress": 7}', b"null"]


def test_bad_input_to_every_operation_gets_labelled_documented_answers() -> None:
    """Bodies that are not JSON, not objects, empty or mistyped, and queries without their
    required values: each operation answers as it documents, every 400 with a label."""
    server = world_server()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        probe = _probe(http, "-", "consumer", {"Authorization": f"Bearer {CONSUMER}"})
        session = probe.session_in("REQUESTED")
        for make in [*READS.values(), *STEPS.values(), *WRITES.values()]:
            method, path, kw = make(session)
            headers = {**kw.get("headers", {}), "Content-Type": "application/json"}
            if method != "GET":
                for body in BAD_BODIES:
                    probe.as_me(method, path, headers=headers, content=body)
            elif "params" in kw:
                probe.as_me(method, path, params={"lat": "north"})
        server.app.worlds.reset(probe.namespace)
    assert not probe.off_spec, "\n".join(probe.off_spec)
