"""Connexion's request validation, told to answer with a `field:reason` label (`labels.py`) and a
message naming the field, and to do per operation (compile schemas, build validators) once
instead of on every request. A valid body or parameter is let through by a compiled Rust check
(`precheck.py`) where that check's yes is provably connexion's; every other value, and every
error, is connexion's python jsonschema's."""

from __future__ import annotations

import functools
import math
from collections.abc import AsyncIterator
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP as CONNEXION_VALIDATORS
from connexion.validators import JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import jsonbody, labels
from mockserver.errors import invalid_input
from mockserver.middleware.body_limit import declared_length
from mockserver.middleware.precheck import Precheck, precheck

_compiled: dict[int, tuple[dict[str, Any], Draft4Validator, Precheck | None]] = {}


def _json_scalar(value: Any) -> bool:
    """Whether a coerced parameter is a value a precheck may judge: JSON's. Rust takes a tuple for
    an array, and infinity (`?limit=1e400`) or NaN past `maximum`; python jsonschema does not."""
    kind = type(value)
    return kind is str or kind is int or kind is bool or (kind is float and math.isfinite(value))


def _validators_for(param: dict[str, Any]) -> tuple[Draft4Validator, Precheck | None]:
    # Keyed by identity: connexion hands us the same parameter dicts on every request; the
    # entry keeps the dict alive, so the id cannot be reused by another object.
    entry = _compiled.get(id(param))
    if entry is None or entry[0] is not param:
        schema = param.get("schema", param)
        slow = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        entry = (param, slow, precheck(schema))
        _compiled[id(param)] = entry
    return entry[1], entry[2]


class NamingParameterValidator(ParameterValidator):  # type: ignore[misc]
    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        name = str(param.get("name", param_name))
        if value is not None:
            validator, fast = _validators_for(param)
            if fast is not None and _json_scalar(value) and fast(value):
                return None
            if validator.is_valid(value):
                return None
            error = best_match(validator.iter_errors(value))
            if error is None:
                return None
            label = labels.parameter_label(parameter_type, name, error)
            raise invalid_input(
                label, labels.clip(f"{parameter_type} parameter '{name}': {error.message}")
            )
        if param.get("required"):
            label = labels.parameter_label(parameter_type, name)
            raise invalid_input(label, f"Missing {parameter_type} parameter '{name}'")
        return None


class _CachedValidationOperation(RequestValidationOperation):  # type: ignore[misc]
    """Connexion's request validation with what depends only on the operation built once.

    Connexion builds a URI parser, a parameter validator and a body validator (with a freshly
    compiled JSON schema) on every request, and parses the content type and matches it by
    fnmatch each time. The checks themselves are connexion's, unchanged.
    """

    def __init__(self, next_app: ASGIApp, *, operation: Any, **kwargs: Any) -> None:
        super().__init__(next_app, operation=operation, **kwargs)
        self._has_body = bool(operation.request_body)
        self._uri_parser = operation.uri_parser_class(
            operation.parameters, operation.body_definition()
        )
        self._parameters = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=self._uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._body_validators: dict[tuple[str, str], Any] = {}
        self._content_types: dict[bytes | None, tuple[str, str]] = {}
        # Nothing to check when every parameter accepts any string and none can be missing
        # (producer-token's `id` and optional header, say): skip building a request to check it.
        self._params_always_valid = not self.strict_validation and all(
            _accepts_any_string(p) for p in operation.parameters
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._params_always_valid:
            self._parameters.validate(scope)
        if self._has_body:
            mime_type, encoding = self._content_type(scope["headers"])
            validator = self._body_validators.get((mime_type, encoding))
            if validator is None:
                validator = self._body_validator(mime_type, encoding)
            if validator is not False:
                receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)

    def _content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        """Connexion's reading of the Content-Type header (mime type, charset), remembered by the
        header's bytes. ASGI header names are bytes, and bytes.lower() is the latin-1 lower()
        connexion compares with for every name that can equal `content-type`."""
        raw = None
        for key, value in headers:
            if key.lower() == b"content-type":
                raw = value
                break
        found = self._content_types.get(raw)
        if found is None:
            found = self.extract_content_type([] if raw is None else [(b"content-type", raw)])
            if len(self._content_types) < _REMEMBERED:
                self._content_types[raw] = found
        return found

    def _body_validator(self, mime_type: str, encoding: str) -> Any:
        """The validator for this content type (False: nothing to check), remembered."""
        self.validate_mime_type(mime_type)  # raises for a type the operation does not take
        schema = self._operation.body_schema(mime_type)
        validator_class = self._validator_map["body"].get(mime_type) if schema else None
        validator: Any = False
        if validator_class is not None:
            validator = validator_class(
                schema=schema,
                required=self._operation.request_body.get("required", False),
                nullable=is_nullable(self._operation.body_definition(mime_type)),
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=self._uri_parser,
            )
        if len(self._body_validators) < _REMEMBERED:
            self._body_validators[(mime_type, encoding)] = validator
        return validator


