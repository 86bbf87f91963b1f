"""Police units in text: one compiled pattern finds the unit words (公安局, 分局, 派出所,
禁毒大队 …); the name in front of each is taken from the place name just before it, the unit
just before it, or a few characters bounded by punctuation and function words.

Boundaries are what keep fragments out: in 山城区公安分局局长风派出所 the sub-bureau ends
where 派出所's name may begin, and a name never starts with 局, so the station is 长风派出所.
"""

import re
from dataclasses import dataclass, field

from archive.models import Agency, Region

BUREAU_KINDS = {
    Agency.Kind.MINISTRY,
    Agency.Kind.PROVINCIAL,
    Agency.Kind.CITY_BUREAU,
    Agency.Kind.COUNTY_BUREAU,
    Agency.Kind.SUB_BUREAU,
}

# The ministry's own bureaus as the text may shorten them → their official names.
MINISTRY_BUREAUS = {
    "刑事侦查局": "刑事侦查局",
    "刑侦局": "刑事侦查局",
    "网络安全保卫局": "网络安全保卫局",
    "网安局": "网络安全保卫局",
    "治安管理局": "治安管理局",
    "治安局": "治安管理局",
    "交通管理局": "交通管理局",
    "交管局": "交通管理局",
    "经济犯罪侦查局": "经济犯罪侦查局",
    "经侦局": "经济犯罪侦查局",
    "禁毒局": "禁毒局",
    "出入境管理局": "出入境管理局",
    "反恐怖局": "反恐怖局",
    "反恐局": "反恐怖局",
    "科技信息化局": "科技信息化局",
    "食品药品犯罪侦查局": "食品药品犯罪侦查局",
    "监所管理局": "监所管理局",
    "国际合作局": "国际合作局",
}
MINISTRY_NAME = "中华人民共和国公安部"
# 公安部门, 公安部署: words that begin with the ministry's name.
MINISTRY_WORD_TAILS = ("门", "署")
# Shortened department words → the words of their official names (网安支队 → 网络安全保卫支队).
DEPARTMENT_WORDS = {
    "交警": "交通警察",
    "交巡警": "交通巡逻警察",
    "网安": "网络安全保卫",
    "经侦": "经济犯罪侦查",
    "食药环侦": "食品药品环境犯罪侦查",
    "车管所": "车辆管理所",
    "１１０": "110",
}
NUMERALS = "一二三四五六七八九十"
# A numbered brigade or squad of the traffic police (交巡警一大队, 交警三中队).
TRAFFIC_NUMBERED = re.compile(
    rf"(?P<traffic>交通巡逻警察|交通警察|交巡警|交警)(?P<team>[{NUMERALS}]+(?:大队|中队))"
)
# Words for the bureau just named (该局情报信息研判科).
SAME_BUREAU_WORDS = ("该局", "本局", "我局")
DEPARTMENT = (
    r"(?:交通警察|交警|交巡警|交通巡逻警察|交通管理|出入境管理|出入境|禁毒|刑侦|刑事侦查|刑警|"
    r"治安管理|治安|经侦|经济犯罪侦查|经济侦查|网安|网络安全保卫|特警|巡特警|巡警|技侦|反诈|反电诈|法制|"
    r"食药环侦|环食药侦|食品药品安全保卫|食品药品犯罪侦查|食药|信访|情报信息研判|情报)"
    rf"(?:警察)?[{NUMERALS}]*(?:总队|支队|大队|中队|科)"
    rf"|[{NUMERALS}]+(?:大队|中队)|车辆管理所|车管所|(?:110|１１０)?指挥中心"
)
# Police with their own hierarchy: the word in their names that says which.
SPECIAL_KINDS = {
    "森林": Agency.Kind.FOREST,
    "铁路": Agency.Kind.RAILWAY,
    "民航": Agency.Kind.AIRPORT,
    "机场": Agency.Kind.AIRPORT,
    "港航": Agency.Kind.PORT,
    "边防": Agency.Kind.PORT,
}
SPECIAL = rf"(?:{'|'.join(SPECIAL_KINDS)})公安(?:分局|局|处)|公安处"
# Alternatives are tried in order at each position: 公安分局 before 分局, 公安局 before 公安.
UNIT_PATTERN = re.compile(
    rf"(?P<ministry_bureau>公安部(?:{'|'.join(sorted(MINISTRY_BUREAUS, key=len, reverse=True))}))"
    rf"|(?P<ministry>公安部)(?![{''.join(MINISTRY_WORD_TAILS)}])"
    # 部、省、市公安机关, 部省两级公安: the ministry heads a list of levels sharing the word.
    r"|(?P<ministry_level>部)(?=、?省(?:、?[市县])*(?:[两三四]级)?公安)"
    r"|(?P<provincial>公安厅)"
    rf"|(?P<special>{SPECIAL})"
    r"|(?P<sub>公安分局|分局)"
    # 浏阳市局: a bureau named by its place and 局 alone (never 市局长, 全市局面).
    r"|(?P<bureau>公安局|(?<=[市县])局(?![长面势部限]))"
    r"|(?P<station>派出所)"
    rf"|(?P<department>{DEPARTMENT})"
    # 上海交警, 上海公安交警部门: the traffic police of a place.
    r"|(?P<traffic>交警|交巡警)"
    # X公安机关 (X's public security organs) is every unit of X together, not one of them.
    r"|(?P<vague>警方|公安(?!队伍|部门|系统|民警|干警|战线|交警|工作|处|机关))"
)
# Cities whose district sub-bureaus are named by the district's short name
# (北京市公安局朝阳分局); elsewhere the full name is kept (杭州市公安局拱墅区分局).
SHORT_SUB_BUREAU_CITIES = {"110000", "120000", "310000"}
# The special administrative regions have their own police, not a 公安厅.
SAR_POLICE = {"810000": "香港警务处", "820000": "澳门治安警察局"}

