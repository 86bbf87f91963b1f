"""Named campaigns and service brands: the curated seed list, and the shapes that propose
new ones.

The seed list is only where the catalogue starts: staff edit names and aliases in the admin,
and extraction reads them from the database on every run. Beyond it, a name shaped like a
campaign becomes a ``suggested`` initiative for staff to accept or reject:

* a quoted name followed by a campaign word, directly or after a few words saying what
  it is about: “净网2019”专项行动, “落地快打”的工作机制, “守护夕阳红”…广告整治行动;
* a quoted name that is itself one: “百日攻坚行动”, 「黎明行动」 (not one the writer holds at
  a distance: 所谓“平暴”行动);
* a programme title: 《五邑警视》栏目; a police account's brand, 平安 and a place, where
  the text names it as an account (@平安昌平, 微博“平安北京”);
* a name after a verb that starts a campaign (开展, 部署, 组织 …) ending in a campaign
  word: 开展打击侵财性犯罪专项行动, 组织开展疑难命案积案攻坚行动, 开展政法队伍教育整顿.

Suggested initiatives are linked to the articles that name them, so staff see them per
article, but readers see an initiative (its page, its links, counts, facets, feeds) only
once staff accepted it. Topics (反诈, 禁毒, 交通安全 …) are fields of police work, not
campaigns: a name that is only a topic is never suggested.
"""

import re
from dataclasses import dataclass

from django.utils.text import slugify

# (name, aliases, description). Aliases are other spellings of the same campaign.
SEED_INITIATIVES = [
    ("我为群众办实事", ["我为群众办实事实践活动"], "党史学习教育中的“我为群众办实事”实践活动。"),
    ("放管服", ["放管服改革"], "简政放权、放管结合、优化服务改革。"),
    ("枫桥经验", ["新时代枫桥经验"], "依靠群众就地化解矛盾的基层治理经验。"),
    ("一网通办", [], "政务服务事项网上一次办成。"),
    ("跨省通办", ["全国通办"], "政务服务事项异地跨省办理。"),
    ("全省通办", [], "政务服务事项省内异地办理。"),
    ("优化营商环境", [], "各地优化营商环境行动。"),
    ("护航经济发展", [], "公安机关护航经济发展专项行动。"),
    ("海燕直通车", [], "武汉市公安局硚口区分局的政务服务品牌。"),
    ("知音航班", [], "武汉市公安局汉阳区分局的政务服务品牌。"),
    ("金牌店小二", [], "武汉公安服务企业的口号与品牌。"),
    ("扫黑除恶", ["扫黑除恶专项斗争"], "扫黑除恶专项斗争。"),
    ("断卡行动", ["断卡"], "打击治理非法买卖电话卡、银行卡。"),
    ("净网行动", [], "公安机关打击整治网络违法犯罪专项行动。"),
    ("昆仑行动", [], "公安机关打击食品药品环境知识产权犯罪专项行动。"),
    ("夏季治安打击整治行动", [], "公安部部署的夏季治安打击整治行动。"),
    ("最多跑一次", [], "办事最多跑一次改革。"),
]

# Fields of police work, not campaigns: never suggested as a name on their own.
TOPICS = frozenset(
    """
反诈 反电诈 反诈骗 防诈 防骗 禁毒 缉毒 交通安全 消防安全 防溺水 扫黄打非 扫黄 打非
治安 反恐 网络安全 食品安全 安全生产 防范电信网络诈骗 电信网络诈骗 电信诈骗 反洗钱 打拐
普法 法治宣传
""".split()  # noqa: SIM905
)

# Words that make a name a campaign. ``CAMPAIGN_ENDINGS`` end an unquoted name (not a bare
# 行动: 开展抓捕行动 is police work, not a campaign's name); ``STRONG_WORDS`` may follow a
# quoted name after a few words saying what it is about; ``CAMPAIGN_WORDS`` may follow it
# directly, or end it. Not 活动, 政策, 模式, 计划 alone: companies and apps have those too.
CAMPAIGN_ENDINGS = """
专项行动 专项整治 专项斗争 专项活动 专项工作 专项治理 集中行动 集中整治 集中治理 整治行动
清理整治行动 攻坚行动 百日行动 百日攻坚 攻坚战 宣传月 宣传周 教育整顿 会战
""".split()  # noqa: SIM905
STRONG_WORDS = [
    *CAMPAIGN_ENDINGS,
    *"实践活动 主题活动 系列活动 工作机制 警务模式 工作模式 服务品牌 警务品牌".split(),  # noqa: SIM905
]
CAMPAIGN_WORDS = STRONG_WORDS + ["行动", "工程", "工作室", "改革", "战役"]
PROGRAMME_WORDS = ["栏目", "专栏", "专题", "节目"]
# What any campaign may be called besides its campaign word: not a name of its own.
GENERIC = frozenset(
    """
集中 专项 清理 联合 统一 全国 全省 全市 打击 整治 严打 百日 宣传 主题 系列
""".split()  # noqa: SIM905
)
# Said before an unquoted campaign's own name, not part of it.
MODIFIERS = """
依法严厉 依法 严厉 深入 全面 持续 大力 扎实 广泛 积极 常态化 进一步 全力 重拳 一场 一次
了 的 好 全国 全省 全市 全区 全县 各地
""".split()  # noqa: SIM905
VERBS = "开展 部署 启动 推进 深化 实施 发起 组织 参加 参与".split()  # noqa: SIM905
# Words that make an unquoted run a phrase, not a name (政治宣言和行动, 加沙地带的地面行动).
PHRASE_WORDS = re.compile("[的了和与并或]")

