"""manage.py export_dump: the whole public archive as JSON Lines, with a manifest."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dump_holds_every_public_article_with_its_links(browse_world, tmp_path):
    call_command(
        "export_dump", str(tmp_path / "dump"), "--base-url", "https://example.org/", verbosity=0
    )
    dump = tmp_path / "dump"
    articles = _lines(dump / "articles.jsonl")
    published = [a for a in browse_world["articles"].values() if a.status == "published"]
    assert [a["id"] for a in articles] == sorted(a.pk for a in published)
    a1 = browse_world["articles"]["a1"]
    first = next(a for a in articles if a["id"] == a1.pk)
    assert first["url"] == f"https://example.org/articles/{a1.pk}/"
    assert first["body_text"].startswith("周口日报记者昨日获悉")
    assert {r["code"] for r in first["regions"]} == {"411600", "411602"}
    regions = {r["code"]: r for r in _lines(dump / "regions.jsonl")}
    assert regions["411602"]["parent"] == "411600" and regions["411600"]["parent"] == "410000"
    agencies = {a["id"]: a for a in _lines(dump / "agencies.jsonl")}
    branch = browse_world["agencies"]["chuanhui"]
    assert agencies[branch.pk]["parent"] == browse_world["agencies"]["zhoukou"].pk
    assert agencies[branch.pk]["region"] == "411602"
    slugs = {i["slug"] for i in _lines(dump / "initiatives.jsonl")}
    assert "wo-wei-qun-zhong-ban-shi-shi" in slugs and "dai-shen" not in slugs  # accepted only
    manifest = json.loads((dump / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["articles.jsonl"]["rows"] == len(published)
    digest = hashlib.sha256((dump / "articles.jsonl").read_bytes()).hexdigest()
    assert manifest["files"]["articles.jsonl"]["sha256"] == digest
    assert not list(dump.glob("*.partial"))


def test_ids_are_stable_between_dumps(browse_world, tmp_path):
    call_command("export_dump", str(tmp_path / "one"), verbosity=0)
    call_command("export_dump", str(tmp_path / "two"), verbosity=0)
    assert (tmp_path / "one" / "articles.jsonl").read_bytes() == (
        tmp_path / "two" / "articles.jsonl"
    ).read_bytes()


def test_an_unwritable_directory_is_a_clear_error(db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CommandError, match="cannot create .*file/dump"):
        call_command("export_dump", str(blocker / "dump"), verbosity=0)