# Content types remembered per operation: a client inventing charsets gets its validator built
# each time, not kept forever.
_REMEMBERED = 16
_NEUTRAL_KEYS = {"type", "example", "examples", "description", "title", "x-reconstructed"}


def _accepts_any_string(param: dict[str, Any]) -> bool:
    """A path parameter, or an optional one, whose schema is a bare `type: string`: every value
    the router can hand over is valid, so validating it can only say yes."""
    schema = param.get("schema", {})
    bare_string = schema.get("type") == "string" and set(schema) <= _NEUTRAL_KEYS
    return bare_string and (param.get("in") == "path" or not param.get("required", False))


class _CachingValidationAPI(RequestValidationAPI):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> _CachedValidationOperation:
        return _CachedValidationOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class CachingRequestValidationMiddleware(RequestValidationMiddleware):  # type: ignore[misc]
    api_cls = _CachingValidationAPI


PARSED_BODY = "mockserver.parsed_body"  # scope key: the JSON body as validation parsed it
_MISSING = object()  # no body bytes at all; a literal JSON `null` is a body, and may be wrong


class OptionalBodyJSONValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    """Connexion refuses a missing body even where the spec says `required: false`; accept it,
    but only a missing one: `null` is judged by the schema like any other body.
    And its schema is compiled once, not on every request."""

    @functools.cached_property
    def _validator(self) -> Any:
        return super()._validator

    @functools.cached_property
    def _precheck(self) -> Precheck | None:
        return precheck(self._schema)  # the schema `_validator` judges by

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        """Connexion's `wrap_receive` reads the body through an async generator into a list of
        messages. A body that came with a Content-Length, whole in its first message (the common
        case), is judged here the same way at a fraction of the cost: parsed, validated, and
        replayed to the app as the same message. Anything else goes connexion's way, with the
        message already read put back in front."""
        message = await receive()
        if message.get("more_body", False) or not message.get("body") or not declared_length(scope):
            wrapped: tuple[Receive, Scope] = await super().wrap_receive(
                self._insert_messages(receive, messages=(message,)), scope=scope
            )
            return wrapped
        body = self._parsed(message["body"], scope)
        if not (body is None and self._nullable):
            self._validate(body)
        replay: Receive = self._insert_messages(receive, messages=(message,))
        return replay, scope

    async def _parse(self, stream: AsyncIterator[bytes], scope: Scope) -> Any:
        return self._parsed(b"".join([chunk async for chunk in stream]), scope)

    def _parsed(self, raw: bytes, scope: Scope) -> Any:
        if not raw:
            return _MISSING
        body = jsonbody.loads(raw, self._encoding)  # strict: what is kept can be written back
        scope[PARSED_BODY] = body  # the value validated is the value used: parsed once
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is _MISSING:
            if self._required:
                raise invalid_input("body:missing", "A request body is required")
            return None
        fast = self._precheck  # a parsed JSON value: dict, list, str, int, float, bool, None
        if fast is not None and fast(body):
            return None
        if self._validator.is_valid(body):  # no error to look for
            return None
        error = best_match(self._validator.iter_errors(body))  # as parameters: the most relevant
        if error is not None:
            raise invalid_input(
                labels.schema_error_label("body", error), labels.schema_error_message("body", error)
            )
        return None


VALIDATOR_MAP = {
    **CONNEXION_VALIDATORS,
    "parameter": NamingParameterValidator,
    "body": MediaTypeDict({**CONNEXION_VALIDATORS["body"], "*/*json": OptionalBodyJSONValidator}),
}