# A name never crosses these: they end a phrase (到派出所, 该分局, 其他分局).
STOP_CHARACTERS = set(
    "的在于到和与及或向由是了将把被让从给往赴至对为经据即并等各该其这那此每个去着过找回进"
)
# Words a name never starts after: the verb or phrase before it (联合城西派出所, 离开派出所).
CUT_WORDS = (
    "离开",
    "联合",
    "还有",
    "难道",
    "前往",
    "来到",
    "赶到",
    "赶往",
    "送往",
    "位于",
    "隶属",
    "来自",
    "配合",
    "协助",
    "会同",
    "以及",
    "组织",
    "分管",
    "调集",
    "指派",
    "分许",
    "称",
)
# Zone words that begin with a stop character (经开区 is 经济技术开发区).
ZONE_WORDS = ("经开区", "经济开发区", "经济技术开发区")
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
NAMED_SUB_BUREAUS = {
    "水上",
    "机场",
    "铁路",
    "森林",
    "地铁",
    "轨道交通",
    "公交",
    "港航",
    "边防港航",
    "高铁",
}
SENTENCE_ENDS = "。！？\n"
MAX_STATION_NAME = 5
MAX_ASIDE = 20
TOWN_SUFFIXES = ("镇", "乡", "街道")
MAX_SUB_BUREAU_NAME = 10


def is_compound(name):
    """A unit's name written with its parent's (某市公安局某分局某派出所). Such a name is not a
    catalogue key: as one key it would hide the parent's mention inside it; the pattern
    finds the parent, then the unit under it, and rebuilds the same name."""
    return len(UNIT_PATTERN.findall(name)) > 1


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


def ministry_ref():
    return AgencyRef(MINISTRY_NAME, Agency.Kind.MINISTRY, None, aliases={"公安部"})


