"""Running the Luxxon contract from a project's own pytest suite (docs/contract.md walks through it).

Two ways, both with the checks, keys per role and links of `mockserver contract`:

1. schemathesis-native: `contract_target(...)` gives the configured schema; `@schema.parametrize()`
   makes a test per operation and `as_state_machine()` a test of the linked call sequences; a
   module fixture resets the namespace the tests ran in, when the target is the mock.
2. one test around `run(...)`, taking the URL from a fixture that starts your backend.

The reference app stands in for "your backend" here; the last test runs the same pattern against
the mock over HTTP and checks that the shared default world is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import settings

from mockserver.app import create_app
from mockserver.contract import ContractOptions, contract_target, render, run
from mockserver.settings import Settings
from tests.broken import reference
from tests.conftest import CONSUMER_KEY, LIVE_SESSION, OPERATOR_KEY, LiveServer

KEYS = {"consumer": reference.CONSUMER_KEY, "operator": reference.OPERATOR_KEY}

# 1. Built when the module is imported. Point base_url at your running backend and drop `app`
# (schemathesis.pytest.from_fixture would defer this to a fixture, but schemathesis 4.32.5's
# lazy loader breaks on pytest 9, so the schema is built eagerly).
target = contract_target(
    ContractOptions(
        base_url="http://testserver",
        app=reference.create_app(),  # called in-process; without it requests go to base_url
        tokens=KEYS,
        operations=reference.OPERATIONS,  # what your backend implements; empty: everything
        seed=1,
        max_examples=5,
    )
)
schema = target.schema


@pytest.fixture(scope="module", autouse=True)
def contract_namespace() -> Iterator[None]:
    yield
    target.reset_namespace()  # against the mock: drop the namespace these tests ran in


@schema.parametrize()  # type: ignore[untyped-decorator]  # schemathesis types it as a bare Callable
def test_each_operation_honours_the_contract(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


# create → accept → start → end → settlement, chained by the profile's links.
TestSessionLifecycle = schema.as_state_machine().TestCase
TestSessionLifecycle.settings = settings(
    max_examples=5, stateful_step_count=6, deadline=None, database=None
)


# 2. One test, the whole run, a readable report when it fails.
@pytest.fixture
def backend_url() -> Iterator[str]:
    with LiveServer(reference.create_app()) as server:  # type: ignore[arg-type]
        yield server.url


def test_backend_honours_the_contract(backend_url: str) -> None:
    result = run(
        ContractOptions(
            base_url=backend_url,
            tokens=KEYS,
            seed=1,
            max_examples=5,
            operations=reference.OPERATIONS,
        )
    )

    assert result.passed, render(result)


# 3. The pattern against the mock: its tests end the demo LIVE session, in their own namespace.
PATTERN_AGAINST_THE_MOCK = """
import httpx, pytest
from mockserver.contract import ContractOptions, contract_target

target = contract_target(ContractOptions(
    base_url="{url}", tokens={keys!r}, seed=1, max_examples=3,
    operations=["LxSessionsController_end", "LxSessionsController_get"],
))
schema = target.schema

@pytest.fixture(scope="module", autouse=True)
def contract_namespace():
    yield
    target.reset_namespace()

@schema.parametrize()
def test_each_operation_honours_the_contract(case):
    case.call_and_validate()

def test_the_run_ended_the_live_session_in_its_own_namespace():
    reply = httpx.get("{url}/api/v1/sessions/{live}", headers={{
        "Authorization": "Bearer {operator}", "X-Mock-Namespace": target.namespace.name}})
    assert reply.json()["data"]["state"] == "ENDED"
"""


def test_the_pattern_against_the_mock_leaves_the_shared_world_alone(
    pytester: pytest.Pytester,
) -> None:
    keys = {"consumer": CONSUMER_KEY, "operator": OPERATOR_KEY}
    with LiveServer(create_app(Settings(seed=1))) as mock:
        pytester.makepyfile(
            PATTERN_AGAINST_THE_MOCK.format(
                url=mock.url, keys=keys, live=LIVE_SESSION, operator=OPERATOR_KEY
            )
        )

        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)

        default = httpx.get(
            f"{mock.url}/api/v1/sessions/{LIVE_SESSION}",
            headers={"Authorization": f"Bearer {OPERATOR_KEY}"},
            timeout=10,
        )
        assert default.json()["data"]["state"] == "LIVE"
        status = httpx.get(mock.url + "/__mock", timeout=10).json()["data"]
        assert not [name for name in status["namespaces"] if name.startswith("contract-")]
