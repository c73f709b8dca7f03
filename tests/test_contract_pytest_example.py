"""Running the Luxxon contract from a project's own pytest suite (docs/contract.md walks through it).

Two ways, both with the checks, keys per role and links of `mockserver contract`:

1. schemathesis-native: `contract_schema(...)` gives the configured schema; `@schema.parametrize()`
   makes a test per operation and `as_state_machine()` a test of the linked call sequences.
2. one test around `run(...)`, taking the URL from a fixture that starts your backend.

The reference app stands in for "your backend" here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import settings

from mockserver.contract import ContractOptions, contract_schema, render, run
from tests.broken import reference
from tests.conftest import LiveServer

KEYS = {"consumer": reference.CONSUMER_KEY, "operator": reference.OPERATOR_KEY}

# 1. Built when the module is imported. Point base_url at your running backend and drop `app`
# (schemathesis.pytest.from_fixture would defer this to a fixture, but schemathesis 4.32.5's
# lazy loader breaks on pytest 9, so the schema is built eagerly).
schema = contract_schema(
    ContractOptions(
        base_url="http://testserver",
        app=reference.create_app(),  # called in-process; without it requests go to base_url
        tokens=KEYS,
        operations=reference.OPERATIONS,  # what your backend implements; empty: everything
        seed=1,
        max_examples=5,
    )
)


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
