"""Police units in text: one compiled pattern finds the unit words (公安局, 分局, 派出所,
禁毒大队 …); the name in front of each is taken from the place name just before it, the unit
just before it, or a few characters bounded by punctuation and function words.

Boundaries are what keep fragments out: in 山城区公安分局局长风派出所 the sub-bureau ends
where 派出所's name may begin, and a name never starts with 局, so the station is 长风派出所.
"""

import re
from dataclasses import dataclass, field

from archive.models import Agency, Region

from .catalog import BUREAU_KINDS

DEPARTMENT = (
    r"(?:交警|交通警察|交通管理|出入境管理|出入境|禁毒|刑侦|刑事侦查|刑警|治安管理|治安|经侦|"
    r"经济犯罪侦查|网安|网络安全保卫|特警|巡特警|巡警|技侦|反诈|反电诈|法制|食药环侦|环食药侦)"
    r"(?:支队|大队|中队|科)"
)
# Alternatives are tried in order at each position: 公安分局 before 分局, 公安局 before 公安.
UNIT_PATTERN = re.compile(
    r"(?P<ministry>公安部)(?!门|署)"
    r"|(?P<provincial>公安厅)"
    r"|(?P<sub>公安分局|分局)"
    r"|(?P<bureau>公安局)"
    r"|(?P<station>派出所)"
    rf"|(?P<department>{DEPARTMENT})"
    r"|(?P<vague>警方|公安(?!机关|队伍|部门|系统|民警|干警|战线|交警|工作))"
)

# A name never crosses these: they end a phrase (到派出所, 该分局, 其他分局).
STOP_CHARACTERS = set(
    "的在于到和与及或向由是了将把被让从给往赴至对为经据即并等各该其这那此每个去着过找回进"
)
# Unit characters a name cannot start with (局长风派出所 → 长风派出所).
UNIT_CHARACTERS = set("局所队")
# Words before 派出所 or 分局 that describe rather than name it.
GENERIC_NAMES = (
    "公安",
    "新时代",
    "当地",
    "辖区",
    "基层",
    "所在",
    "属地",
    "分包",
    "附近",
    "全市",
    "全区",
    "全县",
    "城区",
    "农村",
    "社区",
    "边境",
    "乡镇",
    "各地",
    "多个",
    "城市",
    "驻地",
    "城乡",
    "地方",
    "全国",
    "全省",
    "街道",
    "城镇",
    "警务",
    "其他",
    "所属",
    "相关",
    "有关",
    "就近",
    "属地",
    "本地",
)
# Sub-bureaus named after what they police rather than where (水上分局, 机场分局).
NAMED_SUB_BUREAUS = {"水上", "机场", "铁路", "森林", "地铁", "轨道交通", "公交", "港航", "高铁"}
MAX_STATION_NAME = 5
MAX_SUB_BUREAU_NAME = 10


@dataclass
class AgencyRef:
    """An agency as the text names it; linking turns it into a row (found or created)."""

    name: str
    kind: str
    region_id: int | None
    parent: "AgencyRef | None" = None
    agency_id: int | None = None
    aliases: set = field(default_factory=set)

    @property
    def key(self):
        return (self.name, self.region_id)


def bureau_ref(catalog, region_id, explicit=None):
    """The bureau whose area is ``region_id``: known, named in this article, or canonical.

    Canonical names follow the gazetteer: 河南省公安厅, 周口市公安局, 沈丘县公安局,
    川汇区公安分局 (a district of a prefecture city has a 分局 of the city bureau).
    """
    if explicit and region_id in explicit:
        return explicit[region_id]
    known = catalog.bureau_by_region.get(region_id)
    if known is not None:
        entry = catalog.agencies[known]
        return AgencyRef(entry.name, entry.kind, entry.region_id, agency_id=known)
    region = catalog.regions[region_id]
    if region.level == Region.Level.PROVINCE:
        if region.is_municipality:
            return AgencyRef(f"{region.name}公安局", Agency.Kind.CITY_BUREAU, region_id)
        return AgencyRef(f"{region.name}公安厅", Agency.Kind.PROVINCIAL, region_id)
    parent = bureau_ref(catalog, region.parent_id, explicit) if region.parent_id else None
    if region.level == Region.Level.CITY:
        return AgencyRef(f"{region.name}公安局", Agency.Kind.CITY_BUREAU, region_id, parent)
    parent_region = catalog.regions[region.parent_id]
    if region.name.endswith("区") and (
        parent_region.level == Region.Level.CITY or parent_region.is_municipality
    ):
        return AgencyRef(f"{region.name}公安分局", Agency.Kind.SUB_BUREAU, region_id, parent)
    return AgencyRef(f"{region.name}公安局", Agency.Kind.COUNTY_BUREAU, region_id, parent)


