"""Connexion's parameter validator, told to name the parameter in its message and to compile
each parameter's schema once instead of on every request."""

from __future__ import annotations

from typing import Any

from connexion.utils import is_null, is_nullable
from connexion.validators import ParameterValidator
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

_compiled: dict[int, tuple[dict[str, Any], Draft4Validator]] = {}


def _validator_for(param: dict[str, Any]) -> Draft4Validator:
    # Keyed by identity: connexion hands us the same parameter dicts on every request; the
    # entry keeps the dict alive, so the id cannot be reused by another object.
    entry = _compiled.get(id(param))
    if entry is None or entry[0] is not param:
        schema = param.get("schema", param)
        entry = (param, Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER))
        _compiled[id(param)] = entry
    return entry[1]


class NamingParameterValidator(ParameterValidator):  # type: ignore[misc]
    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        name = param.get("name", param_name)
        if value is not None:
            error = best_match(_validator_for(param).iter_errors(value))
            return f"{parameter_type} parameter '{name}': {error.message}" if error else None
        if param.get("required"):
            return f"Missing {parameter_type} parameter '{name}'"
        return None