def bureau_ref(catalog, region_id, explicit=None, short_form=False):
    """The bureau whose area is ``region_id``: named in this article, known, or canonical.

    Canonical names follow the gazetteer and the official pattern: 河南省公安厅, 周口市公安局,
    沈丘县公安局, and for a district of a city a 分局 of the city bureau (周口市公安局川汇区分局,
    or 周口市公安局川汇分局 when ``short_form``: the text wrote 川汇分局), with the other forms
    (川汇区公安分局 …) as aliases.
    """
    if explicit and region_id in explicit:
        return explicit[region_id]
    known = catalog.bureau_by_region.get(region_id)
    if known is not None:
        entry = catalog.agencies[known]
        return AgencyRef(entry.name, entry.kind, entry.region_id, agency_id=known)
    region = catalog.regions[region_id]
    if region.code in SAR_POLICE:
        return AgencyRef(SAR_POLICE[region.code], Agency.Kind.PROVINCIAL, region_id)
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
        short = region.short_name
        forms = {f"{parent.name}{region.name}分局", f"{region.name}公安分局"}
        if short:
            forms.add(f"{parent.name}{short}分局")
        use_short = short and (short_form or parent_region.code in SHORT_SUB_BUREAU_CITIES)
        name = f"{parent.name}{short if use_short else region.name}分局"
        return AgencyRef(name, Agency.Kind.SUB_BUREAU, region_id, parent, aliases=forms - {name})
    return AgencyRef(f"{region.name}公安局", Agency.Kind.COUNTY_BUREAU, region_id, parent)


def traffic_ref(bureau, word="交通警察"):
    """The traffic police of a bureau: 总队 of a province or municipality, 支队 of a city,
    大队 of a county or district (上海交警 → 上海市公安局交通警察总队); ``word`` is 交通巡逻警察
    where the text calls them 交巡警."""
    if bureau.kind == Agency.Kind.PROVINCIAL or (
        bureau.kind == Agency.Kind.CITY_BUREAU and bureau.parent is None
    ):
        level = "总队"
    elif bureau.kind == Agency.Kind.CITY_BUREAU:
        level = "支队"
    else:
        level = "大队"
    short = "交巡警" if word == "交通巡逻警察" else "交警"
    return AgencyRef(
        f"{bureau.name}{word}{level}",
        Agency.Kind.TRAFFIC,
        bureau.region_id,
        bureau,
        aliases={f"{bureau.name}{short}{level}"},
    )


def _name_before(text, start, floor, limit):
    """The characters naming a unit that starts at ``start``: Han characters back to
    ``floor`` (the end of the previous place or unit), cut at function words."""
    begin = start
    while begin > floor and start - begin < limit and "\u4e00" <= text[begin - 1] <= "\u9fff":
        begin -= 1
    name = text[begin:start]
    for index in range(len(name) - 1, -1, -1):
        if name[index] in STOP_CHARACTERS and not name.startswith(ZONE_WORDS, index):
            name = name[index + 1 :]
            break
    for word in CUT_WORDS:
        cut = name.rfind(word)
        if cut >= 0:
            name = name[cut + len(word) :]
    name = name.lstrip("".join(UNIT_CHARACTERS))
    return name, start - len(name)


def _is_generic(name):
    return (
        len(name) < 2 or any(name.endswith(word) for word in GENERIC_NAMES) or name in GENERIC_NAMES
    )


class _Units:
    """The units found so far in one article: where each ends and where its written name
    (with the places before it) begins."""

    def __init__(self, regions_at):
        self.regions_at = regions_at
        self.at_end = {}  # end → ref
        self.start = {}  # end → start of the unit word or name

    def add(self, start, end, ref):
        self.at_end[end] = ref
        self.start[end] = start

    def parent_at(self, position):
        """The unit ending right where a name begins: its parent, written as a prefix."""
        return self.at_end.get(position)

    def region_before(self, start):
        """The place named right before ``start``, also across 公安 (开封市公安交警支队)."""
        region_id = self.regions_at.get(start)
        if region_id is None and self.regions_at.text[start - 2 : start] == "公安":
            region_id = self.regions_at.get(start - 2)
        return region_id

    def chain_start(self, position):
        """Where the run of places and units written before ``position`` begins."""
        while True:
            if position in self.start:
                previous = self.start[position]
            else:
                previous = self.regions_at.start_of(position)
            if previous == position:
                return position
            position = previous

    def floor(self, start, with_places=False):
        ends = [*self.at_end, *(self.regions_at if with_places else ())]
        return max([end for end in ends if end <= start] + [0])


