"""The article body's render-time sanitizing pass (archive_tags.clean_body)."""

import pytest

from archive.templatetags.archive_tags import clean_body


def test_script_handlers_and_javascript_links_are_removed():
    html = clean_body(
        '<p onclick="evil()">点击</p><script>alert(1)</script><style>p{}</style>'
        '<a href="javascript:alert(1)">坏</a><iframe src="https://x.test"></iframe>'
    )
    assert "onclick" not in html and "alert" not in html and "<style" not in html
    assert "javascript:" not in html and "<iframe" not in html
    assert "<p>点击</p>" in html


def test_images_are_lazy_without_referrer_and_have_alt_text():
    html = clean_body(
        '<img src="https://example.com/a.jpg"><img src="https://example.com/b.jpg" alt="民警">'
    )
    assert html.count('loading="lazy"') == 2
    assert html.count('referrerpolicy="no-referrer"') == 2
    assert 'alt="文章配图"' in html and 'alt="民警"' in html


def test_links_are_nofollow():
    html = clean_body('<a href="https://example.com/">原文</a>')
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize("heading", ["<h1>标题</h1>", "<h1 class='x'>标题</h1>"])
def test_a_heading_one_in_the_body_does_not_become_a_second_page_title(heading):
    assert "<h1" not in clean_body(heading)
    assert "标题" in clean_body(heading)


def test_staff_edited_script_never_reaches_the_page(client, browse_world):
    article = browse_world["articles"]["a1"]
    article.body_html = '<p>改过</p><img src=x onerror="alert(1)"><svg onload="alert(2)"></svg>'
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    body = html[html.index('class="article-body"') : html.index('class="article-footer"')]
    assert "<p>改过</p>" in body
    assert "onerror" not in body and "onload" not in body and "alert" not in body
