"""Fixtures shared by several test modules, grouped by area."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# --- Importer -------------------------------------------------------------------------------

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "articles"
IMPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importing"


def seed(number):
    """Path of seed file ``NNN_…`` in fixtures/articles/."""
    return next(SEEDS.glob(f"{number:03d}_*"))


@pytest.fixture
def run_import():
    """Run ``import_articles --json`` in-process; return (summary, exit status, stdout)."""

    def run(*paths, options=()):
        stdout, stderr = io.StringIO(), io.StringIO()
        status = 0
        try:
            call_command(
                "import_articles",
                *map(str, paths),
                "--json",
                *options,
                stdout=stdout,
                stderr=stderr,
            )
        except CommandError as exc:
            status = exc.returncode
        output = stdout.getvalue()
        summary = json.loads(output.strip().splitlines()[-1]) if output.strip() else None
        return summary, status, output

    return run


_CHROME = (
    "您现在的位置",
    "版权所有",
    "ICP备",
    "访问量",
    "发布时间",
    "来源：",
    "来源:",
    "编辑:",
    "編輯:",
)
_PINYIN_NOTE = re.compile(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def assert_clean_body(body, unterminated=()):
    """No site chrome, no reading aids, and no line that stops in mid-sentence: every line
    ends a sentence or is a short heading, except ``unterminated`` paragraphs that the
    source itself leaves open."""
    for chrome in _CHROME:
        assert chrome not in body, chrome
    assert not _PINYIN_NOTE.search(body)
    for line in body.splitlines():
        assert line == line.strip() and line, repr(line)
        assert line[-1] in "。！？!?”）)…" or len(line) <= 30 or line in unterminated, line
