"""`GET /sessions` in pages. The docs are silent on paging this list, and a workspace that ran for
days would answer megabytes; so it pages as the wallet's event ledger does (openapi.json flags the
parameters `x-reconstructed`): `limit` (default 100, at most 500) and `cursor`, the prior page's
last session id. The array shape stays what the SDK reads; when there is a next page, its cursor
also comes in the `X-Lx-Next-Cursor` response header."""

from __future__ import annotations

from collections.abc import Mapping

from mockserver.errors import invalid_input
from mockserver.luxxon.world.money import page_limit

LIST_DEFAULT = 100
LIST_MAX = 500
NEXT_CURSOR = "X-Lx-Next-Cursor"


def newest_first(
    oldest_first: list[str], query: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """One page of ids, newest first, and the headers that say where the next page starts."""
    limit = page_limit(query.get("limit"), LIST_DEFAULT, LIST_MAX)
    end = len(oldest_first)
    cursor = query.get("cursor")
    if cursor:
        try:
            end = oldest_first.index(cursor)
        except ValueError:
            raise invalid_input(
                "query.cursor:unknown", "cursor is not a session id this workspace lists"
            ) from None
    page = oldest_first[max(0, end - limit) : end][::-1]
    more = end - limit > 0
    return page, ({NEXT_CURSOR: page[-1]} if more and page else {})
