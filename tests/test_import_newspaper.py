"""Print text (seeds 001 and 002): bylines, hard line breaks, captions, traditional script."""

import re

import pytest

from archive.models import Article
from tests.conftest import assert_clean_body, importer_flags, seed

pytestmark = pytest.mark.django_db

CAPTIONS_002 = [
    "6月11日，山城区公安分局民警与胜利二巷居委会在福盛家园小区开展电动车上牌和安全出行宣传活动。",
    "民警走访时，向企业征询关于治安管理方面的意见和建议。",
    "走访企业时，民警将企业反映的实际困难及建议记录下来。",
    "(本版图片为资料照片，由山城区公安分局提供)",
    "日前，民警在走访企业时为分包企业建立工作台账。",
    "6月7日，山城区公安分局民警为某煤矿审批炸药使用事项。",
]


def test_seed_002_header_fields(run_import):
    run_import(seed(2))
    article = Article.objects.get()
    assert article.title == "护航发展显担当"
    assert article.subtitle == "山城区公安分局优化营商环境工作纪实"
    assert article.authors == "魏瑗"
    assert article.source == ""
    assert article.published_at is None
    assert article.date_precision == "unknown"
    assert importer_flags(article) == ["unknown_date"]
    assert article.body_text.startswith("“有了公安民警的护航，我们企业发展才会稳定有序。”")


def test_seed_002_hard_line_breaks_are_joined(run_import):
    run_import(seed(2))
    body = Article.objects.get().body_text
    for joined in (
        "并迫使施工方在其汽修厂院内",
        "优化营商环境的号角，组织开展了",
        "分局领导、各队室分包派出所制度",
        "应办理居住证，以方便日常生活",
        "对企业采取扣押、冻结资产",
        "山城区公安分局为其开辟了绿色通道",
        "包括走访记录表",
        "排查化解矛盾纠纷13起",
    ):
        assert joined in body
    assert_clean_body(body)


def test_seed_002_captions_are_kept_apart(run_import):
    run_import(seed(2))
    article = Article.objects.get()
    for caption in CAPTIONS_002:
        assert caption not in article.body_text
        assert f"<figcaption>{caption}</figcaption>" in article.body_html
    assert "<h3>强化“三个意识”</h3>" in article.body_html


def test_seed_001_traditional_with_pinyin_and_damage(run_import):
    run_import(seed(1))
    article = Article.objects.get()
    assert article.title == "“讓派出所民警來,我們相信警察!”"
    assert article.title_inferred is True
    assert article.title_simplified == "“让派出所民警来,我们相信警察!”"
    assert article.authors == "姜東良、李娜、張錦程"
    assert article.editor == "王占平"
    assert article.subtitle == article.source == ""
    assert article.published_at is None
    assert article.script == "traditional"
    assert importer_flags(article) == ["inferred_title", "unknown_date", "encoding_damage"]
    body = article.body_text
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", body)
    assert "轄區,村民們" in body and "縣(市、區)公安局長" in body
    # Damage is flagged, never rewritten.
    assert "有人管?!盀I州公安" in body
    assert "編輯" not in body and "本刊記者" not in body
    assert "圖為民警入村開展防范電信網絡詐騙犯罪宣傳。" not in body
    assert "<figcaption>圖為民警入村開展防范電信網絡詐騙犯罪宣傳。</figcaption>" in (
        article.body_html
    )
    assert "让派出所民警来" in article.body_simplified
    assert "<h3>聽見真聲音解決真問題</h3>" in article.body_html
    assert_clean_body(body)


def test_dateline_byline_and_crlf(tmp_path, run_import):
    text = "民警雨夜救助迷路老人\n\n本报讯（记者 张伟 通讯员 刘洋）9月5日晚，城南派出所民警在巡逻中\n发现一名迷路老人，将其平安送回家中。\n"
    path = tmp_path / "dateline.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    run_import(path)
    article = Article.objects.get()
    assert article.title == "民警雨夜救助迷路老人"
    assert article.authors == "张伟、刘洋"
    assert article.body_text == (
        "本报讯（记者 张伟 通讯员 刘洋）9月5日晚，城南派出所民警在巡逻中发现一名迷路老人，将其平安送回家中。"
    )