def _surface(ref, text, begin, end, regions_at):
    """Keep the name as the text writes it from the place it begins with
    (吉林省临江市公安局刑侦大队) as an alias."""
    surface = text[begin:end]
    if surface != ref.name and regions_at.starts_at(begin):
        ref.aliases.add(surface)


def find_agencies(text, catalog, regions_at, covered, context):
    """Police units in ``text`` as ``[(start, AgencyRef, alone)]`` in reading order; ``alone``
    is False where the unit is written only as the beginning of a longer unit's name
    (上海市公安局 in 上海市公安局普陀分局): a parent the text implies, not one it names.

    ``regions_at`` maps the end offset of every accepted place name to its region id
    (``start_of(end)`` gives where that name begins);
    ``covered`` maps (start, end) of known agencies found by the automaton to their refs;
    ``context`` holds the article's primary city (for relative names such as 市公安局).
    """
    found = []
    explicit = {}  # region id → the bureau this article names for it
    local = {}  # name → ref, so a second mention of 荷花路派出所 reuses the first
    informal = set()  # where a 某地警方 starts
    units = _Units(regions_at)
    for (start, end), ref in covered.items():
        found.append((start, ref))
        local[ref.name] = ref
        units.add(start, end, ref)
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
        if kind in ("ministry", "ministry_level"):
            ref = ministry_ref()
        elif kind == "ministry_bureau":
            bureau = MINISTRY_BUREAUS[word[len("公安部") :]]
            parent = local.get(MINISTRY_NAME) or ministry_ref()
            ref = AgencyRef(f"公安部{bureau}", Agency.Kind.MINISTRY_BUREAU, None, parent)
            ref.aliases = {word} - {ref.name}
        elif kind in ("provincial", "bureau"):
            if region_id is None and (
                kind == "provincial" or (word != "局" and text[start - 1 : start] == "市")
            ):
                # 省公安厅, 公安厅, 市公安局 with no place name before them.
                region_id = _relative_place(text, start, kind, catalog, regions_at, context)
            if region_id is not None:
                region = catalog.regions[region_id]
                if kind == "provincial" or region.level != Region.Level.PROVINCE:
                    ref = bureau_ref(catalog, region_id, explicit)
                    explicit.setdefault(region_id, ref)
                elif region.is_municipality:
                    ref = bureau_ref(catalog, region_id, explicit)
        elif kind == "special":
            ref = _special(text, start, word, region_id, units)
        elif kind == "sub":
            ref = _sub_bureau(text, start, word, region_id, catalog, units, context, explicit)
        elif kind == "vague" and region_id is not None:
            # 武汉公安, 武汉警方: the bureau this article (or the catalogue) names for that place.
            short_form = text[regions_at.start_of(start) : start] != catalog.regions[region_id].name
            ref = bureau_ref(catalog, region_id, explicit, short_form=short_form)
            if word == "警方":
                informal.add(start)
        elif kind == "traffic":
            region_id = units.region_before(start)
            if region_id is not None:
                ref = traffic_ref(bureau_ref(catalog, region_id, explicit), DEPARTMENT_WORDS[word])
        elif kind == "station":
            refs = _stations(text, start, catalog, units, local, context)
            for station_start, station in refs:
                found.append((station_start, station))
                local[station.name] = station
                for alias in station.aliases:
                    local.setdefault(alias, station)
            if refs:
                units.add(refs[-1][0], end, refs[-1][1])
        elif kind == "department":
            region_id = units.region_before(start)
            ref = _department(text, start, word, region_id, catalog, units, found, explicit)
        if ref is not None:
            ref = local.setdefault(ref.name, ref)
            _surface(ref, text, units.chain_start(start), end, regions_at)
            found.append((start, ref))
            units.add(start, end, ref)
    found = _informal_police_named(found, informal, catalog)
    found = _stations_of_a_bureau_in_their_sentence(text, found, catalog)
    found = _stations_named_later(found)
    found = _abbreviations_written_in_full(text, found)
    found.sort(key=lambda item: item[0])
    prefixes = _written_as_prefix(text, found, units, catalog)
    return [(start, ref, start not in prefixes) for start, ref in found]


