"""Building real model rows in tests without going through the importer."""

import hashlib
import itertools

from archive.chinese import to_simplified
from archive.models import Article

_counter = itertools.count(1)


def make_article(title="测试文章", body="正文。", **fields):
    """Create an Article with every derived field filled the way the importer fills it."""
    fields.setdefault("body_html", "".join(f"<p>{line}</p>" for line in body.split("\n")))
    fields.setdefault("title_simplified", to_simplified(title))
    fields.setdefault("body_simplified", to_simplified(body))
    fields.setdefault(
        "content_hash",
        hashlib.sha256(f"{title}\n{body}\n{next(_counter)}".encode()).hexdigest(),
    )
    return Article.objects.create(title=title, body_text=body, **fields)
