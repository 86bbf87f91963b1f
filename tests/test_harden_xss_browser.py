"""Hostile readers in a real browser: articles built from XSS payloads, imported through the
real importer, and list and search URLs carrying payloads, run no script.

Every payload would set ``window.__xss`` or open a dialog if it ran. Pages are loaded twice:
as users get them (with the Content-Security-Policy) and with the policy bypassed, so that the
sanitizer alone is shown to hold. Counts print with
``pytest -s tests/test_harden_xss_browser.py``.
"""

import re
from urllib.parse import quote, urlsplit

import pytest

from archive.importing.batch import find_files, run_import
from archive.models import Article
from tests.conftest import _PIXEL
from tests.hostile_files import SEED_TEXTS

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRAP = "window.__xss=1"
PAYLOADS = [
    f"<script>{TRAP}</script>",
    f"<script src='data:text/javascript,{TRAP}'></script>",
    f'<img src=x onerror="{TRAP}">',
    "<img src=x onerror=alert(1)>",
    f'<svg onload="{TRAP}"><circle r=1 /></svg>',
    f"<svg><script>{TRAP}</script></svg>",
    f'<a href="javascript:{TRAP}">点击查看</a>',
    f'<a href="JaVaScRiPt:{TRAP}">大小写</a>',
    f'<a href="&#106;avascript:{TRAP}">实体编码</a>',
    f'<a href="java\tscript:{TRAP}">制表符</a>',
    f'<iframe src="javascript:{TRAP}"></iframe>',
    f'<iframe srcdoc="<script>parent.{TRAP}</script>"></iframe>',
    f'<object data="data:text/html,<script>{TRAP}</script>"></object>',
    f'<embed src="data:text/html,<script>{TRAP}</script>">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data 链接</a>',
    f'<p style="display:none">隐藏段落</p><div style="background:url(javascript:{TRAP})">样式</div>',
    "<style>body{display:none}</style>",
    f'<body onload="{TRAP}">',
    f'<details open ontoggle="{TRAP}">展开</details>',
    f'<input autofocus onfocus="{TRAP}">',
    f'<form action="javascript:{TRAP}"><button>提交</button></form>',
    f'<math><mi xlink:href="javascript:{TRAP}">数学</mi></math>',
    f'<noscript><p title="</noscript><img src=x onerror={TRAP}>"></noscript>',
    f'<svg></p><style><a id="</style><img src=1 onerror={TRAP}>">',
    f"<math><mtext><table><mglyph><style><img src=x onerror={TRAP}></style></mglyph></table></mtext></math>",
    f"&lt;script&gt;{TRAP}&lt;/script&gt;",
    f'<img src="x" alt="&quot; onerror=&quot;{TRAP}">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{TRAP}">',
    f'<base href="javascript:{TRAP}//">',
    f"<template><script>{TRAP}</script></template>",
    f'<img src="https://img.example.org/a.jpg" onload="{TRAP}">',
    f'"><script>{TRAP}</script>',
    f"'><img src=x onerror={TRAP}>",
]
# Lines of real text, so that each payload's article is an article and unlike the others.
_LINES = [
    line
    for line in (
        re.sub(r"<[^>]+>", "", raw).strip() for text in SEED_TEXTS for raw in text.splitlines()
    )
    if len(re.findall(r"[\u4e00-\u9fff]", line)) >= 15
]


def _write_payload_files(folder):
    for number, payload in enumerate(PAYLOADS):
        text = "".join(f"<p>{line}</p>" for line in _LINES[number * 3 : number * 3 + 3])
        title = f"警情通报第{number}号 {payload}"[:250].replace("'", "''")
        (folder / f"{number:02d}-html.md").write_text(
            f"---\ntitle: '{title}'\ndate: 2021-05-{number % 28 + 1:02d}\n"
            f"original_url: 'javascript:{TRAP}'\nheadimg: 'javascript:{TRAP}'\n---\n"
            f"{text}{payload}<p>第{number}号通报正文完。</p>\n",
            encoding="utf-8",
        )
        # The same payload as plain print text: it must come out as words, not markup.
        lines = "\n\n".join(_LINES[number * 3 + 100 : number * 3 + 103])
        (folder / f"{number:02d}-text.txt").write_text(
            f"第{number}号简讯 {payload}\n\n{lines}\n\n{payload}\n\n本报记者 张三\n",
            encoding="utf-8",
        )


def _urls(live_url, articles):
    urls = [live_url + article.get_absolute_url() for article in articles]
    urls += [live_url + "/", live_url + "/articles/"]
    for payload in PAYLOADS:
        value = quote(payload, safe="")
        urls += [
            f"{live_url}/search/?q={value}&region={value}&page={value}",
            f"{live_url}/articles/?page={value}",
            f"{live_url}/regions/411600/?year={value}&agency={value}",
        ]
    return urls


_INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) bad.push(el.tagName + ' ' + attr.name);
      if (/^\\s*(javascript|data|vbscript):/i.test(attr.value) && /href|src|action|data/.test(attr.name))
        bad.push(el.tagName + ' ' + attr.name + '=' + attr.value);
    }
  }
  for (const el of document.querySelectorAll('main iframe, main object, main embed, main form, main base, main meta, main style, main script, main [style]'))
    bad.push('element ' + el.tagName);
  return bad;
}"""


def test_payloads_run_no_script(live_server, chromium, tmp_path):
    _write_payload_files(tmp_path)
    paths, _ = find_files([str(tmp_path)])
    summary = run_import(paths, workers=1)
    # A print-text file that opens with <body …> reads as a saved web page with no article
    # in it: a clear per-file error. Every Hexo file, HTML body and all, is an article.
    assert all(f["path"].endswith("-text.txt") for f in summary.failed), summary.failed
    assert len(summary.failed) <= 2, summary.failed
    articles = list(Article.objects.order_by("pk"))
    assert len(articles) == 2 * len(PAYLOADS) - len(summary.failed)
    urls = _urls(live_server.url, articles)

    dialogs, injected, server_errors = [], [], []
    for bypass_csp in (False, True):
        context = chromium.new_context(bypass_csp=bypass_csp, locale="zh-CN")
        context.route(
            lambda url: urlsplit(url).hostname not in {"127.0.0.1", "localhost"},
            lambda route: route.fulfill(status=200, content_type="image/png", body=_PIXEL),
        )
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on(
            "response",
            lambda response: response.status >= 500 and server_errors.append(response.url),
        )
        for url in urls:
            response = page.goto(url)
            assert response.status in {200, 400, 404}, (url, response.status)
            # Links are clicked too: a javascript: URL runs only when followed.
            for link in page.locator(".article-body a, .article-footer a").all()[:5]:
                href = link.get_attribute("href") or ""
                assert not href.strip().lower().startswith(("javascript:", "data:")), (url, href)
            page.wait_for_timeout(20)
            if page.evaluate("window.__xss !== undefined"):
                pytest.fail(f"a payload ran at {url} (CSP bypassed: {bypass_csp})")
            injected += [(url, item) for item in page.evaluate(_INJECTED)]
            assert "Traceback" not in page.content()
        context.close()

    print(
        f"\nXSS: {len(PAYLOADS)} payloads tried in {len(articles)} imported articles and "
        f"{len(urls) - len(articles)} list and search URLs, {2 * len(urls)} page loads "
        f"(with and without CSP); dialogs {len(dialogs)}, injected markup {len(injected)}"
    )
    assert dialogs == []
    assert server_errors == []
    assert injected == [], injected[:5]