def _stations_of_a_bureau_in_their_sentence(text, found, catalog):
    """A station written bare whose county bureau is the unit named nearest to it in the
    same sentence (角尾派出所所长，受徐闻县公安局分管) is that bureau's station, named with it;
    the bare name stays an alias. A city's bureau is not enough: its stations are many."""
    bare = [(start, ref) for start, ref in found if _unanchored_station(ref)]
    if not bare:
        return found
    others = [(start, ref) for start, ref in found if ref.kind != Agency.Kind.STATION]
    anchored = {}
    for start, ref in bare:
        sentence = sentence_span(text, start)
        near = [
            (abs(other_start - start), other)
            for other_start, other in others
            if sentence[0] <= other_start < sentence[1]
        ]
        if not near:
            continue
        bureau = min(near, key=lambda item: item[0])[1]
        if _county_bureau(bureau, catalog) and ref.key not in anchored:
            anchored[ref.key] = AgencyRef(
                f"{bureau.name}{ref.name}",
                Agency.Kind.STATION,
                bureau.region_id,
                bureau,
                aliases={ref.name, *ref.aliases, *(f"{name}{ref.name}" for name in bureau.aliases)},
            )
    return [(start, anchored.get(ref.key, ref)) for start, ref in found]


def _unanchored_station(ref):
    return ref.kind == Agency.Kind.STATION and ref.parent is None and ref.agency_id is None


def _county_bureau(ref, catalog):
    return ref.region_id is not None and (
        ref.kind == Agency.Kind.COUNTY_BUREAU
        or (
            ref.kind == Agency.Kind.SUB_BUREAU
            and catalog.regions[ref.region_id].level == Region.Level.COUNTY
        )
    )


def sentence_span(text, position):
    """Where the sentence around ``position`` begins and ends."""
    begin = max(text.rfind(mark, 0, position) for mark in SENTENCE_ENDS) + 1
    ends = [end for end in (text.find(mark, position) for mark in SENTENCE_ENDS) if end >= 0]
    return begin, min(ends, default=len(text))


def _informal_police_named(found, informal, catalog):
    """某地警方 is the police of that place acting in the story: where the article names a
    unit of a smaller place inside it (浙江警方 … 瓯海警方, 北京警方 … 北京市公安局昌平分局),
    it is that unit, not also the bureau of the larger place. A unit of the place itself
    (上海警方 … 边防港航分局) is the bureau's own, so then, as alone, it is the bureau."""
    if not informal:
        return found
    places = {ref.region_id for _start, ref in found if ref.region_id is not None}
    inside = {parent for region_id in places for parent in catalog.ancestors(region_id)[1:]}
    return [
        (start, ref) for start, ref in found if start not in informal or ref.region_id not in inside
    ]


def _abbreviations_written_in_full(text, found):
    """A department the text writes in full and also shortened (食品药品安全保卫支队 and
    食药支队, 经济侦查大队 and 经侦大队) under one parent: one unit, named as written in full,
    the short forms its aliases."""
    departments = {}
    for _start, ref in found:
        if (
            ref.parent is not None
            and ref.kind not in BUREAU_KINDS
            and ref.kind != Agency.Kind.STATION
        ):
            departments.setdefault(ref.key, ref)
    full_forms = {}
    for ref in departments.values():
        part = ref.name[len(ref.parent.name) :]
        if part in text:
            for other in departments.values():
                if other is not ref and other.parent.key == ref.parent.key:
                    for form in (other.name, *other.aliases):
                        short = form[len(ref.parent.name) :]
                        if form.startswith(ref.parent.name) and _shortens(short, part):
                            full_forms[other.key] = ref
    if not full_forms:
        return found
    for key, full in full_forms.items():
        full.aliases |= {departments[key].name, *departments[key].aliases} - {full.name}
    return [(start, full_forms.get(ref.key, ref)) for start, ref in found]