def _name_before(text, start, floor, limit):
    """The characters naming a unit that starts at ``start``: Han characters back to
    ``floor`` (the end of the previous place or unit), cut at function words."""
    begin = start
    while begin > floor and start - begin < limit and "\u4e00" <= text[begin - 1] <= "\u9fff":
        begin -= 1
    name = text[begin:start]
    for index in range(len(name) - 1, -1, -1):
        if name[index] in STOP_CHARACTERS:
            name = name[index + 1 :]
            break
    name = name.lstrip("".join(UNIT_CHARACTERS))
    return name, start - len(name)


def _is_generic(name):
    return (
        len(name) < 2 or any(name.endswith(word) for word in GENERIC_NAMES) or name in GENERIC_NAMES
    )


def find_agencies(text, catalog, regions_at, covered, context):
    """Police units in ``text`` as ``[(start, AgencyRef)]`` in reading order.

    ``regions_at`` maps the end offset of every accepted place name to its region id
    (``start_of(end)`` gives where that name begins);
    ``covered`` maps (start, end) of known agencies found by the automaton to their refs;
    ``context`` holds the article's primary city (for relative names such as 市公安局).
    """
    found = []
    explicit = {}  # region id → the bureau this article names for it
    local = {}  # name → ref, so a second mention of 荷花路派出所 reuses the first
    unit_ends = {end: ref for (start, end), ref in covered.items()}
    for (start, _end), ref in covered.items():
        found.append((start, ref))
        local[ref.name] = ref
    spans = sorted(covered)

    def inside_known(position):
        return any(start <= position < end for start, end in spans)

    for match in UNIT_PATTERN.finditer(text):
        start, end = match.span()
        if inside_known(start):
            continue
        kind = match.lastgroup
        word = match.group()
        region_id = regions_at.get(start)
        ref = None
        if kind == "ministry":
            ref = AgencyRef("公安部", Agency.Kind.MINISTRY, None)
        elif kind in ("provincial", "bureau"):
            if region_id is None and text[start - 1 : start] in ("省", "市") and context.city:
                # 省公安厅 / 市公安局 with no place name: the article's own province or city.
                region_id = context.city
                if kind == "provincial":
                    region_id = catalog.ancestors(region_id)[-1]
            if region_id is not None:
                region = catalog.regions[region_id]
                if kind == "provincial" or region.level != Region.Level.PROVINCE:
                    ref = bureau_ref(catalog, region_id)
                    explicit.setdefault(region_id, ref)
                elif region.is_municipality:
                    ref = bureau_ref(catalog, region_id)
        elif kind == "sub":
            ref = _sub_bureau(text, start, word, region_id, catalog, unit_ends, context, explicit)
        elif kind == "vague" and region_id is not None:
            # 武汉公安, 武汉警方: the bureau this article (or the catalogue) names for that place.
            ref = bureau_ref(catalog, region_id, explicit)
        elif kind == "station":
            refs = _stations(text, start, catalog, unit_ends, regions_at, local, context)
            for station_start, station in refs:
                found.append((station_start, station))
                local[station.name] = station
            if refs:
                unit_ends[end] = refs[-1][1]
        elif kind == "department":
            ref = _department(text, start, word, region_id, catalog, unit_ends, found, explicit)
        if ref is not None:
            ref = local.setdefault(ref.name, ref)
            surface_start = regions_at.start_of(start)
            if surface_start != start:  # 武汉警方 is a name; 分局 or 市公安局 alone is not
                ref.aliases.add(text[surface_start:end])
            found.append((start, ref))
            unit_ends[end] = ref
    found.sort(key=lambda item: item[0])
    return found


