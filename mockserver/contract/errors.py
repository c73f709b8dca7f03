"""The contract tool itself went wrong: kept apart from what the server under test got wrong."""

from __future__ import annotations

from mockserver.errors import MockserverError


class ToolError(MockserverError):
    """A bad spec, an unreachable URL, a bad option: one readable line, never a contract failure."""
