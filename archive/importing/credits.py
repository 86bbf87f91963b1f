"""Credit lines and boilerplate at the edges of a body, read into fields and taken out.

Every format's body passes through :func:`take_credits` once its parser is done, so a
byline reads the same in a feed post, a saved page or a text dump. What is recognised:

* **bylines** — a paragraph that is only a credit (``记者：张三``, ``澎湃新闻记者 张三``,
  ``（新华社记者张三、李四）``, ``东南商报记者张三李四通讯员王五``, ``作者：张三``,
  ``采写：某报见习记者 张三``) or a credit closing the last paragraph (``…在办理中。(张三)``,
  ``（某某网Cindy）``): the names become reporters, the outlet the source;
* **datelines** opening the body (``某某网北京8月26日电``, ``IT之家 8 月 22 日消息``,
  ``广州日报讯（记者张三 通讯员李四）``): read, and left in the text, since they are the
  article's first words;
* **source statements** — ``本文来自微信公众号：X（ID：…），作者：Y``, ``本文转自【X】``,
  ``如需转载请务必注明出处：X``, ``X综合…公告``, ``点击阅读全文 @X``;
* **editor credits** — lines of only ``责任编辑：``, ``编辑：``, ``审核：``, ``统筹：``,
  ``监审：``, ``X编辑 Y`` …: the first becomes the editor, all go;
* **boilerplate by kind** — repost disclaimers, app ads and subscription appeals, copyright
  lines, image credits, end marks, keyword lines, a repost's ``（原标题：…）``: whole
  paragraphs only, each pattern anchored at both ends, so an article paragraph that merely
  mentions 转载 or 版权 stays;
* **teasers** — a ``推荐阅读``/``相关阅读``/``参考文献`` line and what follows it in the last
  part of the body; a trailing ``相关链接＞＞…``; a last paragraph that is only a 《title》;
  after the editor credit (``责任编辑：``), a story cut off with ``…``.

Names written without separators (``张三李四``) are split where each part starts with a
common surname; a run that cannot be split so is kept whole.
"""

import re

from . import bylines
from .blocks import HEADING, PARAGRAPH, TEXT_KINDS, Block