def _sub_bureau(text, start, word, region_id, catalog, unit_ends, context, explicit):
    if region_id is not None and catalog.regions[region_id].level == Region.Level.COUNTY:
        ref = bureau_ref(catalog, region_id, explicit)
        if ref.kind == Agency.Kind.SUB_BUREAU or word == "公安分局":
            explicit.setdefault(region_id, ref)
            return ref
        return None
    floor = max([end for end in unit_ends if end <= start] + [0])
    name, _ = _name_before(text, start, floor, MAX_SUB_BUREAU_NAME)
    if _is_generic(name) or not (name.endswith("区") or name in NAMED_SUB_BUREAUS):
        return None
    # A zone or a named sub-bureau (东湖新技术开发区分局, 水上分局) of the city bureau.
    city = region_id if region_id is not None else context.city
    if city is None:
        return None
    parent = bureau_ref(catalog, catalog.city_of(city), explicit)
    return AgencyRef(f"{name}{word}", Agency.Kind.SUB_BUREAU, parent.region_id, parent)


def _stations(text, start, catalog, unit_ends, regions_at, local, context):
    """One or more stations ending at ``start`` (项城市公安局水寨、东方、花园派出所 → three)."""
    parent = unit_ends.get(start)
    if parent is not None:
        return []  # 公安局派出所: no name
    floor = max([end for end in [*unit_ends, *regions_at] if end <= start] + [0])
    name, name_start = _name_before(text, start, floor, MAX_STATION_NAME)
    if _is_generic(name):
        return []
    names = [(name_start, name)]
    # An enumeration reaching back to a unit: 水寨、东方、花园派出所.
    position = name_start
    while text[position - 1 : position] == "、":
        previous, previous_start = _name_before(text, position - 1, floor, 4)
        if len(previous) < 2:
            break
        names.insert(0, (previous_start, previous))
        position = previous_start
    anchor = unit_ends.get(position)
    if anchor is None and floor in unit_ends and set(text[floor:position]) <= UNIT_CHARACTERS:
        anchor = unit_ends[floor]  # 分局局长风派出所: a doubled 局 between unit and name
    if len(names) > 1 and anchor is None:
        names = names[-1:]
    if anchor is None and name_start in regions_at:
        anchor = bureau_ref(catalog, regions_at[name_start])
    refs = []
    for station_start, station_name in names:
        full = f"{station_name}派出所"
        if anchor is None and full in local:
            refs.append((station_start, local[full]))
            continue
        region = anchor.region_id if anchor is not None else context.city
        if region is None:
            continue
        refs.append((station_start, AgencyRef(full, Agency.Kind.STATION, region, anchor)))
    return refs


def _department(text, start, word, region_id, catalog, unit_ends, found, explicit):
    parent = unit_ends.get(start)
    if parent is None and region_id is not None:
        parent = bureau_ref(catalog, region_id, explicit)
    if parent is None:
        before = text[start - 1 : start]
        if before in STOP_CHARACTERS or "\u4e00" <= before <= "\u9fff":
            return None  # 各交警大队, 该大队: not one named unit
        # 禁毒大队 on its own: the bureau the text is talking about.
        for _, ref in reversed(found):
            if ref.kind in BUREAU_KINDS and ref.kind != Agency.Kind.MINISTRY:
                parent = ref
                break
    if parent is None or parent.kind not in BUREAU_KINDS:
        return None
    kind = Agency.Kind.TRAFFIC if word.startswith(("交警", "交通")) else Agency.Kind.OTHER
    if word.endswith("支队"):
        kind = Agency.Kind.TRAFFIC if kind == Agency.Kind.TRAFFIC else Agency.Kind.DETACHMENT
    elif word.endswith("大队"):
        kind = Agency.Kind.TRAFFIC if kind == Agency.Kind.TRAFFIC else Agency.Kind.BRIGADE
    return AgencyRef(f"{parent.name}{word}", kind, parent.region_id, parent)
