"""Is this Chinese police news? The scope decision behind the ``off_topic`` review flag.

Decided from the article's content, never from the character 警 alone (警示, 预警, 警报,
警钟 and 报警 say nothing about the police doing anything). An article is police news when

* police words (units, officers, police actions: 公安, 民警, 派出所, 刑拘, 抓获, 通缉 …)
  are in its title, or its title names a criminal charge (涉嫌…罪);
* or they make a steady share of its body (at least ``MIN_BODY_HITS`` and ``DENSITY`` per
  thousand characters), so that a story that mentions a call to the police in passing, or
  a court story whose suspect was once 抓获, is not; in a brief (under ``BRIEF``
  characters) one is enough;
* or, for a round-up of several items (a title of items joined by ；), one of the items its
  title names opens a passage dense in police words;

and the police are Chinese: the text uses a word only Chinese police go by (公安, 民警,
派出所 …, Hong Kong's 警署, 督察), or it names Chinese places, at least as often as foreign
ones (a Canadian 警方 story names 多伦多, not a Chinese city).
"""

import re

# Units, officers and what only the police do. Not 报警/报案 (a citizen's call), nor 警示,
# 预警, 警报, 警钟, 警惕, 警告 (警 in the sense of "warning").
POLICE_WORDS = """
公安 警方 民警 辅警 协警 交警 刑警 特警 巡警 女警 片警 派出所 警务 警情 出警 接警
警力 警察 警官 警员 警车 警署 督察 刑拘 刑事拘留 行政拘留 拘留 拘捕 抓获 抓捕 破获
侦破 告破 落网 被捕 被抓 通缉 犯罪嫌疑人 嫌疑人 嫌犯 刑事强制措施 侦查 缉毒 刑侦
经侦 交管 车管所 网警 反诈中心
""".split()  # noqa: SIM905
# Words foreign police are never called in Chinese news.
CHINESE_POLICE_WORDS = """
公安 民警 辅警 协警 交警 派出所 刑拘 刑事拘留 刑侦 经侦 交管 车管所 网警 警务处
警署 督察
""".split()  # noqa: SIM905
# Countries and the foreign cities Chinese news names most; enough to tell a foreign
# police story that names no Chinese place from one that does.
FOREIGN_PLACES = """
美国 加拿大 英国 法国 德国 意大利 西班牙 葡萄牙 荷兰 比利时 瑞士 瑞典 挪威 芬兰
丹麦 爱尔兰 奥地利 波兰 匈牙利 捷克 斯洛伐克 乌克兰 俄罗斯 土耳其 希腊 以色列 伊朗
伊拉克 叙利亚 沙特 阿联酋 埃及 南非 尼日利亚 肯尼亚 日本 韩国 朝鲜 印度 巴基斯坦
孟加拉 泰国 越南 缅甸 柬埔寨 老挝 菲律宾 马来西亚 新加坡 印尼 印度尼西亚 澳大利亚
澳洲 新西兰 巴西 阿根廷 墨西哥 智利 秘鲁 哥伦比亚 纽约 洛杉矶 旧金山 芝加哥 华盛顿
西雅图 波士顿 休斯顿 伦敦 巴黎 柏林 罗马 莫斯科 东京 大阪 首尔 曼谷 多伦多 温哥华
蒙特利尔 悉尼 墨尔本 大温 大多伦多
""".split()  # noqa: SIM905

MIN_BODY_HITS = 2
DENSITY = 3.0  # police words per thousand characters of body
BRIEF = 200  # characters: a brief that names the police once is about them
ROUND_UP_WINDOW = 300  # characters after a title item's place in the body
ROUND_UP_HITS = 2

_POLICE = re.compile("|".join(sorted(POLICE_WORDS, key=len, reverse=True)))
_CHINESE_POLICE = re.compile("|".join(CHINESE_POLICE_WORDS))
_FOREIGN = re.compile("|".join(sorted(FOREIGN_PLACES, key=len, reverse=True)))
_CHARGE = re.compile(r"涉嫌[\u4e00-\u9fff]{1,12}罪")
_ROUND_UP_ITEMS = re.compile(r"[；;]")
_TITLE_TAG = re.compile(r"^\s*【[^】]*】")
MIN_ITEM = 6


def is_police_news(title: str, body: str, chinese_place_mentions: int) -> bool:
    """True when ``title`` and ``body`` (simplified) read as Chinese police news;
    ``chinese_place_mentions``: how many times extraction found a Chinese place. (An article
    staff linked to a police unit is police news by their word: see linking.)"""
    return _about_police(title, body) and _chinese(f"{title}\n{body}", chinese_place_mentions)


def _about_police(title: str, body: str) -> bool:
    if _POLICE.search(title) or _CHARGE.search(title):
        return True
    hits = len(_POLICE.findall(body))
    if hits >= MIN_BODY_HITS and hits * 1000 >= DENSITY * len(body):
        return True
    if hits and len(body) < BRIEF:
        return True
    return _round_up_item_about_police(title, body)


def _round_up_item_about_police(title: str, body: str) -> bool:
    items = [
        item.strip()
        for item in _ROUND_UP_ITEMS.split(_TITLE_TAG.sub("", title))
        if len(item.strip()) >= MIN_ITEM
    ]
    if len(items) < 2:
        return False
    for item in items:
        start = body.find(item[:MIN_ITEM])
        if start >= 0:
            passage = body[start : start + ROUND_UP_WINDOW]
            if len(_POLICE.findall(passage)) >= ROUND_UP_HITS:
                return True
    return False


def _chinese(text: str, chinese_place_mentions: int) -> bool:
    if _CHINESE_POLICE.search(text):
        return True
    return chinese_place_mentions > 0 and chinese_place_mentions >= len(_FOREIGN.findall(text))
