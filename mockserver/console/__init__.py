"""The web console's files (`index.html`, `console.js`, `console.css`), served by the mock itself
at `/__mock/`: no build step, no CDN, so it works offline and matches the mock it ships with.

A browser asking for `/__mock` (`Accept: text/html`) gets the page; a script asking for the same
URL keeps getting the status JSON. The page drives the mock through the admin API only.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from mockserver.calls import Reply

PAGE = "index.html"
ASSETS = {  # what may be served, and as what: no path from a request reaches the file system
    PAGE: "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
HEADERS = {
    "Cache-Control": "no-cache",  # a new mock version shows its new console on the next load
    "Vary": "Accept",
    "X-Content-Type-Options": "nosniff",
}


def wants_page(headers: Any) -> bool:
    """True for a browser's navigation; JSON clients (curl's `*/*`, fetch) get the status."""
    return "text/html" in headers.get("accept", "")


def asset(name: str) -> Reply:
    """One of the console's files, read on each request (a page load: three small files), so
    an edit to the console shows on the next reload."""
    raw = files(__package__).joinpath(name).read_bytes()
    return Reply(raw=raw, content_type=ASSETS[name], headers=dict(HEADERS))
