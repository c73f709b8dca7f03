"""How a contract run drives one API: which key each operation gets, which calls chain into which,
and where a generic check does not fit what the API documents.

The data is a JSON file the default flavor ships (`settings.CONTRACT_PROFILE`). Links are added
to an in-memory copy of the spec (OpenAPI `links`, which only tell the stateful phase how to chain
calls); `openapi.json` itself is never changed, so what the contract means stays what the spec
says.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver import files
from mockserver.contract.checks import MARKER
from mockserver.contract.errors import ToolError
from mockserver.settings import CONTRACT_PROFILE, PROFILE_SCHEMA

DEFAULT_PROFILE = CONTRACT_PROFILE


@dataclass(frozen=True)
class Link:
    source: str  # operationId whose response feeds the next call
    target: str
    parameters: Mapping[str, str]  # "path.id" -> runtime expression
    status: str = "200"


@dataclass(frozen=True)
class CheckOff:
    check: str
    operations: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class MoreExpected:
    """Statuses a check accepts on some operations besides its defaults: answers the API
    documents for schema-valid input that no schema can rule out (they depend on state)."""

    check: str
    operations: tuple[str, ...]
    statuses: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Profile:
    default_role: str
    roles: Mapping[str, tuple[str, ...]]  # role -> operationIds called with that role's key
    token_env: Mapping[str, str]  # role -> environment variable the CLI reads its key from
    envelopes: Mapping[str, str]  # "error"/"success" -> schema name; turns the envelope checks on
    links: tuple[Link, ...]
    checks_off: tuple[CheckOff, ...]
    more_expected: tuple[MoreExpected, ...] = ()

    @property
    def role_names(self) -> tuple[str, ...]:
        return (self.default_role, *self.roles)

    def key_for(self, operation_id: str, tokens: Mapping[str, str]) -> str | None:
        """The key an operation is called with: its role's, else the default role's."""
        role = next((r for r, ids in self.roles.items() if operation_id in ids), self.default_role)
        return tokens.get(role) or tokens.get(self.default_role)

    def parse_tokens(self, values: Iterable[str]) -> dict[str, str]:
        """`ROLE=KEY` gives a role its key; a bare `KEY` is the default role's."""
        tokens: dict[str, str] = {}
        for value in values:
            role, sep, token = value.partition("=")
            if not sep or role not in self.role_names:
                role, token = self.default_role, value
            token = token.strip()
            if not token:
                raise ToolError(f"empty token for role {role!r}")
            if role in tokens:
                raise ToolError(
                    f"two tokens for role {role!r}; roles: {', '.join(self.role_names)}"
                )
            tokens[role] = token
        return tokens

    def apply(self, document: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        """A copy of the spec for a run: the profile's links (and how many could be added), and
        the envelope schemas it declares, named for the envelope checks."""
        doc = copy.deepcopy(dict(document))
        declared = doc.get("components", {}).get("schemas", {})
        named = {kind: name for kind, name in self.envelopes.items() if name in declared}
        if named:
            doc[MARKER] = named
        operations = _operations_by_id(doc)
        added = 0
        for link in self.links:
            source = operations.get(link.source)
            response = (source or {}).get("responses", {}).get(link.status)
            if link.target not in operations or not isinstance(response, dict):
                continue
            response.setdefault("links", {})[link.target] = {
                "operationId": link.target,
                "parameters": dict(link.parameters),
            }
            added += 1
        return doc, added


def _operations_by_id(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in document.get("paths", {}).values()
        if isinstance(item, dict)
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def load_profile(path: Path = DEFAULT_PROFILE) -> Profile:
    """Read and check a profile file (`schemas/profile.schema.json`); a mistake is a ConfigError
    naming the file, key path and reason."""
    data = files.load(path, PROFILE_SCHEMA)
    return Profile(
        default_role=str(data["default_role"]),
        roles={role: tuple(ops) for role, ops in data.get("roles", {}).items()},
        token_env=dict(data.get("token_env", {})),
        envelopes=dict(data.get("envelopes", {})),
        links=tuple(
            Link(
                source=item["from"],
                target=item["to"],
                parameters=dict(item["parameters"]),
                status=str(item.get("status", "200")),
            )
            for item in data.get("links", [])
        ),
        checks_off=tuple(
            CheckOff(check=item["check"], operations=tuple(item["operations"]), why=item["why"])
            for item in data.get("checks_off", [])
        ),
        more_expected=tuple(
            MoreExpected(
                check=item["check"],
                operations=tuple(item["operations"]),
                statuses=tuple(str(status) for status in item["statuses"]),
                why=item["why"],
            )
            for item in data.get("more_expected", [])
        ),
    )
