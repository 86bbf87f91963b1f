"""Importing from the admin: files and zips uploaded, staged safely and stored, imported
by the worker with the same importer while staff watch the upload's page, the per-file
report shown and kept; unsafe zips refused with a clear message before anything is stored."""

import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archive import curation
from archive.importing.uploads import Limits, UploadRejected, stage_uploads
from archive.models import Article, ImportBatch, ImportRecord, QueuedUpload

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/archive/importbatch/upload/"
SEEDS = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "articles").glob("*.txt"))


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def zip_of(members, symlinks=()):
    """A zip built by hand, so that it can hold what a hostile one would."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        for name, target in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def post(client, *files):
    return client.post(UPLOAD, {"files": list(files)})


@pytest.fixture
def imported(django_capture_on_commit_callbacks):
    """Post an upload and let the commit do the queued import (OWED_WORK_AT_COMMIT)."""
    from archive.extraction import linking

    def run(client, *files):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, *files)

    yield run
    # The callbacks confirmed the units extraction created in the extraction catalogue's
    # cache; the test's rollback removes them again, so the next test must not use it.
    linking._forget_catalog(type(None))


def page_messages(response):
    return " ".join(str(m) for m in response.context["messages"])


# --- Through the admin (the import runs) -----------------------------------------------------


def test_upload_page_is_offered_to_editors(editor_client):
    assert "从文件导入" in editor_client.get("/admin/archive/importbatch/").content.decode()
    page = editor_client.get(UPLOAD)
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode() and "multiple" in page.content.decode()


def test_upload_files_imports_them_and_shows_the_report(editor_client, imported):
    response = imported(
        editor_client,
        upload("周口.txt", SEEDS[0].read_bytes()),
        upload("坏文件.txt", b"\x00\x01\x02\xff" * 100),
    )
    assert response.status_code == 302
    queued = QueuedUpload.objects.get()
    assert response["Location"] == f"/admin/archive/queuedupload/{queued.pk}/change/"
    batch = ImportBatch.objects.get()
    assert (queued.batch, queued.files, queued.error) == (batch, 2, "")
    assert queued.finished_at is not None and not queued.stored.exists()
    assert (batch.origin, batch.imported, batch.failed) == ("admin", 1, 1)
    records = dict(ImportRecord.objects.values_list("path", "outcome"))
    assert records == {"上传/周口.txt": "imported", "上传/坏文件.txt": "failed"}
    article = Article.objects.get()

    page = editor_client.get(response["Location"])
    html = page.content.decode()
    assert "已收到 2 个文件" in page_messages(page)
    assert "已完成" in html and '<progress max="2" value="2">' in html
    assert f"/admin/archive/importbatch/{batch.pk}/change/" in html and "新增 1" in html
    assert 'http-equiv="refresh"' not in html  # finished: no more reloading
    listed = editor_client.get("/admin/archive/queuedupload/").content.decode()
    assert f"上传导入 #{queued.pk}" in listed and '<progress max="2" value="2">' in listed
    report = editor_client.get(f"/admin/archive/importbatch/{batch.pk}/change/").content.decode()
    assert "上传/坏文件.txt" in report and f"/admin/archive/article/{article.pk}/change/" in report


def test_the_upload_page_shows_progress_while_the_worker_has_not_imported(editor_client, settings):
    settings.OWED_WORK_AT_COMMIT = False
    response = post(editor_client, upload("周口.txt", SEEDS[0].read_bytes()))
    queued = QueuedUpload.objects.get()
    assert queued.finished_at is None and queued.stored.get().path == "周口.txt"
    assert not ImportBatch.objects.exists()
    html = editor_client.get(response["Location"]).content.decode()
    assert "进行中" in html and "尚未开始" in html and '<progress max="1" value="0">' in html
    assert 'http-equiv="refresh"' in html

    assert curation.import_next_upload() == queued
    assert curation.import_next_upload() is None  # nothing else waits
    queued.refresh_from_db()
    assert queued.finished_at is not None and queued.batch.imported == 1
    assert "已完成" in editor_client.get(response["Location"]).content.decode()


def test_reviewers_may_watch_uploads_but_not_upload(reviewer_client, editor, settings):
    settings.OWED_WORK_AT_COMMIT = False
    queued = curation.queue_uploads([upload("周口.txt", SEEDS[0].read_bytes())], editor)
    assert (
        reviewer_client.get(f"/admin/archive/queuedupload/{queued.pk}/change/").status_code == 200
    )
    assert reviewer_client.get(UPLOAD).status_code == 403


def test_upload_zip_imports_every_member(editor_client, imported):
    content = zip_of(
        {
            "稿件/a.txt": SEEDS[1].read_bytes(),
            "稿件/b.txt": SEEDS[2].read_bytes(),
            "__MACOSX/稿件/._a.txt": b"\x00\x05\x16\x07",
        }
    )
    response = imported(editor_client, upload("一批.zip", content))
    assert response.status_code == 302
    assert sorted(ImportRecord.objects.values_list("path", flat=True)) == [
        "上传/一批/稿件/a.txt",
        "上传/一批/稿件/b.txt",
    ]
    assert Article.objects.count() == 2


# --- Refused before anything is imported ----------------------------------------------------


@pytest.mark.parametrize(
    ("members", "symlinks", "reason"),
    [
        ({"../../etc/cron.d/evil.txt": b"x"}, (), "路径穿越"),
        ({"稿件/../../evil.txt": b"x"}, (), "路径穿越"),
        ({"/etc/evil.txt": b"x"}, (), "绝对路径"),
        ({"C:\\Windows\\evil.txt": b"x"}, (), "绝对路径"),
        ({"a.txt": b"x"}, [("link.txt", "/etc/passwd")], "符号链接"),
    ],
)
def test_unsafe_zip_is_refused_with_a_clear_message(editor_client, members, symlinks, reason):
    content = zip_of({"好文件.txt": SEEDS[0].read_bytes(), **members}, symlinks)
    response = post(editor_client, upload("危险.zip", content), upload("另一个.txt", b"x"))
    assert response.status_code == 200
    message = page_messages(response)
    assert "已拒绝上传" in message and "危险.zip" in message and reason in message
    assert "未导入任何文件" in message
    assert not QueuedUpload.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not Article.objects.exists()


def test_zip_bomb_is_refused_before_anything_is_written(editor_client, tmp_path):
    # 101 MB of zeros compress to about 100 KB.
    content = zip_of({"zeros.txt": bytes(101 * 1024 * 1024)})
    assert len(content) < 1024 * 1024
    response = post(editor_client, upload("炸弹.zip", content))
    assert "解压后总大小超过上限" in page_messages(response)
    assert not QueuedUpload.objects.exists()


def test_not_a_zip(editor_client):
    response = post(editor_client, upload("假的.zip", b"PK not really"))
    assert "不是有效的 zip 文件" in page_messages(response)


# --- Staging rules, without the importer ------------------------------------------------------


def test_file_count_cap(tmp_path):
    content = zip_of({f"{n}.txt": b"x" for n in range(4)})
    with pytest.raises(UploadRejected, match="文件数超过上限 3"):
        stage_uploads([upload("多.zip", content)], tmp_path, Limits(max_files=3))
    assert not any(tmp_path.iterdir())


def test_size_is_counted_on_written_bytes_too(tmp_path):
    files = [upload("a.txt", b"x" * 600), upload("b.txt", b"x" * 600)]
    with pytest.raises(UploadRejected, match="总大小超过上限"):
        stage_uploads(files, tmp_path, Limits(max_bytes=1000))


def test_gbk_member_names_from_chinese_windows_are_read(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("placeholder1")
        archive.writestr(info, b"content")
    # Rewrite the stored name as GBK bytes without the UTF-8 flag, as Windows' archiver does.
    raw = buffer.getvalue().replace(b"placeholder1", "警讯稿件.txt".encode("gbk"))
    staged = stage_uploads([upload("win.zip", raw)], tmp_path)
    assert [path.name for path in staged] == ["警讯稿件.txt"]
    assert staged[0].read_bytes() == b"content"


def test_names_stay_inside_the_staging_directory(tmp_path):
    staged = stage_uploads([upload("../../逃逸.txt", b"x")], tmp_path / "root")
    assert staged == [tmp_path / "root" / "逃逸.txt"]
