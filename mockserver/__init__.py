"""A mock and contract-testing server driven by an OpenAPI document; its first flavor is the
API it was built for (see `flavors.py`)."""

__version__ = "0.1.0"