def _shortens(short, full):
    """短 is a shortening of 全: same unit word at the end, the rest its characters in order,
    beginning with the same one (食药支队 of 食品药品安全保卫支队)."""
    tail = next((word for word in UNIT_TAILS if full.endswith(word)), None)
    if tail is None or not short.endswith(tail) or len(short) >= len(full):
        return False
    short, full = short[: -len(tail)], full[: -len(tail)]
    if len(short) < 2 or short[0] != full[0]:
        return False
    characters = iter(full)
    return all(character in characters for character in short)


def _written_as_prefix(text, found, units, catalog):
    """Where each unit starts that is written right before a unit under it, as the first
    part of that unit's name (上海市公安局 in 上海市公安局普陀分局)."""
    prefixes = set()
    for start, ref in found:
        parents = {ref.parent.key} if ref.parent is not None else set()
        if ref.agency_id is not None:
            # A unit the catalogue knows (found again by a later run): its stored parent.
            parent_id = catalog.agencies[ref.agency_id].parent_id
            if parent_id is not None:
                parent = catalog.agencies[parent_id]
                parents.add((parent.name, parent.region_id))
        if not parents:
            continue
        for end, written in units.at_end.items():
            if (
                written.key in parents
                and 0 <= start - end <= MAX_SUB_BUREAU_NAME
                and all("\u4e00" <= character <= "\u9fff" for character in text[end:start])
            ):
                prefixes.add(units.start[end])
    return prefixes


def _stations_named_later(found):
    """A station first written bare (自称东小口镇派出所), then with its bureau (昌平区东小口派出所):
    one unit, the one with the bureau."""
    anchored = {}
    for _start, ref in found:
        if ref.kind == Agency.Kind.STATION and ref.parent is not None:
            for form in {ref.name, *ref.aliases}:
                anchored.setdefault(form, ref)
    if not anchored:
        return found
    merged = []
    for start, ref in found:
        if ref.kind == Agency.Kind.STATION and ref.parent is None and ref.agency_id is None:
            ref = next(
                (anchored[form] for form in sorted({ref.name, *ref.aliases}) if form in anchored),
                ref,
            )
        merged.append((start, ref))
    return merged


def _relative_place(text, start, kind, catalog, regions_at, context):
    """省公安厅 / 市公安局 (or a sub-bureau named after what it polices) with no place name:
    the province or city named last before it in the same sentence (辽宁省副省长、省公安厅厅长;
    上海警方获悉，…边防港航分局), else the article's own."""
    sentence = max(text.rfind(mark, 0, start) for mark in SENTENCE_ENDS)
    for end in sorted((end for end in regions_at if sentence < end < start), reverse=True):
        region_id = regions_at[end]
        region = catalog.regions[region_id]
        if kind == "provincial":
            return catalog.ancestors(region_id)[-1]
        if region.level == Region.Level.CITY or region.is_municipality:
            return region_id
    region_id = context.city
    if kind == "provincial" and region_id is not None:
        region_id = catalog.ancestors(region_id)[-1]
    return region_id


def _special(text, start, word, region_id, units):
    """Forest, railway, airport and port police: their own hierarchy, never the bureau of
    the place in their name (沁阳市森林公安局, 上海铁路公安局南京公安处)."""
    name_start = units.regions_at.start_of(start)
    if name_start == start:
        _, name_start = _name_before(text, start, units.floor(start), MAX_SUB_BUREAU_NAME)
    name = text[name_start:start]
    parent = units.parent_at(name_start)
    full = f"{name}{word}"
    kinds = [kind for key, kind in SPECIAL_KINDS.items() if key in full]
    if parent is not None and parent.kind in SPECIAL_KINDS.values():
        kinds = kinds or [parent.kind]
        full = f"{parent.name}{full}"
    if not kinds or _is_generic(name):
        return None
    return AgencyRef(full, kinds[0], region_id, parent)