_HAN = r"\u3400-\u9fff"
# Outlet names end in one of these (人民网, 新华社, 广州日报, 第一财经, IT之家, 中新经纬 …).
_OUTLET_END = (
    r"(?:网|網|社|报|報|台|新闻|新聞|电讯|電訊|财经|財經|经纬|經緯|之家|周刊|週刊|杂志|雜誌|"
    r"客户端|APP|App)"
)
# Well-known short forms, as datelines and credits write them, and names without an ending.
_OUTLET_NAMES = {
    "中新网": "中国新闻网", "中新社": "中国新闻社", "中广网": "中国广播网", "央视": "中央电视台",
    "南都": "南方都市报", "每经": "每日经济新闻", "国际在线": "国际在线",
}  # fmt: skip
_OUTLET = (
    "(?:"
    + "|".join(sorted(_OUTLET_NAMES, key=len, reverse=True))
    + rf"|[{_HAN}A-Za-z0-9]{{1,10}}?{_OUTLET_END})"
)
_ROLE = (
    r"(?:(?:本报|本刊|本台|本网|特派|特约|首席|见习|見習|实习|實習)?"
    r"(?:记者|記者|通讯员|通訊員|实习生|實習生|撰稿人|撰文|作者|摄影|攝影|摄像|采写|採寫)|文(?=\s*[/／:：]))"
)
_NAME = rf"[{_HAN}]{{2,4}}|[{_HAN}]·[{_HAN}]{{2,6}}|[A-Z][a-z]+"
# Runs of name characters (split into names later): one way to read a line, so matching
# stays linear instead of trying every way to cut 张三李四王五 into names.
_NAMES = rf"[{_HAN}·A-Za-z]{{2,16}}(?:[\s、，,]+[{_HAN}·A-Za-z]{{2,16}})*"
_ROLE_WORD = re.compile(_ROLE)
_CREDIT_PART = rf"{_ROLE}[\s:：/]*{_NAMES}"
_CREDIT = re.compile(
    rf"^[（(【\[]?\s*(?P<outlet>[^\s：:（()）]{{0,14}}?)\s*(?P<credits>(?:{_CREDIT_PART}[\s，,、]*)+)"
    r"\s*[）)】\]]?$"
)
_CLOSING = re.compile(r"[（(](?P<inner>[^（）()]{2,40})[）)]$")
_CLOSING_SOURCE = re.compile(r"\s*[（(](?:来源|來源)[:：]\s*([^（）()]{2,20})[）)]$")
# "每日经济新闻综合自…、上市公司公告等": the outlet that compiled it is the source.
_COMPILED_BY = re.compile(r"综合(?:自|整理自)?.*$")
_EXCERPT_END = re.compile(r"\s+(?:\.{3}|…{1,2})$")
_SUMMARY = re.compile(r"^(?:摘要|内容提要|導語|导语)\s*[:：]\s*")
_LABELS = re.compile(r"((?:本文)?(?:来源|來源|责任编辑|責任編輯|编辑|編輯|作者|记者|記者)[:：])")
_DATELINE = re.compile(
    rf"^(?P<outlet>{_OUTLET}|[{_HAN}]{{2,6}}日报|[{_HAN}]{{2,6}}晚报)\s*(?P<place>[{_HAN}]{{2,4}})?\s*"
    r"(?:[\d０-９]{1,2}\s*月\s*[\d０-９]{1,2}\s*日\s*)?(?:电|電|讯|訊|消息|报道[:：])"
    r"(?:\s*[（(](?P<credit>[^（）()]{2,40})[）)])?"
)
_WECHAT = re.compile(
    r"^本文来自微信公众号[:：]\s*(?P<outlet>[^（(，,]+?)\s*(?:[（(]ID[:：][^）)]*[）)])?"
    r"(?:[，,]\s*作者[:：]\s*(?P<author>[^，,]+?))?(?:[，,].*)?$"
)
_SOURCE_STATEMENTS = (
    re.compile(r"^本文(?:转|轉)自[【\[]?(?P<outlet>[^】\]；;。]+)[】\]]?[；;。]?$"),
    re.compile(r"^(?:【本文结束】)?如需转载请务必注明出处[:：]\s*(?P<outlet>\S+)$"),
    re.compile(rf"^(?P<outlet>{_OUTLET}|[{_HAN}]{{2,8}}新闻)综合.{{0,40}}$"),
    re.compile(r"^点击阅读全文\s*@\s*(?P<outlet>\S+)$"),
)
_EDITOR = re.compile(
    r"^[（(【\[]?\s*(?:[^\s：:（()）]{0,6}?)(?:责任编辑|責任編輯|编辑|編輯|责编|責編|审核|審核|统筹|統籌|"
    r"监审|監審|校对|校對|签发|簽發|监制|監製|值班编辑|主编|主編)[\s:：]*"
    rf"(?P<name>(?:{_NAME})(?:[\s、，,]+(?:{_NAME}))*)(?:_[A-Za-z0-9]+)?\s*[）)】\]]?$"
)
_BOILERPLATE = re.compile(
    r"^(?:"
    # repost disclaimers
    r"版权归原作者所有.*|.*向原创致敬|转载请注明出处.*|本文来源于?网络.*|声明[:：].*侵删.*|"
    r"(?:点击|长按).{0,10}(?:关注|二维码).*|返回搜狐.*|"
    r".{0,10}(?:仅供其表达个人看法|仅提供信息存储服务|不代表本站立场|仅代表作者(?:个人)?观点).*|"
    r"Notice: The content above .*|.*(?:如有侵权|侵删|請聯繫刪除|请联系删除).{0,20}|特别声明[:：].*|"
    r".{0,60}仅提供信息存储服务.*|感谢.{0,20}的线索投递[！!]?|[（(]文中.{0,6}化名[）)]|"
    r".{0,30}(?:不构成(?:任何)?投资建议|出于传递(?:更多)?信息之?的?目的).*|"
    # app ads, subscription appeals, players
    r".{0,20}尽在.{0,10}(?:APP|App|客户端)|(?:下载|打开).{0,10}(?:APP|App|客户端).{0,20}|"
    r"(?:责任编辑|責任編輯|编辑|編輯)[:：]?|扫一扫在手机打开当前页|.{0,10}无法播放视频.{0,20}|全部内容请看视频.?|"
    r"請加入成為.{0,30}(?:訂戶|會員).*|.{0,20}(?:月費訂戶|成为会员).{0,60}|"
    # copyright lines and end marks
    r".{0,20}版权所有[，,].{0,10}未经.{0,60}|-?\s*THE END\s*-?|（完）|\(完\)|"
    # image credits
    r"(?:题图|頭圖|头图|封面图片?|封面|图片|配图|图均|图片均)(?:来源|來源|来自|來自|由|截图于|截圖於)"
    r".{1,30}|"
    r"图片由.{2,20}(?:拍摄|提供)|微博图片|"
    # keyword lines and a repost's original title
    r"本篇新闻热门关键词[:：].*|[（(]原标题[:：].{2,80}[）)]|原标题[:：].{2,80}|"
    # reporting notes of video pages
    r"[（(]報道由[\d:：]+開始[）)]"
    r")$"
)
_DISCLAIMING_SITE = re.compile(
    r"(?:与|與)([^\s，,。]{2,10}?)(?:无关|無關)|并不表明([^\s，,。]{2,10}?)立场"
)
_TEASER_HEAD = re.compile(
    r"^(?:推荐阅读|相关阅读|延伸阅读|相关新闻|相关推荐|为您推荐|热门推荐|参考文献|参考资料)[:：]?$"
)
_EDITOR_LABEL = re.compile(r"^[（(【\[]?\s*(?:责任编辑|責任編輯|责编|責編)[\s:：]*")
_CUT_OFF = re.compile(r"[\u3400-\u9fff，,](?:…|\.{3})$")
_RELATED_LINK = re.compile(r"相关链接\s*[＞>]{1,2}.*$")
_LONE_TITLE = re.compile(r"^《[^《》]{4,60}》$")
# The most common single-character surnames, for splitting names written without spaces.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_EDGE = 10  # paragraphs at each end where credits are looked for


