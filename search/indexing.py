"""Keeping the index equal to ``Article.objects.published()``: by ids, and all at once."""

from haystack import connections

from archive.models import Article


def backend_and_index(using="default"):
    connection = connections[using]
    return connection.get_backend(), connection.get_unified_index().get_index(Article)


def update_articles(article_ids, using="default"):
    """Index the published articles among ``article_ids`` and drop the others, in one commit."""
    article_ids = set(article_ids)
    if not article_ids:
        return
    backend, index = backend_and_index(using)
    index.reset_ancestry()
    published = list(index.index_queryset().filter(pk__in=article_ids))
    gone = article_ids - {article.pk for article in published}
    backend.write(index, published, [f"archive.article.{pk}" for pk in sorted(gone)])


def iter_batches(queryset, batch_size):
    """Keyset pagination by primary key: each batch costs the same, unlike OFFSET."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def rebuild(batch_size=500, procs=1, progress=None, using="default"):
    """Empty the index and index every published article; returns how many.

    With ``procs`` > 1 Whoosh analyses in that many processes and writes one segment each
    (jieba is the bottleneck: it runs at about 300,000 characters a second per core).
    """
    backend, index = backend_and_index(using)
    backend.clear()
    index.reset_ancestry()
    options = {"procs": procs, "multisegment": True, "limitmb": 128} if procs > 1 else {}
    total = 0
    with backend.writer(**options) as writer:
        for batch in iter_batches(index.index_queryset(), batch_size):
            for doc in backend.prepare_documents(index, batch):
                writer.add_document(**doc)
            total += len(batch)
            if progress:
                progress(total)
    return total
