"""A request's headers as text (names in lower case), decoded once per request however many
layers read them: the namespace, the credential guard and the `Call` each used to decode them
again. Kept in the scope beside the list it was read from, so a layer that replaces the list (the
body limit rewrites a chunked request's headers) gets it read afresh."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

TEXT_HEADERS = "mockserver.headers"  # scope key: (the header list, its text)


def text_headers(scope: MutableMapping[str, Any]) -> dict[str, str]:
    """The headers as {name: value} (a repeated header: its last value). Shared: read only."""
    raw = scope["headers"]
    kept = scope.get(TEXT_HEADERS)
    if kept is not None and kept[0] is raw:
        return kept[1]  # type: ignore[no-any-return]
    text: dict[str, str] = {}
    for name, value in raw:  # a loop: in Python 3.11 a comprehension is one more call
        text[name.decode("latin-1").lower()] = value.decode("latin-1")
    scope[TEXT_HEADERS] = (raw, text)
    return text