def take_credits(draft):
    """Read credits and drop boilerplate in ``draft.blocks``, filling the draft's fields."""
    blocks = []
    for block in _without_teasers(draft.blocks):
        if not _is_boilerplate(block):
            blocks.append(block)
        elif not draft.via_site:
            # "…与环球网无关", "…并不表明网易立场": the site that disclaims passed it on.
            site = _DISCLAIMING_SITE.search(block.text)
            draft.via_site = site.group(1) or site.group(2) if site else ""
    texts = [i for i, block in enumerate(blocks) if block.kind in TEXT_KINDS]
    dropped = set()
    # Credits stand in a run at either end of the body: read each end until article text.
    for run in (texts[:_EDGE], texts[::-1][:_EDGE]):
        misses = 0
        for index in run:
            if index in dropped:
                continue
            if _read_line(draft, blocks[index].text.strip()):
                dropped.add(index)
            else:
                misses += 1
                if misses > 2:
                    break
    kept = [block for index, block in enumerate(blocks) if index not in dropped]
    kept = [_without_ellipsis(block) for block in kept]
    _closing_credit(draft, kept)
    _opening(draft, kept)
    draft.source = _COMPILED_BY.sub("", draft.source) or draft.source
    draft.blocks = kept
    return draft


def _without_ellipsis(block):
    """A feed excerpt's closing `` ...`` marker is not the article's."""
    if block.kind == PARAGRAPH and _EXCERPT_END.search(block.text):
        return Block.plain(PARAGRAPH, _EXCERPT_END.sub("", block.text))
    return block


def _is_boilerplate(block):
    return block.kind in TEXT_KINDS and is_boilerplate(block.text)


def is_boilerplate(line):
    """Whether ``line`` is, as a whole, one of the kinds of boilerplate above."""
    return bool(_BOILERPLATE.match(line.strip()))


