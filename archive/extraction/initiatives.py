"""Named campaigns and service brands: the curated seed list, and the pattern that proposes
new ones.

The seed list is only where the catalogue starts: staff edit names and aliases in the admin,
and extraction reads them from the database on every run. Quoted names followed by a
campaign word (“全民反诈工程”, “胡永鹏工作室”) become ``suggested`` initiatives that staff
accept or reject; suggested ones are never linked to articles, so readers see only what a
person accepted.
"""

import re

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
    ("反诈", ["反电诈", "反诈骗", "全民反诈"], "打击治理电信网络诈骗。"),
    ("扫黑除恶", ["扫黑除恶专项斗争"], "扫黑除恶专项斗争。"),
    ("断卡行动", ["断卡"], "打击治理非法买卖电话卡、银行卡。"),
    ("净网行动", [], "公安机关打击整治网络违法犯罪专项行动。"),
    ("昆仑行动", [], "公安机关打击食品药品环境知识产权犯罪专项行动。"),
    ("夏季治安打击整治行动", [], "公安部部署的夏季治安打击整治行动。"),
    ("最多跑一次", [], "办事最多跑一次改革。"),
]

# A quoted name (2–16 characters, no nested quotes) that ends in, or is followed by, a word
# naming a campaign or a brand.
_CAMPAIGN_WORD = r"(?:专项行动|专项整治|专项活动|行动|工程|品牌|服务品牌|工作室|警务模式|工作模式)"
SUGGESTION_PATTERN = re.compile(
    rf"“([\u4e00-\u9fff0-9·]{{2,16}}?{_CAMPAIGN_WORD}?)”(?={_CAMPAIGN_WORD})"
    rf"|“([\u4e00-\u9fff0-9·]{{1,14}}{_CAMPAIGN_WORD})”"
)


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


def suggested_names(text):
    """Quoted campaign names in ``text``, in order of first appearance."""
    names = []
    for match in SUGGESTION_PATTERN.finditer(text):
        name = match.group(1) or match.group(2)
        if name not in names:
            names.append(name)
    return names