def _sub_bureau(text, start, word, region_id, catalog, units, context, explicit):
    if region_id is not None and catalog.regions[region_id].level == Region.Level.COUNTY:
        region = catalog.regions[region_id]
        short_form = text[units.regions_at.start_of(start) : start] != region.name
        ref = bureau_ref(catalog, region_id, explicit, short_form=short_form)
        if ref.kind == Agency.Kind.SUB_BUREAU or word == "公安分局":
            explicit.setdefault(region_id, ref)
            return ref
        return None
    floor = units.floor(start)
    name, _ = _name_before(text, start, floor, MAX_SUB_BUREAU_NAME)
    written_parent = units.parent_at(start - len(name))
    if (
        written_parent is not None
        and written_parent.kind == Agency.Kind.CITY_BUREAU
        and not _is_generic(name)
    ):
        # 东莞市公安局南城分局: a 分局 written after its city bureau, whatever its name.
        return AgencyRef(
            f"{written_parent.name}{name}分局",
            Agency.Kind.SUB_BUREAU,
            written_parent.region_id,
            written_parent,
        )
    # 长沙市高新区公安分局: the city is a place before the zone's name, not part of it.
    city = None
    for offset in range(len(name) - 1, 0, -1):
        place = units.regions_at.get(start - len(name) + offset)
        if place is not None:
            city, name = place, name[offset:]
            break
    if _is_generic(name) or not (name.endswith("区") or name in NAMED_SUB_BUREAUS):
        return None
    # A zone or a named sub-bureau (东湖新技术开发区分局, 水上分局) of the city bureau.
    city = (
        city
        or region_id
        or _relative_place(text, start, "bureau", catalog, units.regions_at, context)
    )
    if city is None:
        return None
    parent = units.parent_at(start - len(name)) or bureau_ref(
        catalog, catalog.city_of(city), explicit
    )
    full = f"{parent.name}{name}分局"
    return AgencyRef(
        full,
        Agency.Kind.SUB_BUREAU,
        parent.region_id,
        parent,
        aliases={f"{name}{word}"} - {full},
    )


def _stations(text, start, catalog, units, local, context):
    """One or more stations ending at ``start`` (项城市公安局水寨、东方、花园派出所 → three)."""
    if units.at_end.get(start) is not None:
        return []  # 公安局派出所: no name
    floor = units.floor(start, with_places=True)
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
    anchor = units.parent_at(position)
    if anchor is None and floor in units.at_end and set(text[floor:position]) <= UNIT_CHARACTERS:
        anchor = units.parent_at(floor)  # 分局局长风派出所: a doubled 局 between unit and name
    listed = units.parent_at(position - 1) if text[position - 1 : position] == "、" else None
    if (
        anchor is None
        and listed is not None
        and listed.kind not in BUREAU_KINDS
        and listed.parent is not None
        and listed.parent.kind in BUREAU_KINDS
    ):
        # 组织刑警大队、巡警大队、北关派出所: listed with the bureau's departments, its station.
        anchor = listed.parent
    if len(names) > 1 and anchor is None:
        names = names[-1:]
    if anchor is None and name_start in units.regions_at:
        anchor = bureau_ref(catalog, units.regions_at[name_start])
    refs = []
    for station_start, station_name in names:
        bare = f"{station_name}派出所"
        if anchor is None and bare in local:
            refs.append((station_start, local[bare]))
            continue
        region = anchor.region_id if anchor is not None else context.city
        if region is None:
            continue
        forms = {bare}
        if station_name.endswith(TOWN_SUFFIXES):
            # 东小口镇派出所 is also written 东小口派出所.
            forms.add(f"{station_name.rstrip(''.join(TOWN_SUFFIXES))}派出所")
        if anchor is not None and anchor.kind in BUREAU_KINDS:
            # The official name is the parent's and the station's (某分局某派出所).
            forms |= {f"{name}{bare}" for name in anchor.aliases}
            ref = AgencyRef(f"{anchor.name}{bare}", Agency.Kind.STATION, region, anchor)
        else:
            ref = AgencyRef(bare, Agency.Kind.STATION, region, anchor)
        ref.aliases |= forms - {ref.name}
        if len(names) == 1:
            _surface(ref, text, units.chain_start(station_start), start + 3, units.regions_at)
        refs.append((station_start, ref))
    return refs


