"""One file in, one :class:`FileResult` out: an article ready to store, or a clear error.

Nothing here touches the database, so parsing can be measured (and dry-run) on its own.
"""

import hashlib
import os
from dataclasses import dataclass

from .article import ArticleData, finish
from .cleaning import strip_pinyin_annotations
from .decoding import decode
from .errors import ImportFailure
from .formats import detect_format, parse_text

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class FileResult:
    path: str
    size: int = 0
    sha256: str = ""
    encoding: str = ""
    file_format: str = ""
    article: ArticleData | None = None
    error: str = ""


def read_file(path, max_bytes=MAX_FILE_BYTES):
    """Parse the file at ``path``; failures come back as a result with ``error`` set."""
    path = os.path.abspath(path)
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            return FileResult(
                path, size, error=f"file too large: {_mb(size)} exceeds the {_mb(max_bytes)} limit"
            )
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return FileResult(path, error=f"cannot read file: {exc.strerror or exc}")
    return parse_bytes(raw, path)


def parse_bytes(raw, path):
    result = FileResult(path, len(raw), hashlib.sha256(raw).hexdigest())
    try:
        decoded = decode(raw)
        result.encoding = decoded.encoding
        result.file_format = detect_format(decoded.text)
        # Reading aids go first, so that bylines such as 見習(xí)記者 are recognised.
        text = strip_pinyin_annotations(decoded.text)
        result.article = finish(parse_text(text, result.file_format))
    except ImportFailure as exc:
        result.error = str(exc)
    except Exception as exc:  # a parser bug on odd input must not stop the batch
        result.error = f"unreadable {result.file_format or 'file'}: {type(exc).__name__}: {exc}"
    return result


def read_files(paths, max_bytes=MAX_FILE_BYTES):
    """:func:`read_file` for several paths: one task for a parsing worker process."""
    return [read_file(path, max_bytes) for path in paths]


def _mb(size):
    return f"{size / 1024 / 1024:.1f} MB"
