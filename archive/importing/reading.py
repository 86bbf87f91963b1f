"""One file in, one :class:`FileResult` out: an article ready to store, or a clear error.

Nothing here touches the database, so parsing can be measured (and dry-run) on its own.
"""

import hashlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from .article import ArticleData, finish
from .cleaning import strip_pinyin_annotations
from .decoding import decode
from .errors import ImportFailure
from .formats import detect_format, parse_text

MAX_FILE_BYTES = 5 * 1024 * 1024
# The slowest file fuzzing found (a single long line) parses well within this on a busy
# machine (docs/benchmarks.md, "Why the code is as it is"); a file still parsing after this
# long is reported rather than allowed to stall the batch.
PARSE_SECONDS = 60


@dataclass
class FileResult:
    path: str
    size: int = 0
    sha256: str = ""
    encoding: str = ""
    file_format: str = ""
    article: ArticleData | None = None
    error: str = ""


def read_file(path: str, max_bytes: int = MAX_FILE_BYTES) -> FileResult:
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


def parse_bytes(raw: bytes, path: str, time_limit: float = PARSE_SECONDS) -> FileResult:
    result = FileResult(path, len(raw), hashlib.sha256(raw).hexdigest())
    try:
        with _time_limit(time_limit):
            decoded = decode(raw)
            result.encoding = decoded.encoding
            result.file_format = detect_format(decoded.text)
            # Reading aids go first, so that bylines such as 見習(xí)記者 are recognised.
            text = strip_pinyin_annotations(decoded.text)
            result.article = finish(parse_text(text, result.file_format))
    except _TimeUp:
        result.article = None
        result.error = f"gave up: parsing took longer than {time_limit:g} s"
    except ImportFailure as exc:
        result.error = str(exc)
    except Exception as exc:  # a parser bug on odd input must not stop the batch
        result.error = f"unreadable {result.file_format or 'file'}: {type(exc).__name__}: {exc}"
    return result


def read_files(paths: list[str], max_bytes: int = MAX_FILE_BYTES) -> list[FileResult]:
    """:func:`read_file` for several paths: one task for a parsing worker process."""
    return [read_file(path, max_bytes) for path in paths]


class _TimeUp(BaseException):
    """Not an Exception: parsers' and libraries' ``except Exception`` must not swallow it."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_TimeUp` in the block after ``seconds`` of wall time.

    A timer signal is the only way to stop pure-Python parsing from outside; signals reach only
    a process's main thread, so elsewhere (a request thread) the block runs unlimited. Time
    spent inside one C call (a single regular expression) ends when that call returns.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