_NAME = r"[\u4e00-\u9fff0-9A-Za-z·.\- ]"


def _alternation(words):
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_QUOTED = re.compile(
    rf"[“「『\"]\s*({_NAME}{{2,16}}?)\s*[”」』\"]"
    rf"(?:({_alternation(CAMPAIGN_WORDS)})"
    rf"|(?:的)?([\u4e00-\u9fff、]{{0,20}}?)({_alternation(STRONG_WORDS)}))?"
)
_PROGRAMME = re.compile(rf"《({_NAME}{{2,12}})》(?={_alternation(PROGRAMME_WORDS)})")
_ACCOUNT = re.compile(
    r"(?:@|微博|公众号|抖音号)[“「]?(平安[\u4e00-\u9fff]{2,4}?)"
    r"(?=[”」]|发布|通报|消息|官方|称|[^\u4e00-\u9fff]|$)"
)
_STARTED = re.compile(
    rf"(?:{_alternation(VERBS)})(?:{_alternation(VERBS + MODIFIERS)}|为期[^，。的]{{1,6}}的)*"
    rf"([\u4e00-\u9fff0-9A-Za-z·]{{2,24}}?(?:{_alternation(CAMPAIGN_ENDINGS)}|行动))"
    r"(?!纲领|指南|计划|方案|框架)"
)
_ENDS_IN_CAMPAIGN_WORD = re.compile(rf"(?:{_alternation(CAMPAIGN_WORDS)})$")
_SPACE = re.compile(r"\s+")
# Words before a quoted name that hold it at a distance (所谓“…”: "so-called").
SO_CALLED = ("所谓", "所谓的")
# An unquoted name ending in a bare 行动 must say more than a verb and 行动 (抓捕行动).
MIN_BARE_ACTION = 8


def core(name):
    """The part of a name that sets it apart: without the campaign words it ends in."""
    while True:
        shorter = _ENDS_IN_CAMPAIGN_WORD.sub("", name)
        if shorter == name:
            return name
        name = shorter


def is_distinct_name(name):
    """A name with something of its own besides campaign words, and not only a topic."""
    rest = core(name)
    return len(rest) >= 2 and rest not in TOPICS | GENERIC and name not in TOPICS


def initiative_slug(name):
    return slugify(name, allow_unicode=True) or name


def load_seed_initiatives(initiative_model):
    """Create the seed initiatives that do not exist yet; return how many were created.

    Existing rows are left as staff made them (name, aliases, status): the seed list only
    starts the catalogue, it never overrides curation.
    """
    existing = set(initiative_model.objects.values_list("name", flat=True))
    created = 0
    for name, aliases, description in SEED_INITIATIVES:
        if name not in existing:
            initiative_model.objects.create(
                name=name,
                slug=initiative_slug(name),
                aliases=aliases,
                description=description,
                status="accepted",
            )
            created += 1
    return created


@dataclass
class Suggestion:
    """A campaign name found by its shape: ``name``, other ways the text writes it, and
    where it stands in the text."""

    name: str
    aliases: list
    start: int
    end: int


def suggestions(text):
    """Campaign names shaped as the module docstring says, in order of first appearance."""
    found = {}
    for match in _QUOTED.finditer(text):
        name = _SPACE.sub("", match.group(1))
        word = match.group(2) or match.group(4)
        if word is None and not _ENDS_IN_CAMPAIGN_WORD.search(name):
            continue  # a quotation, not a name
        if text.endswith(SO_CALLED, 0, match.start()):
            continue  # 所谓“平暴”行动: the writer keeps the name at a distance, not a campaign
        aliases = [name + match.group(2)] if match.group(2) else []
        _add(found, name, aliases, match.start(), match.end())
    for match in _PROGRAMME.finditer(text):
        _add(found, _SPACE.sub("", match.group(1)), [], match.start(), match.end())
    for match in _ACCOUNT.finditer(text):
        _add(found, match.group(1), [], match.start(1), match.end(1))
    for match in _STARTED.finditer(text):
        name = match.group(1)
        if PHRASE_WORDS.search(name):
            continue
        bare_action = name.endswith("行动") and not name.endswith(tuple(CAMPAIGN_ENDINGS))
        if bare_action and len(name) < MIN_BARE_ACTION:
            continue
        _add(found, name, [], match.start(1), match.end(1))
    # A name inside another one's span (组织 opens a run inside “组织体系建设三年行动”) is
    # part of it, not a name of its own.
    kept = [
        suggestion
        for suggestion in found.values()
        if not any(
            other is not suggestion
            and other.start <= suggestion.start
            and suggestion.end <= other.end
            and (other.start, other.end) != (suggestion.start, suggestion.end)
            for other in found.values()
        )
    ]
    return sorted(kept, key=lambda suggestion: suggestion.start)


def _add(found, name, aliases, start, end):
    if not is_distinct_name(name) or len(name) > 24:
        return
    if name in found:
        found[name].aliases = sorted({*found[name].aliases, *aliases})
    else:
        found[name] = Suggestion(name, aliases, start, end)
