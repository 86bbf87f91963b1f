"""The search engine seam (``search.engine``) and what the Whoosh engine behind it declares:
no Whoosh outside its package, its private Whoosh names listed, its release checked, and its
on-disk format named so that an index of another format is refused clearly and rebuilt."""

import ast
import warnings
from pathlib import Path

import pytest
import whoosh
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from search import whoosh as whoosh_engine
from search.engine import IndexFormatMismatch, engine
from tests.factories import make_article

ROOT = Path(settings.BASE_DIR)
PACKAGE = ROOT / "search" / "whoosh"
SITE = ("archive", "search", "config", "bench")


def _site_modules():
    """The project's own modules outside the Whoosh package (tests may exercise it)."""
    for folder in SITE:
        for path in (ROOT / folder).rglob("*.py"):
            if PACKAGE not in path.parents and "migrations" not in path.parts:
                yield path


def _imported(path):
    """Every module name ``path`` imports."""
    names = set()
    for node in ast.walk(_parsed(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _parsed(path):
    with warnings.catch_warnings():  # Whoosh's source has invalid escapes in plain strings
        warnings.simplefilter("ignore")
        return ast.parse(path.read_text(encoding="utf-8"))


def _private_names(tree):
    """Single-underscore names a module defines, reads, assigns or imports."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.alias):
            found.add(node.name)
    return {name for name in found if name.startswith("_") and not name.startswith("__")}


def _private_attributes(tree):
    """Single-underscore attributes a module reads or writes on some object."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    }


def test_nothing_outside_the_whoosh_package_imports_whoosh():
    offenders = {
        str(path.relative_to(ROOT))
        for path in _site_modules()
        if any(name == "whoosh" or name.startswith("whoosh.") for name in _imported(path))
    }
    assert offenders == set()


def test_only_the_index_definition_and_the_app_name_the_whoosh_package():
    """Views, API, feeds, admin, commands and the worker reach the engine through the seam."""
    users = {
        str(path.relative_to(ROOT))
        for path in _site_modules()
        if any(name.startswith("search.whoosh") for name in _imported(path))
    }
    assert users == {"search/search_indexes.py", "search/apps.py"}


def test_private_whoosh_names_are_exactly_the_declared_ones():
    """The underscore names the package shares with Whoosh's source are the ones it lists
    (``PRIVATE_NAMES``), and no other module reaches for one on an object."""
    whoosh_source = Path(whoosh.__file__).parent
    whoosh_names = set()
    for path in whoosh_source.rglob("*.py"):
        whoosh_names |= _private_names(_parsed(path))
    used = set()
    for path in PACKAGE.glob("*.py"):
        used |= _private_names(_parsed(path))
    assert (used & whoosh_names) - {"_"} == whoosh_engine.PRIVATE_NAMES
    elsewhere = {
        str(path.relative_to(ROOT)): names
        for path in _site_modules()
        if (names := _private_attributes(_parsed(path)) & whoosh_engine.PRIVATE_NAMES)
    }
    assert elsewhere == {}


def test_an_untested_whoosh_release_fails_the_system_check(monkeypatch):
    assert whoosh_engine.check_whoosh_version() == []
    monkeypatch.setattr(whoosh_engine, "TESTED_WHOOSH", ("2.7.3",))
    (error,) = whoosh_engine.check_whoosh_version()
    assert error.id == "search.E001"
    assert whoosh.versionstring() in error.msg and "2.7.3" in error.msg


def _reopen():
    """What a process started now sees: no searcher, setup not yet run."""
    backend = engine()
    backend.forget_searcher()
    backend.setup_complete = False
    return backend


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("written_as", ["4", None], ids=["older-format", "unmarked"])
def test_an_index_of_another_format_is_refused_clearly_and_rebuilt(
    client, search_index, reindex, written_as
):
    article = make_article("户籍窗口延时服务", "民警为群众办理户籍业务。")
    reindex()
    format_file = Path(settings.SEARCH_INDEX_PATH) / whoosh_engine.FORMAT_FILE
    assert format_file.read_text() == whoosh_engine.FORMAT
    # An index left by an earlier release: its files, another (or no) format named.
    if written_as is None:
        format_file.unlink()
    else:
        format_file.write_text(written_as)
    backend = _reopen()

    with pytest.raises(IndexFormatMismatch, match="index_articles"):
        backend.document_count()
    page = client.get("/search/", {"q": "户籍"})
    assert page.status_code == 503 and "搜索暂不可用" in page.content.decode()
    assert client.get("/").status_code == 200  # browsing still works
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "格式" in health.json()["search"]["error"]
    with pytest.raises(CommandError, match="--fix"):
        call_command("check_index", verbosity=0)

    call_command("check_index", "--fix", verbosity=0)
    assert format_file.read_text() == whoosh_engine.FORMAT
    _reopen()
    assert list(engine().find(_plan("户籍"))) == [article.pk]
    assert client.get("/search/", {"q": "户籍"}).status_code == 200


def _plan(text):
    from search.query import parse

    return parse(text)