def _department(text, start, word, region_id, catalog, units, found, explicit):
    parent = units.parent_at(start)
    if parent is None and text[start - 1 : start] in "）)":
        # 某支队（以下简称“某支队”）三大队: the unit before the aside.
        opening = max(text.rfind("（", 0, start), text.rfind("(", 0, start))
        if 0 < start - opening <= MAX_ASIDE:
            parent = units.parent_at(opening)
    numbered = word[0] in NUMERALS
    if parent is None and numbered:
        return None  # 三大队 alone: no name
    if parent is None and region_id is not None:
        parent = bureau_ref(catalog, region_id, explicit)
    if parent is None and word.endswith("指挥中心"):
        return None  # 110指挥中心 alone: the emergency line every bureau has, not a unit named
    if parent is None:
        before = text[start - 1 : start]
        if not text.endswith(SAME_BUREAU_WORDS, 0, start) and (
            before in STOP_CHARACTERS
            or ("\u4e00" <= before <= "\u9fff" and not text.endswith(CUT_WORDS, 0, start))
        ):
            return None  # 各交警大队, 该大队: not one named unit (组织刑警大队 is)
        # 禁毒大队 on its own, 该局情报信息研判科: the bureau the text is talking about.
        for _, ref in reversed(found):
            if ref.kind in BUREAU_KINDS and ref.kind != Agency.Kind.MINISTRY:
                parent = ref
                break
    if parent is None or parent.kind not in UNIT_PARENT_KINDS:
        return None
    written = f"{parent.name}{word}"
    traffic_team = TRAFFIC_NUMBERED.fullmatch(word)
    if traffic_team and parent.kind in BUREAU_KINDS:
        # 郑州交巡警一大队: a numbered brigade of a city's traffic police is in its 支队.
        police = traffic_team["traffic"]
        team = traffic_ref(parent, DEPARTMENT_WORDS.get(police, police))
        if not team.name.endswith("大队"):
            parent, word = team, traffic_team["team"]
    official = word
    for short, full in DEPARTMENT_WORDS.items():
        if word.startswith(short):
            official = full + word[len(short) :]
            break
    if official == "车辆管理所" and parent.kind in BUREAU_KINDS:
        parent = traffic_ref(parent)  # 车管所 belongs to the traffic police
    traffic = word.startswith(("交警", "交通", "交巡警")) or parent.kind == Agency.Kind.TRAFFIC
    if word.endswith(("总队", "支队")):
        kind = Agency.Kind.TRAFFIC if traffic else Agency.Kind.DETACHMENT
    elif word.endswith("大队"):
        kind = Agency.Kind.TRAFFIC if traffic else Agency.Kind.BRIGADE
    elif word.endswith("中队"):
        kind = Agency.Kind.SQUAD
    else:
        kind = Agency.Kind.OTHER
    name = f"{parent.name}{official}"
    aliases = {f"{parent.name}{word}", written} - {name}
    return AgencyRef(name, kind, parent.region_id, parent, aliases=aliases)


# The unit words departments end in.
UNIT_TAILS = ("总队", "支队", "大队", "中队", "科")
# Units a department (支队, 大队, 科 …) can belong to.
UNIT_PARENT_KINDS = BUREAU_KINDS | {
    Agency.Kind.TRAFFIC,
    Agency.Kind.DETACHMENT,
    *SPECIAL_KINDS.values(),
}
