"""A flavor: what a family of APIs does alike that OpenAPI does not say. The core meets an API's
family only through this class; `Flavor` itself is the generic flavor, right for any spec:

- errors as `application/problem+json` (RFC 9457), unless the operation documents a schema for
  that status, in which case a valid instance of it (its example, else one generated);
- successes as the spec documents them, no envelope added;
- credentials exactly as the spec's `securitySchemes` declare them (`credentials.py`);
- no extra headers, no world (a scenario's `world:` switches are ignored), no extra admin
  actions, neutral generated values.

A flavor of its own (registered in `flavors.py`) subclasses it and overrides what differs; the
registry (`flavors.py`) is the one place that names one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import orjson

from mockserver.calls import Call, Reply
from mockserver.clock import Clock
from mockserver.errors import ApiError
from mockserver.spec import Operation, Spec

if TYPE_CHECKING:
    from mockserver.fake import Generator
    from mockserver.fake.names import ValueRules
    from mockserver.redisstore import RedisStore
    from mockserver.settings import Settings

PROBLEM_JSON = "application/problem+json"
AdminAction = Callable[[Any, Call], Any]  # (the world of the call's namespace, call) -> data


class World(Protocol):
    """One namespace's state: answers the calls it has behaviour for (None: not mine)."""

    clock: Clock  # the namespace's time (the admin API moves it; the journal stamps entries)

    def handle(self, call: Call, operation: Operation) -> Reply | None: ...

    @property
    def revision(self) -> int:
        """A counter the world moves on its writes (the journal shows it after each call)."""
        ...


class Worlds(Protocol):
    """One world per namespace."""

    def get(self, namespace: str) -> World: ...

    def apply(self, namespace: str, fn: Callable[[Any], Any]) -> Any:
        """Run `fn(world)` as one change to the namespace's world (one transaction across every
        worker when the world is shared); what it returns."""
        ...

    def reset(self, namespace: str | None = None) -> None: ...

    def forget(self, namespace: str) -> None:
        """The namespace idled out of this process (a shared store keeps its world)."""
        ...

    def namespaces(self) -> list[str]: ...

    def peek(self, namespace: str) -> World | None:
        """The namespace's world if it exists (never creates one)."""
        ...


class Flavor:
    name: ClassVar[str] = "generic"
    # Response headers a browser page may read (CORS `Expose-Headers`).
    expose_headers: ClassVar[tuple[str, ...]] = ()
    # Security schemes (by their name in `components.securitySchemes`) that count as a
    # credential on every secured operation, besides the ones the operation lists.
    also_accepted_schemes: ClassVar[tuple[str, ...]] = ()
    # Extra `/__mock` routes: (method, path under /__mock) -> action on the namespace's world.
    admin_actions: ClassVar[Mapping[tuple[str, str], AdminAction]] = {}

    def __init__(self, spec: Spec, generator: Generator) -> None:
        self.spec = spec
        self.generator = generator

    # -- answers ---------------------------------------------------------------------------------
    def body(self, reply: Reply, operation: Operation | None) -> Any:
        """The body of an answer the mock builds itself (a world reply, an admin answer), from
        its `data`; `operation` is None for the admin API."""
        return reply.data

    def freshen(self, body: Any, status: int, params: Mapping[str, str], now: str) -> Any:
        """A documented example as it is sent: the generic flavor sends it as written."""
        return body

    def error(self, error: ApiError, operation: Operation | None) -> Reply:
        """Any error as this family of APIs writes it."""
        documented = operation.response(error.status) if operation is not None else None
        if documented is not None and documented.schema is not None:
            return self._documented_error(error, operation, documented)  # type: ignore[arg-type]
        body = {
            "type": "about:blank",
            "title": _phrase(error.status),
            "status": error.status,
            "detail": error.message or _words(error.code),
            "code": error.code,
        }
        if error.detail is not None:
            body["reason"] = error.detail
        return Reply(
            status=error.status,
            raw=orjson.dumps(body),
            content_type=PROBLEM_JSON,
            headers=dict(error.headers or {}),
        )

    def _documented_error(self, error: ApiError, operation: Operation, documented: Any) -> Reply:
        if documented.examples:
            body = next(iter(documented.examples.values()))
        else:
            key = f"{operation.operation_id}|{documented.status}|error"
            body = self.generator.generate(documented.schema, key)
        content_type = documented.content_type or "application/json"
        raw = orjson.dumps(body) if "json" in content_type else str(body).encode()
        return Reply(
            status=error.status,
            raw=raw,
            content_type=content_type,
            headers=dict(error.headers or {}),
        )

    # -- parts -----------------------------------------------------------------------------------
    @classmethod
    def default_files(cls) -> tuple[Path | None, Path | None]:
        """The spec and scenarios folder this flavor ships (none for the generic flavor)."""
        return None, None

    def worlds(self, settings: Settings, store: RedisStore | None = None) -> Worlds | None:
        """The stateful world per namespace, or None: the spec's documented answers only.
        With a shared `store`, the worlds live there (every worker serves the same ones)."""
        return None

    def world_switch_error(self, switches: Mapping[str, Any]) -> str | None:
        """Why a scenario's `world:` switches cannot be (None: they can). A flavor without a
        world has nothing to switch: its scenarios' switches are ignored, as with `--world none`."""
        return None

    def switch_world(self, world: World, switches: Mapping[str, Any]) -> None:
        """Put `world` in the state a scenario's `world:` asks for (an empty mapping: back to
        normal); called before the world answers a call whose active scenario changed."""

    def carry_worlds(self, old: Worlds | None, new: Worlds | None) -> Worlds | None:
        """Hot reload: `new` (from the edited fixture) with every namespace's world of `old`
        kept; the generic flavor has no world."""
        return new

    # -- bundles (bundle.py) ---------------------------------------------------------------------
    def snapshot(self, world: World) -> Any:
        """One namespace's world as plain JSON, clock included; None: nothing to carry."""
        return None

    def restore(self, worlds: Worlds, namespace: str, data: Any) -> None:
        """Make `data` (a `snapshot`) the world of `namespace`, replacing the one it had."""

    @classmethod
    def value_rules(cls) -> ValueRules | None:
        """Extra name → value rules for generated values (e.g. amounts in the API's unit)."""
        return None

    def world_summary(self, world: Any) -> dict[str, Any]:
        """What a tester sees of one namespace's world in the console (`GET /__mock/world`),
        read-only and in words that need no knowledge of the API family:

            {"facts":  [{"label", "value", "actions"?}],
             "tables": [{"title", "counts"?: {word: n}, "columns": [..],
                         "rows": [{"cells": [..], "actions"?: [..]}], "more"?: n}]}

        An action is a button: {"label", "method", "path" (under /__mock), "body"?}, an admin
        call the console makes as is. The generic flavor has no world: nothing to show."""
        return {"facts": [], "tables": []}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()
