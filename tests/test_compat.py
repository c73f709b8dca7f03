"""Every private name of a library the mock relies on is still there: an upgrade that removes
one fails here, by name, instead of somewhere deep in a request."""

from __future__ import annotations

import inspect

from mockserver import _compat


def test_every_private_class_attribute_still_exists() -> None:
    assert _compat.missing() == []


def test_instance_attributes_are_still_set_by_the_library() -> None:
    for owner, names in _compat.INSTANCE_ATTRIBUTES.items():
        source = "".join(inspect.getsource(cls) for cls in owner.__mro__ if cls is not object)
        for name in names:
            assert f"self.{name} =" in source, f"{owner.__name__}.{name}"


def test_spec_check_is_restored_after_loading() -> None:
    from connexion.spec import OpenAPISpecification

    before = OpenAPISpecification.__dict__.get("_validate_spec")
    with _compat.spec_already_checked():
        assert OpenAPISpecification.__dict__.get("_validate_spec") is not before
    assert OpenAPISpecification.__dict__.get("_validate_spec") is before
