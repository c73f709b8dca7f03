"""Every touch of a library's private API, in one place, so that an upgrade breaks here, loudly
(`tests/test_compat.py` checks each one), and nowhere else.

connexion 3 (the reasons are in the modules that use them):
- `connexion.middleware.routing._scope`: the context variable its router fills in; the routing
  cache (middleware/routing.py) reads the routed scope from it;
- `OpenAPISpecification._validate_spec`: skipped while the already-checked spec loads;
- `RequestValidationOperation._operation` and `._validator_map`, `JSONRequestBodyValidator._parse/_validate/_validator/_encoding/_required`: the validation
  cache (middleware/validation.py) builds connexion's own validators once per operation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from connexion.middleware.request_validation import RequestValidationOperation
from connexion.middleware.routing import _scope as routing_scope
from connexion.spec import OpenAPISpecification
from connexion.validators import JSONRequestBodyValidator

# (owner, attribute) pairs the mock relies on; `missing()` names the ones an upgrade removed.
PRIVATE_ATTRIBUTES: tuple[tuple[Any, str], ...] = (
    (OpenAPISpecification, "_validate_spec"),
    (JSONRequestBodyValidator, "_parse"),
    (JSONRequestBodyValidator, "_validate"),
    (JSONRequestBodyValidator, "_validator"),
)
# Attributes set on instances in __init__ (checked on a built instance by the test).
INSTANCE_ATTRIBUTES = {
    RequestValidationOperation: ("_operation", "_validator_map"),
    JSONRequestBodyValidator: ("_encoding", "_required"),
}


def missing() -> list[str]:
    """The private names this module relies on that the installed connexion no longer has."""
    return [
        f"{owner.__module__}.{owner.__name__}.{name}"
        for owner, name in PRIVATE_ATTRIBUTES
        if not hasattr(owner, name)
    ]


@contextlib.contextmanager
def spec_already_checked() -> Iterator[None]:
    """`spec.load` has checked the document against the same OpenAPI schema in milliseconds;
    connexion would check it again in pure Python (15 s for 3,500 operations), so its check is
    skipped while it loads the document, and only then."""
    had_own = "_validate_spec" in OpenAPISpecification.__dict__
    original = OpenAPISpecification.__dict__.get("_validate_spec")
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        yield
    finally:
        if had_own:
            OpenAPISpecification._validate_spec = original
        else:
            del OpenAPISpecification._validate_spec


__all__ = ["PRIVATE_ATTRIBUTES", "missing", "routing_scope", "spec_already_checked"]
