"""A request's headers are decoded once, and read again when a layer replaces them."""

from __future__ import annotations

from mockserver.headers import text_headers


def test_headers_are_read_once_per_list_and_again_for_a_new_list() -> None:
    scope = {"headers": [(b"Host", b"x"), (b"x-a", b"1"), (b"x-a", b"2"), (b"x-b", b"\xe9")]}
    first = text_headers(scope)
    assert first == {"host": "x", "x-a": "2", "x-b": "\xe9"}  # lower case, last one, latin-1
    assert text_headers(dict(scope)) is first  # a copied scope (routing's) shares the reading

    scope["headers"] = [(b"content-length", b"3")]  # the body limit's rewrite of a chunked one
    assert text_headers(scope) == {"content-length": "3"}
