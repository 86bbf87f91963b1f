"""Concurrent writers: editors saving articles in the real admin, served by three gunicorn
workers with production settings, while an import runs and readers search. No error
response, no lost edit, no Whoosh lock error, and the index agrees with the database.

Counts print with ``pytest -s tests/test_harden_concurrent_writers.py``.
"""

import http.cookiejar
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User

from archive.models import Article
from tests.factories import make_article
from tests.hostile_files import SEED_TEXTS
from tests.servers import GUNICORN, ROOT, child_env, database_url, free_port, serving

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EDITORS, ARTICLES_EACH, ROUNDS, READERS = 3, 4, 3, 2
PASSWORD = "Kx9-并发-编辑-test"
IMPORT_FILES = 120


class _Form(HTMLParser):
    """The fields of the page's form with id ``form_id``, as a browser would submit them,
    without any submit button (the admin's header holds a logout form too)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.fields, self.inside, self.done = [], False, False
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                return
            default = "on" if attrs.get("type") in {"checkbox", "radio"} else ""
            self.fields.append((name, attrs.get("value") or default))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The parser hands back the text after the newline browsers drop.
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


class _Browser:
    """Cookies, CSRF and no redirects followed: the status of each response is checked."""

    def __init__(self, base, failures):
        self.base, self.failures = base, failures
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path, data=None, expect=(200,)):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        if status not in expect or "Traceback" in text:
            self.failures.append(f"{status} for {path}")
        return status, text

    def form(self, path, form_id):
        parser = _Form(form_id)
        parser.feed(self.request(path)[1])
        return dict_list(parser.fields)

    def log_in(self, username):
        fields = [
            (n, v)
            for n, v in self.form("/admin/login/", "login-form")
            if n not in {"username", "password"}
        ]
        fields += [("username", username), ("password", PASSWORD)]
        status, text = self.request("/admin/login/?next=/admin/", fields, expect=(302,))
        if status != 302:
            self.failures.append(
                f"login: {fields} " + " ".join(re.findall(r'class="errornote">([^<]*)', text))
            )


def dict_list(pairs):
    return [(name, value) for name, value in pairs]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _editor(base, username, article_ids, saved, failures):
    browser = _Browser(base, failures)
    browser.log_in(username)
    for round_number in range(ROUNDS):
        for pk in article_ids:
            path = f"/admin/archive/article/{pk}/change/"
            fields = [(n, v) for n, v in browser.form(path, "article_form") if n != "title"]
            title = f"{username} 第{round_number}轮编辑 文章{pk}"
            status, text = browser.request(
                path, [*fields, ("title", title), ("_save", "保存")], (302,)
            )
            if status == 302:
                saved.setdefault(pk, []).append(title)
            else:
                errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
                failures.append(f"edit {pk}: {errors} {fields}")


def _reader(base, stop, counts, failures):
    browser = _Browser(base, failures)
    queries = ["公安", "户籍", "派出所 便民", "编辑", "第1轮"]
    while not stop.is_set():
        for query in queries:
            browser.request("/search/?q=" + quote(query))
            counts["reads"] += 1
        browser.request("/articles/")
        counts["reads"] += 1


def _import_folder(folder):
    for number in range(IMPORT_FILES):
        text = SEED_TEXTS[number % len(SEED_TEXTS)]
        extra = f"第{number}号并发导入：民警提醒群众注意防范诈骗，编号{number * 104729}。"
        at = text.index("\n", len(text) // 2)
        (folder / f"{number:03d}.txt").write_text(
            f"{text[:at]}\n\n{extra}\n{text[at:]}", encoding="utf-8"
        )


def test_editors_importer_and_readers_at_once(tmp_path, search_index):
    editors = [f"editor{number}" for number in range(EDITORS)]
    # Hashed for production settings: the test settings' MD5 hasher is not one of theirs.
    pbkdf2 = PBKDF2PasswordHasher()
    for username in editors:
        User.objects.create(
            username=username,
            password=pbkdf2.encode(PASSWORD, pbkdf2.salt()),
            is_staff=True,
            is_superuser=True,
        )
    articles = [
        make_article(
            f"并发测试文章{number}", f"第{number}篇正文。派出所民警为群众办理户籍业务。" * 3
        )
        for number in range(EDITORS * ARTICLES_EACH)
    ]
    folder = tmp_path / "import"
    folder.mkdir()
    _import_folder(folder)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = child_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=database_url(),
        # An index of this test's own: earlier tests of the session share the session index
        # with this process, and what they leave there is not this test's to judge.
        SEARCH_INDEX_PATH=str(tmp_path / "index"),
        STATIC_ROOT=str(tmp_path / "static"),
        SECRET_KEY="concurrency-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        AXES_FAILURE_LIMIT="50",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "index_articles"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    log = tmp_path / "gunicorn.log"
    command = [
        GUNICORN, "config.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", "3", "--no-control-socket",
        "--error-logfile", str(log), "--capture-output", "--timeout", "120",
    ]  # fmt: skip
    failures, saved, counts = [], {}, {"reads": 0}
    with serving(command, env, stop_within=60):
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.5)
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_articles", str(folder), "--chunk-size", "20"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stop = threading.Event()
        readers = [
            threading.Thread(target=_reader, args=(base, stop, counts, failures))
            for _ in range(READERS)
        ]
        writers = [
            threading.Thread(
                target=_editor,
                args=(
                    base,
                    username,
                    [a.pk for a in articles[n * ARTICLES_EACH : (n + 1) * ARTICLES_EACH]],
                    saved,
                    failures,
                ),
            )
            for n, username in enumerate(editors)
        ]
        for thread in readers + writers:
            thread.start()
        for thread in writers:
            thread.join(timeout=600)
        _, import_errors = importer.communicate(timeout=600)
        stop.set()
        for thread in readers:
            thread.join(timeout=120)
    server_log = log.read_text(errors="replace")

    edits = sum(len(titles) for titles in saved.values())
    check = subprocess.run(
        [sys.executable, "manage.py", "check_index"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(
        f"\nconcurrency: {EDITORS} editors, {edits} edits checked, {counts['reads']} reads, "
        f"import exit {importer.returncode}, failures {len(failures)}; {check.stdout.strip()}"
    )
    assert failures == [], failures[:10]
    assert importer.returncode == 0, import_errors.decode()[-2000:]
    assert edits == EDITORS * ARTICLES_EACH * ROUNDS
    for article in Article.objects.filter(pk__in=saved):
        assert article.title == saved[article.pk][-1]
        history = set(article.history.values_list("title", flat=True))
        assert set(saved[article.pk]) <= history  # every edit is recorded, none lost
    assert "LockError" not in server_log and "Traceback" not in server_log, server_log[-3000:]
    assert check.returncode == 0, check.stdout + check.stderr