def _read_line(draft, text):
    """Whether ``text`` is a credit, source or editor line (its facts go into ``draft``)."""
    parts = [p for p in _LABELS.split(text) if p]
    if len(parts) > 2 and len(text) <= 80 and _LABELS.match(text):
        # "来源：国际在线责任编辑：邱梦颖": several labelled credits run together.
        pieces = ["".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
        if all(_read_one(draft, piece) for piece in pieces):
            return True
    return _read_one(draft, text)


def _read_one(draft, text):
    match = _WECHAT.match(text)
    if match:
        _set_source(draft, match.group("outlet"))
        if match.group("author"):
            draft.authors.append(match.group("author").strip())
        return True
    source = bylines.source_line(text)
    if source:
        _set_source(draft, source)
        return True
    for pattern in _SOURCE_STATEMENTS:
        match = pattern.match(text)
        if match:
            _set_source(draft, match.group("outlet"))
            return True
    match = _EDITOR.match(text)
    if match:
        draft.editor = draft.editor or match.group("name")
        outlet = re.match(r"^([^\s编編]{2,6})(?:编辑|編輯)", text)
        if outlet and outlet.group(1) in _OUTLET_NAMES:
            _set_source(draft, outlet.group(1))
        return True
    if len(text) <= 80:
        names, outlet = credit(text)
        if names:
            draft.authors += names
            _set_source(draft, outlet)
            return True
    return False


def credit(text):
    """(names, outlet) of a line that is only a byline, else ([], "")."""
    if not _ROLE_WORD.search(text):
        return [], ""
    match = _CREDIT.match(text.strip())
    if not match:
        return [], ""
    prefix = match.group("outlet") or ""
    if re.search(r"[。！？，,]", prefix):
        return [], ""
    names, outlet = [], _outlet_of(prefix)
    for part in re.split(_ROLE, match.group("credits")):
        for token in re.split(r"[\s、，,:：/]+", part):
            if token in _OUTLET_NAMES or re.fullmatch(_OUTLET, token) and len(token) > 3:
                outlet = outlet or token
            else:
                names += split_names(token)
    return names, outlet


def _outlet_of(prefix):
    """The outlet a credit's prefix names: all of it when it ends like an outlet
    (``周口日报·周道客户端``), else its leading outlet name (``环球时报``赴新疆)."""
    if re.fullmatch(rf"[^\s]*{_OUTLET_END}", prefix):
        return prefix
    match = re.match(_OUTLET, prefix)
    return match.group(0) if match else ""


def split_names(run):
    """``张三李四`` → ``["张三", "李四"]`` where every part starts with a common surname;
    a run that cannot be split so is one name (``欧阳娜娜``, ``Cindy``)."""
    if not run or not re.fullmatch(rf"[{_HAN}·]+|[A-Za-z]+", run):
        return []
    if len(run) <= 3 or not re.fullmatch(rf"[{_HAN}]+", run):
        return [run]
    best = _split(run)
    return best or [run]


def _split(run):
    if not run:
        return []
    if run[0] not in _SURNAMES:
        return None
    options = []
    for size in (2, 3):
        if len(run) >= size:
            rest = _split(run[size:])
            if rest is not None:
                options.append([run[:size], *rest])
    return min(options, key=len) if options else None


def _closing_credit(draft, blocks):
    """Credits closing the last paragraph: ``…(张三)``, ``（第一财经）``,
    ``（某某日报记者 张三）``, ``…游出。记者张三实习生李四 （来源：某某网）``."""
    last = next((b for b in reversed(blocks) if b.kind == PARAGRAPH), None)
    if last is None:
        return
    text = last.text.strip()
    source = _CLOSING_SOURCE.search(text)
    if source:
        _set_source(draft, source.group(1))
        text = text[: source.start()].rstrip()
    match = _CLOSING.search(text)
    if match:
        names, outlet = credit(match.group("inner"))
        if not names:
            names, outlet = _bare_credit(match.group("inner"))
        if names or outlet:
            draft.authors += names
            _set_source(draft, outlet)
            text = text[: match.start()].rstrip()
    sentence_end = max(text.rfind(mark) for mark in "。！？!?”")
    if 0 <= sentence_end < len(text) - 1:
        names, outlet = credit(text[sentence_end + 1 :])
        if names:
            draft.authors += names
            _set_source(draft, outlet)
            text = text[: sentence_end + 1]
    if text == last.text.strip():
        return
    if text:
        blocks[blocks.index(last)] = Block.plain(PARAGRAPH, text)
    else:
        blocks.remove(last)


def _bare_credit(inner):
    """``李宝``, ``多知网Cindy``, ``第一财经``, ``中新经纬 APP``: an outlet and/or one name."""
    match = re.fullmatch(
        rf"\s*(?P<outlet>{_OUTLET})?\s*(?P<name>[{_HAN}]{{2,3}}|[A-Z][a-z]+)?\s*(?:APP|App)?\s*",
        inner,
    )
    if not match:
        return [], ""
    name, outlet = match.group("name") or "", match.group("outlet") or ""
    if name and not (name[0] in _SURNAMES or name.isascii()):
        return [], ""
    return ([name] if name else []), outlet


def _opening(draft, blocks):
    """A summary label and a dateline opening the body: ``摘要:``, ``某某网北京8月26日电``,
    ``广州日报讯（记者张三 通讯员李四）`` (the dateline stays: it is the article's text)."""
    paragraphs = [b for b in blocks if b.kind == PARAGRAPH][:2]
    if paragraphs and _SUMMARY.match(paragraphs[0].text):
        first = paragraphs[0]
        paragraphs[0] = Block.plain(PARAGRAPH, _SUMMARY.sub("", first.text))
        blocks[blocks.index(first)] = paragraphs[0]
    for paragraph in paragraphs:
        match = _DATELINE.match(paragraph.text)
        if match:
            inner = match.group("credit") or ""
            names, outlet = credit(inner)
            if not names:
                names, outlet = _bare_credit(inner)
            draft.authors += names
            _set_source(draft, outlet or match.group("outlet"))
            # "每日甘肃网…讯(兰州晨报…记者…)": the paper wrote it, the dateline's site ran it.
            if outlet and outlet != match.group("outlet") and not draft.via_site:
                draft.via_site = match.group("outlet")
            return


def _without_teasers(blocks):
    """The body without the related-article block that closes many pages."""
    cut = len(blocks)
    for index, block in enumerate(blocks):
        # Only once more of the article is above than below: a heading "相关新闻" that opens
        # a section of the article has the article's prose after it.
        if (
            block.kind in TEXT_KINDS
            and _TEASER_HEAD.match(block.text.strip())
            and prose(blocks[:index]) >= prose(blocks[index + 1 :])
        ):
            cut = index
            break
    blocks = list(blocks[:cut])
    # After the article's editor credit, a story cut off with … is the next story's teaser.
    editors = [i for i, block in enumerate(blocks) if _EDITOR_LABEL.match(block.text.strip())]
    if editors:
        blocks = blocks[: editors[-1] + 1] + [
            block
            for block in blocks[editors[-1] + 1 :]
            if not (block.kind in TEXT_KINDS and _CUT_OFF.search(block.text.strip()))
        ]
    texts = [i for i, block in enumerate(blocks) if block.kind in TEXT_KINDS]
    if len(texts) > 1 and _LONE_TITLE.match(blocks[texts[-1]].text.strip()):
        del blocks[texts[-1]]
    for index, block in enumerate(blocks):
        if block.kind == PARAGRAPH and _RELATED_LINK.search(block.text):
            text = _RELATED_LINK.sub("", block.text).rstrip()
            blocks[index] = Block.plain(PARAGRAPH, text) if text else Block(HEADING, "")
    return [b for b in blocks if b.text or b.kind not in TEXT_KINDS]


def prose(blocks):
    """Characters in paragraphs that read as sentences, not link lists."""
    return sum(
        len(b.text)
        for b in blocks
        if b.kind == PARAGRAPH and len(b.text) >= 20 and b.text[-1] in "。！？!?”"
    )


def _set_source(draft, outlet):
    outlet = (outlet or "").strip(" 　·")
    if outlet and not draft.source:
        draft.source = _OUTLET_NAMES.get(outlet, outlet)
