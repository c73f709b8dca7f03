"""A mock and contract-testing server driven by an OpenAPI document (built for the Luxxon API)."""

__version__ = "0.1.0"
