"""The documents a user reads: the README stays short and routes each reader to a page, and
every relative link in README.md, docs/ and bench/README.md reaches a file and a heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "bench" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


# The pytest plugin's section is written with the plugin (issue 11, item 2) on another branch.
def prose(path: Path) -> str:
    """The document without its code blocks (a `# comment` in bash is not a heading)."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", prose(path), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def relative_links() -> list[tuple[str, str]]:
    """(document, link) for every link that is not a URL."""
    return [
        (str(doc.relative_to(ROOT)), link)
        for doc in DOCUMENTS
        for link in LINK.findall(prose(doc))
        if not re.match(r"[a-z]+:", link)
    ]


def target(document: str, link: str) -> str:
    path, _, anchor = link.partition("#")
    resolved = (ROOT / document).parent / path if path else ROOT / document
    name = resolved.resolve().relative_to(ROOT).as_posix()
    return f"{name}#{anchor}" if anchor else name


def test_readme_is_short_and_keeps_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")

    assert len(text.encode()) < 10_000
    assert "make serve" in text and "make test" in text
    for page in ("docs/frontend.md", "docs/contract.md", "docs/qa.md", "docs/world.md"):
        assert f"]({page})" in text


@pytest.mark.parametrize(
    ("document", "link"),
    [(doc, link) for doc, link in relative_links()],
)
def test_relative_link_reaches_a_file_and_a_heading(document: str, link: str) -> None:
    name, _, anchor = target(document, link).partition("#")
    path = ROOT / name

    assert path.exists(), f"{document}: {link}: no such file"
    if anchor:
        assert path.suffix == ".md", f"{document}: {link}: an anchor into a non-Markdown file"
        assert anchor in anchors(path), f"{document}: {link}: no heading #{anchor}"
