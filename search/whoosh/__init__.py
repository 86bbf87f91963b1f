"""The Whoosh engine behind ``search.engine``: its backend, analyzers, fields, codec and
segment writer, and what they depend on in Whoosh.

Nothing outside this package imports Whoosh (``tests/test_search_engine_seam.py``). The
package leans on Whoosh's internals in two ways, both stated here:

* ``PRIVATE_NAMES``: the underscore names of Whoosh it reads, overrides or calls (the
  postings codec and matcher, the segment writer's flush, the exclusion matcher). A Whoosh
  release may change any of them, so ``TESTED_WHOOSH`` names the releases this package was
  tested with and ``manage.py check`` fails on any other (``check_whoosh_version``).
* The on-disk format: Whoosh pickles the schema (with the analyzer and field format classes
  of ``search.whoosh.analyzers`` and ``search.whoosh.segments``) and each segment's codec
  (``search.whoosh.codec.CompactCodec``) by module path. Moving or renaming one of those
  classes, or changing what they write, changes the format: bump ``FORMAT``. The index
  directory holds the format it was written in (``FORMAT_FILE``); the backend refuses an
  index of another format with a message to rebuild, and a rebuild replaces it.
"""

from pathlib import Path

import whoosh
from django.conf import settings
from django.core import checks

FORMAT = "6"  # 6: postings blocks of up to 1,024 documents (a two-byte count)
FORMAT_FILE = "ARCHIVE_FORMAT"
TESTED_WHOOSH = ("2.7.4",)
PRIVATE_NAMES = frozenset(
    {
        # whoosh.codec.whoosh3: the postings writer, leaf matcher and block layout that
        # search.whoosh.codec re-encodes
        "_blockcount", "_blocklength", "_blocklimit", "_compression", "_data", "_dataoffset",
        "_fixedsize", "_format", "_goto", "_i", "_ids", "_inlinelimit", "_lastblock",
        "_maxid", "_maxlength", "_maxweight", "_minlength", "_new_block", "_nextoffset",
        "_postfile", "_read_data", "_read_ids", "_read_values", "_read_weights",
        "_skip_to_block", "_terminfo", "_values", "_weights", "_write_block",
        # whoosh.system
        "_INT_SIZE",
        # whoosh.writing.SegmentWriter: the flush and add_document that search.whoosh.segments
        # replaces
        "_added", "_check_fields", "_check_state", "_close_segment", "_doc_boost",
        "_field_boost", "_finalize_segment", "_flush_segment", "_postwriter",
        # whoosh.matching.wrappers.FilterMatcher: which side of a filter excludes
        "_exclude",
    }
)  # fmt: skip


def index_files(path):
    """The files of a Whoosh index in ``path``: its tables of contents (``_<name>_<gen>.toc``),
    segments and their postings; not the archive's own files there (``ARCHIVE_*``)."""
    directory = Path(path)
    if not directory.is_dir():
        return []
    return [
        entry
        for entry in directory.iterdir()
        if entry.is_file() and not entry.name.startswith("ARCHIVE_")
    ]


def check_whoosh_version(app_configs=None, **kwargs):
    """Whoosh is pinned; a different release may break the private names above silently
    (registered by ``search.apps.SearchConfig.ready``)."""
    engines = [c.get("ENGINE", "") for c in settings.HAYSTACK_CONNECTIONS.values()]
    if not any(engine.startswith(__name__) for engine in engines):
        return []
    if whoosh.versionstring() in TESTED_WHOOSH:
        return []
    return [
        checks.Error(
            f"Whoosh {whoosh.versionstring()} 未经测试：检索引擎依赖其私有名称 "
            f"(search.whoosh.PRIVATE_NAMES)，已测试的版本：{', '.join(TESTED_WHOOSH)}。",
            hint="安装 pyproject.toml 所列的 Whoosh 版本，或在新版本上跑通测试后更新 TESTED_WHOOSH。",
            id="search.E001",
        )
    ]
