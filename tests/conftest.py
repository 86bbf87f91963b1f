"""Shared fixtures, grouped by area."""

import html
import re
from pathlib import Path

import pytest

# --- search ---------------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "articles"


def seed_texts():
    """(title, body) of each seed file: front matter title or first line, tags stripped."""
    texts = []
    for path in sorted(FIXTURES.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        title = None
        front = re.match(r"---\n(.*?)\n---\n", raw, re.S)
        if front:
            found = re.search(r"^title:\s*'?(.*?)'?\s*$", front.group(1), re.M)
            title = found.group(1) if found else None
            raw = raw[front.end() :]
        text = html.unescape(re.sub(r"<[^>]+>", "\n", raw))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if title is None:
            title = lines.pop(0)
        texts.append((title[:300], "\n".join(lines)))
    return texts


@pytest.fixture
def search_index(db):
    """The real Whoosh index of this test session, emptied for this test."""
    from search.indexing import backend_and_index

    backend, _ = backend_and_index()
    backend.clear()
    return backend


@pytest.fixture
def reindex(search_index):
    """Call to index every published article now (tests run inside a transaction)."""
    from search.indexing import rebuild

    return rebuild
