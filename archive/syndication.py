"""One story published by many outlets: where it first appeared, and its other copies.

Near-duplicate detection (archive.extraction.dedup) and staff mark every copy of a story as a
duplicate of one primary article, which alone is listed, searched and fed; the copies stay
for the record. A story's page says where it appeared first (the earliest dated of the
primary and its copies) and how many others carried it; a researcher can take every copy
as CSV.
"""

from django.http import Http404, StreamingHttpResponse
from django.views.decorators.http import require_safe

from archive import browse
from archive.models import Article

COPY_FIELDS = (
    "id",
    "title",
    "source",
    "via_site",
    "original_url",
    "published_at",
    "date_precision",
)
COPY_COLUMNS = [
    "id",
    "role",
    "title",
    "source",
    "via_site",
    "published",
    "precision",
    "original_url",
]


def first_appearance(article, copies):
    """Of ``article`` and its ``copies``, the one dated earliest (undated ones last; the
    primary on a tie)."""
    candidates = [article, *copies]
    dated = [c for c in candidates if c.is_dated]
    if not dated:
        return article
    return min(dated, key=lambda c: c.published_at)


@require_safe
def copies_csv(request, pk):
    """The story of a published article and all its copies as CSV, first appearance first."""
    article = (
        Article.objects.published().only(*COPY_FIELDS).filter(pk=pk if 0 < pk < 2**63 else 0)
    ).first()
    if article is None:
        raise Http404("文章不存在")
    copies = browse.article_copies(article)
    first = first_appearance(article, copies)
    ordered = [first, *(c for c in [article, *copies] if c is not first)]

    def lines():
        yield "\ufeff" + browse.csv_row(COPY_COLUMNS)
        for item in ordered:
            role = "首发" if item is first else ("主条目" if item is article else "转载")
            yield browse.csv_row(
                [item.pk, role, item.title, item.source, item.via_site, item.date_iso,
                 item.date_precision, item.original_url]
            )  # fmt: skip

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="story-{article.pk}.csv"'
    return response
