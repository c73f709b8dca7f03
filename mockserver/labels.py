"""Short `field:reason` labels for a request the contract refuses, and the human text beside them.

An API's error `detail` is a label a client can branch on and log safely; the sentence for a
person goes in `message`. Labels name where the problem is and which rule it broke:

    body.waitTimeoutSeconds:minimum        the JSON Schema keyword the value failed
    body.lat:missing                       a required property, or a required parameter, absent
    query.lat:pattern                      a parameter that fails its schema
    header.x-request-id:missing
    body:invalidJson                       the body as a whole

Every label matches `LABEL` (lower-case start; word characters, `.`, `-`, `:`): a name the
client sent that has other characters is written with `_` in their place, so input never
decides the label's shape. Pure functions of a jsonschema error or a parameter's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

LABEL = re.compile(r"^[a-z][\w.\-:]*$")
MESSAGE_LIMIT = 300  # an error message quotes the value; a 1 MiB value is not worth quoting
_UNSAFE = re.compile(r"[^\w\-]")
_SEGMENT_LIMIT = 64
# connexion's problem texts (connexion.validators) → where and why
_MISSING_PARAMETER = re.compile(r"^Missing (\w+) parameter '([^']*)'$")
_EXTRA_PARAMETER = re.compile(r"^Extra (\w+) parameter")


def segment(name: str | int) -> str:
    """One step of a location: a property name or an array index, made label-safe."""
    text = _UNSAFE.sub("_", str(name))[:_SEGMENT_LIMIT]
    return text or "_"


def location(root: str, path: Iterable[str | int] = ()) -> str:
    """`body`, `body.items.0.name`, `query.lat`, `header.x-request-id`."""
    return ".".join([root, *(segment(step) for step in path)])


def schema_error_label(root: str, error: ValidationError) -> str:
    """The label of the failure jsonschema reports, the field it names and the keyword it broke;
    a missing or unexpected property is named itself (`body.lat:missing`), not its parent."""
    path: list[str | int] = list(error.absolute_path)
    reason = str(error.validator)
    if reason == "required":
        path.append(_first_missing(error.validator_value, error.instance))
        reason = "missing"
    elif reason == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extras = sorted(str(k) for k in error.instance if k not in allowed)
        if extras:
            path.append(extras[0])
            reason = "unexpected"
    return f"{location(root, path)}:{reason}"


def schema_error_message(root: str, error: ValidationError) -> str:
    """The validator's sentence, placed: `body.waitTimeoutSeconds: 4 is less than the minimum of 5`."""
    where = location(root, error.absolute_path)
    return clip(f"{where}: {error.message}")


def parameter_label(kind: str, name: str, error: ValidationError | None = None) -> str:
    """A parameter's label: `query.lat:pattern`, or `header.x-request-id:missing` when
    there is no error because there is no value. Header names are case-insensitive: lower case."""
    root = location(kind, [name.lower() if kind == "header" else name])
    return f"{root}:missing" if error is None else schema_error_label(root, error)


def problem_label(text: str) -> str:
    """A label for one of connexion's request problems, read from its text (it carries no fields):
    a missing parameter, a missing body, an undeclared parameter, an unsupported content type."""
    missing = _MISSING_PARAMETER.match(text)
    if missing:
        return parameter_label(missing.group(1), missing.group(2))
    extra = _EXTRA_PARAMETER.match(text)
    if extra:
        return f"{location(extra.group(1))}:unexpected"
    if text in ("RequestBody is required", "Request body must not be empty"):
        return "body:missing"
    if text.startswith("Invalid Content-type"):
        return "header.content-type:unsupported"
    return "request:invalid"


def clip(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _first_missing(required: Any, instance: Any) -> str:
    present = instance if isinstance(instance, dict) else {}
    names = [str(name) for name in required or () if name not in present]
    return names[0] if names else "_"
