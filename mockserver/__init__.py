"""A mock and contract-testing server driven by an OpenAPI document; its first flavor is the
API it was built for (see `flavors.py`)."""

# The one place for the version: pyproject.toml reads it from here when it builds (dynamic), so a
# checkout, an editable install and a wheel all say the same without installed metadata.
__version__ = "0.1.0"
