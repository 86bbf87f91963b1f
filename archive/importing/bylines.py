"""Who wrote it, who edited it, which publication it is from and which site passed it on.

These lines sit at the edges of a body in many shapes (``□本报记者 魏瑗``,
``本刊記者 姜東良 見習記者 李娜 通訊員 張錦程``, ``編輯:王占平``, ``来源：人民公安报``,
``【来源：平安湖北】``, ``（周口日报·周道客户端记者 侯国防）``); each parser asks here, so
that every format reads them the same way and the fields never end up in the body text.
"""

import re

# Aggregators that republish other outlets' stories: they are the site a story came
# through (via_site), never its source or author.
AGGREGATORS = frozenset(
    {
        "趣头条", "今日头条", "头条号", "百家号", "网易", "网易号", "搜狐", "搜狐号", "腾讯新闻",
        "企鹅号", "一点资讯", "新浪", "新浪新闻", "凤凰网", "UC头条", "澎湃号", "微信公众号",
    }
)  # fmt: skip

_ROLE = (
    r"(?:本报|本刊|本台|本网|新华社|人民网|特约)?(?:见习|見習|实习|實習|首席|特约|特約)?"
    r"(?:记者|記者|通讯员|通訊員|撰稿人|作者|摄影|攝影)"
)
_NAME = r"[\u3400-\u9fff·]{2,5}"
_BYLINE = re.compile(rf"^[□■◎●\s]*(?:{_ROLE}[\s:：]*{_NAME}(?:[\s、，,]+{_NAME})*[\s、，,]*)+$")
_EDITOR = re.compile(
    r"^[（(\[【]?(?:责任编辑|責任編輯|编辑|編輯|责编|責編)[\s:：]*([^）)\]】]{2,30})[）)\]】]?$"
)
# "来源: 长江日报", "【来源：平安湖北】", "来源：人民公安报" at a paragraph's end.
# The name stops where another credit label begins ("来源：国际在线责任编辑：…").
_SOURCE = re.compile(
    r"[【\[]?(?:本文)?(?:来源|來源|稿源|出处)[\s:：]+"
    r"((?:(?!责任编辑|責任編輯|编辑|編輯|作者|记者|記者)[^\s|｜【】\[\]]){2,30})[】\]]?"
)
_SOURCE_LINE = re.compile(r"^" + _SOURCE.pattern + r"$")
_TRAILING_SOURCE = re.compile(r"(?<=[。！？!?”\s])" + _SOURCE.pattern + r"$")
# "（周口日报·周道客户端记者 侯国防）" closing the last paragraph.
_SIGNATURE = re.compile(
    rf"[（(]([^（）()]{{2,30}}?)(?:{_ROLE})\s*({_NAME}(?:[\s、]+{_NAME})*)[）)]$"
)
# An outlet's desk or staff credit with no person named: 眾新聞中國組, 本报记者, XX日报记者.
_OUTLET = (
    r"[\u3400-\u9fff]{1,8}?(?:新聞|新闻|日報|日报|晚報|晚报|時報|时报|週刊|周刊|網|网|社|台|報|报)"
)
_DESK = re.compile(
    rf"({_OUTLET})(?:(?:[\u3400-\u9fff]{{1,3}}[組组部]|新聞中心|新闻中心)(?:記者|记者)?|記者|记者)"
)
_LEAD_BYLINE = re.compile(r"^\S{0,12}讯\s*[（(]([^（）()]{2,40})[）)]")
_COPYRIGHT = re.compile(r"版权所有\s*[:：©]?\s*([^\s|｜©:：]{2,30})")


def is_byline(line):
    return len(line) <= 80 and bool(_BYLINE.match(line))


def byline_names(line):
    """The names in a byline, in order: ``□本报记者 魏瑗`` → ``["魏瑗"]``."""
    tokens = re.split(r"[\s、，,:：□■◎●]+", re.sub(_ROLE, " ", line))
    return [token for token in tokens if re.fullmatch(_NAME, token)]


def credit_names(credit):
    """(names, outlet) from a metadata author credit: ``記者黎卓欣`` → (["黎卓欣"], ""),
    ``眾新聞中國組`` or ``眾新聞記者`` (an outlet's desk, no person) → ([], "眾新聞"); an
    author that is neither is kept as the one name it gives."""
    credit = credit.strip()
    if not credit:
        return [], ""
    desk = _DESK.fullmatch(credit)
    if desk:
        return [], desk.group(1)
    names = byline_names(credit)
    if names and re.fullmatch(rf"(?:{_ROLE})?[\s:：]*{_NAME}(?:[\s、，,]+{_NAME})*", credit):
        return names, ""
    return [credit], ""


def lead_byline(paragraph):
    """Names from a dateline such as ``本报讯（记者 张三 通讯员 李四）…`` opening a paragraph."""
    match = _LEAD_BYLINE.match(paragraph)
    return byline_names(match.group(1)) if match else []


def copyright_holder(line):
    """The site in ``©版权所有:信用武汉 | 意见建议 …``, or ``""``."""
    match = _COPYRIGHT.search(line)
    return match.group(1) if match else ""


def editor_of(line):
    match = _EDITOR.match(line.strip())
    return match.group(1).strip() if match else ""


def source_line(line):
    """The publication named by a line that is only a source statement, else ``""``."""
    match = _SOURCE_LINE.match(line.strip())
    return match.group(1) if match else ""


def split_trailing_source(text):
    """``…免疫力”。来源：人民公安报`` → (``…免疫力”。``, ``人民公安报``)."""
    match = _TRAILING_SOURCE.search(text)
    if not match:
        return text, ""
    return text[: match.start()].rstrip(), match.group(1)


def signature(text):
    """(source, names) from a closing ``（周口日报·周道客户端记者 侯国防）``, or None."""
    match = _SIGNATURE.search(text.strip())
    if not match:
        return None
    return match.group(1).strip(" ·"), re.split(r"[\s、]+", match.group(2).strip())


def join_names(names):
    seen = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return "、".join(seen)
