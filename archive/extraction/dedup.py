"""Same story, several copies: near-duplicate detection with MinHash over character shingles.

Each article keeps its 128-value MinHash signature and 32 LSH band keys (4 values each) in
an indexed array column, so "which stored articles might be copies of this one?" is one
GIN-indexed ``&&`` query at import time, whatever the size of the archive; the signatures
of those few candidates then give the similarity estimate. Nothing is rebuilt in memory.

A copy points at one primary (the earliest dated, then the most complete, then the oldest
row) and is given status ``duplicate``, which hides it from lists and search. Pairs in the
borderline band are only flagged ``suspected_duplicate`` for a person to decide.

Different stories in one template (two products from one shop, a daily round-up's fixed
greeting and sign-off around other items) share many shingles without being copies: a pair
whose paragraphs, once those they share are set aside, still leave each a substantial text
unlike the other's is a frame around two stories, neither a copy nor a suspect.
"""

import hashlib
import re
import zlib

import numpy as np
from datasketch import MinHash

from archive.models import Article

NUM_PERM = 128
# 32 bands of 4: a pair at the suspect threshold (0.5) shares a band with probability 0.87,
# a duplicate (0.8) with probability 1 - 1e-9; unrelated stories (< 0.1) almost never.
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 5
DUPLICATE_AT = 0.8  # estimated Jaccard similarity of 5-character shingles
SUSPECT_AT = 0.5
# Below this many characters of text there is too little to compare: two captions or two
# empty bodies would look identical. Such articles get no signature.
MIN_CHARACTERS = 50
# Below this similarity the paragraphs two articles do not share are other stories.
DISTINCT_BELOW = 0.2

# Links, spacing and punctuation change between copies; words and numbers stay (daily
# reports that differ only in their figures are different stories).
_NOISE = re.compile(r"https?://\S+|[\s\W_]+")


def normalise(text):
    return _NOISE.sub("", text or "")


def shingles(text):
    text = normalise(text)
    return {text[i : i + SHINGLE] for i in range(max(len(text) - SHINGLE + 1, 1))}


# Drawn once: building them per MinHash costs more than hashing a whole article. CRC-32 (C)
# replaces datasketch's default SHA-1 per shingle for the same reason; signatures are stored,
# so changing either means re-signing every article (extract_entities --all).
# The scheme is named because stored signatures must stay comparable across upgrades.
SCHEME = "affine32"
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations


def signature(text):
    minhash = MinHash(
        num_perm=NUM_PERM, hashfunc=zlib.crc32, permutations=_PERMUTATIONS, scheme=SCHEME
    )
    minhash.update_batch([shingle.encode() for shingle in shingles(text)])
    return minhash.hashvalues.astype(np.uint32)


def band_keys(values):
    """One signed 64-bit key per band (PostgreSQL bigint), the band number mixed in."""
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def similarity(first, second):
    return float(np.mean(first == second))


def shared_frame_only(first, second):
    """True when two texts share a frame but not their stories (see module docstring): the
    paragraphs of each that the other lacks are substantial and unlike each other."""
    first_paragraphs = {normalise(p) for p in first.split("\n")} - {""}
    second_paragraphs = {normalise(p) for p in second.split("\n")} - {""}
    own_first = "".join(sorted(first_paragraphs - second_paragraphs))
    own_second = "".join(sorted(second_paragraphs - first_paragraphs))
    if min(len(own_first), len(own_second)) < MIN_CHARACTERS:
        return False
    a, b = shingles(own_first), shingles(own_second)
    return len(a & b) < DISTINCT_BELOW * len(a | b)


def _values(article):
    return np.frombuffer(bytes(article.minhash), dtype=np.uint32)


def _rank(article):
    """Sort key of the primary: earliest dated, then most complete, then oldest row."""
    dated = article.published_at
    return (dated is None, dated.timestamp() if dated else 0, -len(article.body_text), article.pk)


def find_duplicates(article_ids):
    """Sign the given articles and link each to its copies; return the ids whose status,
    primary or flags changed (including older articles demoted to copies).

    Two queries per batch (read, store signatures), one per article (its candidates), one
    more when some are close (their texts) and a few for each copy found.
    """
    articles = [
        article
        for article in Article.objects.filter(pk__in=list(article_ids)).order_by("pk")
        if len(normalise(article.body_simplified)) >= MIN_CHARACTERS
    ]
    signed = []
    for article in articles:
        values = signature(article.body_simplified)
        if article.minhash is None or bytes(article.minhash) != values.tobytes():
            article.minhash = values.tobytes()
            article.minhash_bands = band_keys(values)
            signed.append(article)
    # Batches: one UPDATE over a large archive ran far too long and could not be cancelled
    # (docs/benchmarks.md, "Why the code is as it is").
    Article.objects.bulk_update(signed, ["minhash", "minhash_bands"], batch_size=500)
    changed = set()
    for article in articles:
        values = _values(article)
        # One query per article, on purpose: for an array of more than a few dozen keys
        # PostgreSQL's estimate makes it scan the table instead of using the GIN index.
        others = (
            Article.objects.filter(minhash_bands__overlap=article.minhash_bands)
            .exclude(pk=article.pk)
            .values_list("id", "minhash")
        )
        scores = {
            pk: similarity(values, np.frombuffer(bytes(minhash), dtype=np.uint32))
            for pk, minhash in others
        }
        close = [pk for pk, score in scores.items() if score >= SUSPECT_AT]
        if close:
            # The few close ones only: their texts tell a copy from a shared template.
            bodies = Article.objects.filter(pk__in=close).values_list("pk", "body_simplified")
            close = [
                pk for pk, body in bodies if not shared_frame_only(article.body_simplified, body)
            ]
        copies = [pk for pk in close if scores[pk] >= DUPLICATE_AT]
        suspects = [pk for pk in close if scores[pk] < DUPLICATE_AT]
        if copies:
            changed |= _cluster(article, copies)
        flags = list(article.review_flags)
        wants_flag = bool(suspects) and not copies
        if wants_flag != (Article.ReviewFlag.SUSPECTED_DUPLICATE in flags):
            if wants_flag:
                flags.append(Article.ReviewFlag.SUSPECTED_DUPLICATE)
            else:
                flags.remove(Article.ReviewFlag.SUSPECTED_DUPLICATE)
            Article.objects.filter(pk=article.pk).update(review_flags=flags)
            changed.add(article.pk)
    return sorted(changed)


def _cluster(article, copies):
    """Gather the article, its copies (ids) and their primaries under one primary."""
    # Fresh rows: an earlier article of the same batch may have regrouped these already.
    members = {member.pk: member for member in Article.objects.filter(pk__in=[article.pk, *copies])}
    primary_ids = {m.duplicate_of_id for m in members.values() if m.duplicate_of_id}
    for extra in Article.objects.filter(pk__in=primary_ids - set(members)):
        members[extra.pk] = extra
    for extra in Article.objects.filter(duplicate_of__in=list(members)).exclude(pk__in=members):
        members[extra.pk] = extra
    primary = min(members.values(), key=_rank)
    changed = set()
    for member in members.values():
        if member.pk == primary.pk:
            if member.duplicate_of_id is not None or member.status == Article.Status.DUPLICATE:
                Article.objects.filter(pk=member.pk).update(
                    duplicate_of=None, status=Article.Status.PUBLISHED
                )
                changed.add(member.pk)
        elif member.duplicate_of_id != primary.pk or member.status != Article.Status.DUPLICATE:
            Article.objects.filter(pk=member.pk).update(
                duplicate_of=primary, status=Article.Status.DUPLICATE
            )
            changed.add(member.pk)
    return changed
