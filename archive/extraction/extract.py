"""One article's entities from its text, without touching the database: one automaton pass
for every known name (regions, agencies, initiatives), one compiled pattern pass for unit
words, one for quoted campaign names."""

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archive.models import Region

from .agencies import (
    BUREAU_KINDS,
    MINISTRY_WORD_TAILS,
    STOP_CHARACTERS,
    UNIT_PATTERN,
    AgencyRef,
    find_agencies,
    sentence_span,
)
from .catalog import COMMON_WORD_SHORT_NAMES, Catalog
from .initiatives import Suggestion, core, suggestions

# A place name followed by one of these is a street (中山路, 延安路), not the place.
STREET_SUFFIXES = ("路", "街", "大道", "大街", "巷")
# A place name that begins a longer proper name is not the place the story is about: a
# university, a company or brand, an exchange, a newspaper, an event, a facility. The name
# may run a few characters before its kind word (湖北某某律师事务所, 兰州某某牌), never
# across a function word (在杭州读大学 is a place).
NAME_KINDS = (
    "大学|学院|中学|小学|医院|保健院|卫生院|出版社|"
    "公司|集团|银行|证券|保险|股份|控股|期货|交易所|联交所|事务所|制药|药业|牌|"
    "日报|晚报|晨报|青年报|商报|都市报|电视台|卫视|新闻网|"
    "冬奥会|冬奥|奥运会|亚运会|世博会|救援队|俱乐部|"
    "机场|火车站|高铁站|汽车站|收费站|服务区|建材市场|分行|支行"
)
# A registered company's trade name and trade, and a research institute's region and field,
# run longer before their legal form or kind (广州某某某鞋业有限公司, 青岛某某创业投资合伙企业,
# 江苏某某地区农业科学研究所); a national one is only located in the places before it
# (在河北石家庄中国某某研究院调研).
LONG_NAME_KINDS = "有限公司|有限责任公司|合伙企业|研究所|研究院|科学院"
# Not across a verb of study or of asking, 已 (江西省要求所有乡镇卫生院, 福建省已设置定点
# 医院), a count (破获一起银行卡诈骗) or a police word.
_NAME_CHARACTER = "(?![" + "".join(sorted(STOP_CHARACTERS)) + "读考上要已一警局])[\u4e00-\u9fff]"
INSIDE_NAME = re.compile(
    rf"(?:{_NAME_CHARACTER}){{0,6}}?(?:{NAME_KINDS})"
    rf"|(?:(?!中国|国家){_NAME_CHARACTER}){{0,12}}?(?:{LONG_NAME_KINDS})"
)
# Not the place either, but no name the places before it belong to: an account or channel
# named after a place (@某某发布, “某某发布”), time and its zone (北京时间), a stock market
# where a company lists (香港二次上市; 北京上市公司 are the city's companies).
VENUE_ACCOUNT_OR_TIME = re.compile(r"发布(?![\u4e00-\u9fff])|时间|(?:[二首]次)?上市(?!公司)")
# Any place inside an account's @handle is part of the account's name (@平安某地, @某地公安).
HANDLE_BEFORE = re.compile(r"@\w{0,15}$")
HANDLE_REACH = 16
# A place named for its government or as a party to relations (北京方面表示, 与北京的贸易往来):
# who acts, not where anything happens.
AS_A_PARTY = re.compile(r"方面|的?(?:贸易|经贸|外交|双边|关系|往来|谈判|对话|交往|博弈)")
PARTY_LEADS = ("与", "同", "跟")
# Where a telephone number or an account is registered (号码归属地为某地, IP属地某地) says
# nothing of where the story happens: no place after these words in their sentence counts.
REGISTRATION_WORDS = re.compile(r"归属地|IP属地")
# A railway, road or air route named by the places it joins.
ROUTE = re.compile(
    rf"(?P<joined>(?:(?:{_NAME_CHARACTER}){{2,6}}?至){{1,3}}(?:{_NAME_CHARACTER}){{2,6}}?)"
    r"(?:高速铁路|高铁|铁路|城际|客专|高速公路|高速|动车组|动车|航线)"
)
# Provinces written by their one-character names, joined (京津冀地区, 川渝两地, 甘蒙“8·05”案):
# only as a run of two or more that a word of region or a numbered case follows, since each
# character alone is an everyday one (成为新晋“顶流”).
PROVINCE_CHARACTERS = {
    "京": "110000",
    "津": "120000",
    "冀": "130000",
    "晋": "140000",
    "蒙": "150000",
    "辽": "210000",
    "吉": "220000",
    "黑": "230000",
    "沪": "310000",
    "苏": "320000",
    "浙": "330000",
    "皖": "340000",
    "闽": "350000",
    "赣": "360000",
    "鲁": "370000",
    "豫": "410000",
    "鄂": "420000",
    "湘": "430000",
    "粤": "440000",
    "桂": "450000",
    "琼": "460000",
    "渝": "500000",
    "川": "510000",
    "贵": "520000",
    "黔": "520000",
    "云": "530000",
    "滇": "530000",
    "藏": "540000",
    "陕": "610000",
    "甘": "620000",
    "陇": "620000",
    "青": "630000",
    "宁": "640000",
    "新": "650000",
    "港": "810000",
    "澳": "820000",
}
JOINED_PROVINCES = re.compile(
    f"[{''.join(PROVINCE_CHARACTERS)}]{{2,4}}"
    r"(?=[“「\"][0-9０-９]|地区|[两三四]地|等地|[两三四]省|交界|警方|公安)"
)
# Words of going and living after which a place name is not the tail of a longer word
# (家住厦门, 走出四川, 省会哈尔滨), although a Han character comes right before it.
PLACE_LEADS = ("住", "出", "来", "返", "抵", "离", "飞", "省会", "首府")
# What follows 县 in words about a county's own offices and town (县长, 县委, 县城, 县级).
COUNTY_WORD_TAILS = ("长", "委", "城", "级", "域", "里", "乡", "直", "区")
# A place (or a run of places) followed by 人 or 籍 and no more of the word is a person's
# origin (江苏省某县人, 湖南籍, also through a town or village: 某区某某镇人), not where the
# story happens; so is one followed by a person written as surname and 某 (湖南省某市谭某),
# or by the title of a person known by the place (山西首富, 山西前首富), or a lawyer
# known by the place of practice (北京律师某某; a bar association or firm is a name); and
# relatives who came from a place (从四川赶来的家属, 从湖北赶来看望他的父母) live there.
ORIGIN = re.compile(
    r"(?:[\u4e00-\u9fff]{1,4}?[镇乡村])?[人籍](?![\u4e00-\u9fff])|(?![民男女某一])[\u4e00-\u9fff]某某?"
    r"|[前原]?首富|律师(?!事务所|协会)"
    r"|[赶过前]?来[\u4e00-\u9fff]{0,4}?的(?:亲属|家属|亲人|家人|父母|亲戚)"
)
# A county named by its short name, or a full name that is also a word (城区), counts only
# when police words follow it or its city is named elsewhere in the article.
POLICE_WORDS = ("公安", "警方", "分局")
UNIT_WORDS = ("公安局", "分局")
# Groups of UNIT_PATTERN that end a unit's official name (某市公安局, 某区分局, 某省公安厅,
# 某某派出所, 某市刑警支队). Places written before them only say whose unit it is: the
# story names the unit, not the place, so they are the unit's area (linked with no mention of
# their own) unless the text names them elsewhere. 某地警方, 某地公安 and 某地交警 are the
# place's police, read as the place (杭州警方 tells where the story is).
UNIT_NAME_GROUPS = {"provincial", "special", "sub", "bureau", "station", "department"}
# A station's own name between its place and 派出所 (某区某某派出所).
STATION_AFTER_PLACE = re.compile(rf"(?:{_NAME_CHARACTER}){{2,3}}派出所")
TITLE_WEIGHT = 3
# A catalogue automaton's value: (kind, id, …) for each thing the name may mean.
Entries = list[tuple[Any, ...]]


class RegionHits(dict[int, int]):
    """End offset of each accepted place name → region id, remembering where it began."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self._starts: dict[int, int] = {}
        self._begins: set[int] = set()

    def add(self, start: int, end: int, region_id: int) -> None:
        self[end] = region_id
        self._starts[end] = start
        self._begins.add(start)

    def start_of(self, end: int) -> int:
        return self._starts.get(end, end)

    def starts_at(self, start: int) -> bool:
        return start in self._begins


@dataclass
class Context:
    city: int | None = None


@dataclass
class Extraction:
    regions: Counter[int] = field(default_factory=Counter)  # region id → mentions
    primary_region: int | None = None
    ambiguous: list[str] = field(default_factory=list)  # place names left unresolved
    # Chinese place names read, those inside units' names too (what scope weighs).
    place_mentions: int = 0
    # key → (AgencyRef, mentions)
    agencies: dict[Any, tuple[AgencyRef, int]] = field(default_factory=dict)
    initiatives: Counter[int] = field(default_factory=Counter)  # initiative id → mentions
    suggestions: list[Suggestion] = field(default_factory=list)  # not accepted ones


def extract(title: str, body: str, catalog: Catalog) -> Extraction:
    """Entities of one article (simplified text) as an :class:`Extraction`."""
    text = f"{title}\n{body}"
    title_end = len(title)
    result = Extraction()
    place_hits: list[Any] = []
    agency_hits: list[tuple[int, int, str, Entries]] = []
    initiative_hits: list[tuple[int, int]] = []
    name_starts: set[int] = set()  # where a place that begins a proper name starts
    has_handles, has_registrations = "@" in text, "属地" in text
    for end_index, (key, entries) in catalog.automaton.iter_long(text):
        start, end = end_index - len(key) + 1, end_index + 1
        kind = entries[0][0]
        if kind == "region":
            if INSIDE_NAME.match(text, end):
                name_starts.add(start)
            elif not (
                text.startswith(STREET_SUFFIXES, end)
                or VENUE_ACCOUNT_OR_TIME.match(text, end)
                or (has_handles and HANDLE_BEFORE.search(text, max(0, start - HANDLE_REACH), start))
                or _as_a_party(text, start, end)
                or (has_registrations and _registered_in(text, start))
            ):
                place_hits.append((start, end, _standing_county(text, start, end, entries)))
        elif kind == "agency":
            # A known name that begins a longer unit (公安部 in 公安部刑侦局) or a word
            # (公安部门) is left to the unit pattern.
            longer = UNIT_PATTERN.match(text, start)
            if not (longer and longer.end() > end) and not (
                key.endswith("公安部") and text.startswith(MINISTRY_WORD_TAILS, end)
            ):
                agency_hits.append((start, end, key, entries))
        elif kind == "initiative":
            for entry in entries:
                result.initiatives[entry[1]] += 1
            initiative_hits.append((start, end))

    for start, end, initiative_id in catalog.learned_initiatives(text):
        result.initiatives[initiative_id] += 1
        initiative_hits.append((start, end))

    place_hits = _without_names(text, place_hits, name_starts)
    place_hits = _without_origins(text, place_hits)
    # A short name glued to the word before it is often the tail of a foreign name
    # (佛罗里达州 → 达州, 苏梅州 → 梅州, 联大连续 → 大连): it too needs context. Glued on
    # both sides it is inside a word (万全准备, 峰平谷比价): only police words after it count.
    ends = {end for _start, end, _entries in place_hits}
    starts = {start for start, _end, _entries in place_hits}
    place_hits = [
        (
            start,
            end,
            entries,
            (
                start > 0
                and _glued(text[start - 1])
                and start not in ends
                and not text.endswith(UNIT_WORDS, 0, start)  # 长沙市公安局岳麓分局
                and not text.endswith(PLACE_LEADS, 0, start)  # 家住厦门, 走出四川
                and not (text.startswith("、", end) and end + 1 in starts)  # 还有吉林、天津
            )
            * (
                2
                if end < len(text)
                and _glued(text[end])
                and end not in starts
                and not text.startswith(POLICE_WORDS, end)
                else 1
            ),
        )
        for start, end, entries in place_hits
    ]
    # A name followed by a place inside it (堪比江苏丰县) is not glued: the pair is a place.
    following = {start: entries for start, _end, entries, _glued in place_hits}
    place_hits = [
        (start, end, entries, 0 if _parent_of_next(entries, following.get(end), catalog) else glued)
        for start, end, entries, glued in place_hits
    ]
    # Context first: cities and provinces named without doubt, then everything else.
    context_ids: set[int] = set()
    for _start, _end, entries, glued in place_hits:
        confident = [entry[1] for entry in entries if not _needs_context(entry, glued)]
        if len(confident) == 1:
            context_ids.update(catalog.ancestors(confident[0]))
    # Then full names that context resolves (朝阳区 in a 北京 story): the district itself is
    # context for its short name (朝阳警方).
    for start, end, entries, glued in place_hits:
        if len(entries) > 1 and any(entry[3] for entry in entries):
            candidates = _place_candidates(text, start, end, entries, glued, catalog, context_ids)
            if len(candidates) == 1:
                context_ids.update(catalog.ancestors(candidates[0]))
    regions_at = RegionHits(text)
    unit_areas: Counter[int] = Counter()  # region id → mentions inside units' names
    weights: Counter[int] = Counter()
    first_seen: dict[int, int] = {}
    for start, end, entries, glued in place_hits:
        candidates = _place_candidates(
            text, start, end, entries, glued, catalog, context_ids, regions_at.get(start)
        )
        if len(candidates) != 1:
            name = text[start:end]
            if candidates and name not in result.ambiguous:
                result.ambiguous.append(name)
            continue
        region_id = candidates[0]
        before = regions_at.get(start)
        if (
            before is not None
            and catalog.regions[before].level == Region.Level.COUNTY
            and before not in catalog.ancestors(region_id)
        ):
            continue  # 兴宾区老城区: a part of the county just named, not another county
        regions_at.add(start, end, region_id)
        city = catalog.city_of(region_id)
        if (
            catalog.regions[city].level != Region.Level.PROVINCE
            or catalog.regions[city].is_municipality
        ):
            weights[city] += TITLE_WEIGHT if start < title_end else 1
            first_seen.setdefault(city, start)
    in_unit_names = _in_unit_names(text, regions_at)
    for end, region_id in regions_at.items():
        (unit_areas if end in in_unit_names else result.regions)[region_id] += 1

    for region_id in _joined_provinces(text, place_hits, catalog):
        result.regions[region_id] += 1

    covered: dict[tuple[int, int], AgencyRef] = {}
    for start, end, key, entries in agency_hits:
        ref = _known_agency(entries, key, catalog, context_ids)
        if ref is not None:
            covered[(start, end)] = ref
            region_id = catalog.agencies[ref.agency_id].region_id
            names = catalog.regions[region_id].names if region_id is not None else ()
            place = max((name for name in names if key.startswith(name)), key=len, default="")
            if place:
                named = unit_areas if _names_a_unit(text, start + len(place)) else result.regions
                named[region_id] += 1
                city = catalog.city_of(region_id)
                weights[city] += TITLE_WEIGHT if start < title_end else 1
                first_seen.setdefault(city, start)

    for region_id in unit_areas:
        result.regions[region_id] += 0  # linked, so its pages list the story; not named
    mentions = result.regions + unit_areas
    result.place_mentions = mentions.total()
    if weights:
        result.primary_region = min(weights, key=lambda city: (-weights[city], first_seen[city]))
    elif mentions:
        result.primary_region = min(mentions, key=lambda region: -mentions[region])
    context = Context(city=result.primary_region)
    if result.primary_region is not None and result.primary_region not in result.regions:
        result.regions[result.primary_region] += 0

    for _start, ref, alone in find_agencies(text, catalog, regions_at, covered, context):
        previous = result.agencies.get(ref.key)
        result.agencies[ref.key] = (ref, (previous[1] if previous else 0) + alone)

    result.suggestions = [
        suggestion
        for suggestion in suggestions(text)
        if _new_name(suggestion, text, initiative_hits, catalog)
    ]
    return result


def _new_name(
    suggestion: Suggestion, text: str, initiative_hits: list[tuple[int, int]], catalog: Catalog
) -> bool:
    """A shaped name worth linking as a suggestion: not one staff rejected, and not a known
    campaign with only campaign words around it (扫黑除恶斗争 is 扫黑除恶)."""
    if suggestion.name in catalog.known_initiative_names:
        return suggestion.name in catalog.initiative_ids
    for start, end in initiative_hits:
        if suggestion.start <= start and end <= suggestion.end:
            rest = text[suggestion.start : start] + text[end : suggestion.end]
            if len(core(rest)) < 2:
                return False
    return True


def _standing_county(text: str, start: int, end: int, entries: Entries) -> Entries:
    """A two-character county written in full (丰县, 沛县) that begins a phrase and does not
    begin a word of the county's own (县长, 县城, 县级: 新县长 is a new magistrate) is the
    county without context; elsewhere it needs its city or province named."""
    if (
        end - start != 2
        or not text.endswith("县", 0, end)
        or text.startswith(COUNTY_WORD_TAILS, end)
        or (start > 0 and _glued(text[start - 1]) and not text.endswith(PLACE_LEADS, 0, start))
    ):
        return entries
    return [
        (kind, region_id, False, True) if is_full else (kind, region_id, needs, is_full)
        for kind, region_id, needs, is_full in entries
    ]


def _without_names(text: str, place_hits: list[Any], name_starts: set[int]) -> list[Any]:
    """Drop the places that begin a proper name with the places written before them
    (广东省普宁市某某中学: the school's name, not where the story happens), and every place
    inside the name of a route (张家界至吉首至怀化高铁, 北京朝阳至大连北动车组)."""
    routes = _routes(text, place_hits) if "至" in text else []
    kept: list[Any] = []
    for hit in reversed(place_hits):
        start, end, _entries = hit
        if end in name_starts:
            name_starts.add(start)
        elif not any(begin <= start and end <= finish for begin, finish in routes):
            kept.append(hit)
    kept.reverse()
    return kept


def _routes(text: str, place_hits: list[Any]) -> list[tuple[int, int]]:
    """Where routes are named: with their kind (北京朝阳至大连北动车组), and the same places
    joined again without it further on (北京朝阳至大连北最快运行时间…)."""
    routes = []
    joined = set()
    for match in ROUTE.finditer(text):
        routes.append(match.span())
        begin, end = match.span("joined")
        # From the first place: the characters before it are not the route's (增开…).
        first = min((hit[0] for hit in place_hits if begin <= hit[0] < end), default=begin)
        joined.add(text[first:end])
    for name in joined:
        start = text.find(name)
        while start >= 0:
            routes.append((start, start + len(name)))
            start = text.find(name, start + 1)
    return routes


def _joined_provinces(text: str, place_hits: list[Any], catalog: Catalog) -> list[int]:
    """The provinces of every run of one-character names (甘蒙: 甘肃省, 内蒙古自治区) that
    stands apart from the word before it, is no part of a place name read, and names each
    province once."""
    if not JOINED_PROVINCES.search(text):
        return []
    starts = {hit[0] for hit in place_hits}
    found = []
    for match in JOINED_PROVINCES.finditer(text):
        start, end = match.span()
        run = match.group()
        if (
            len(set(run)) == len(run)
            and not (
                start > 0 and _glued(text[start - 1]) and not text.endswith(PLACE_LEADS, 0, start)
            )
            and not starts & set(range(start, end))
        ):
            found += [catalog.region_by_code.get(PROVINCE_CHARACTERS[c]) for c in run]
    return [region_id for region_id in found if region_id is not None]


def _as_a_party(text: str, start: int, end: int) -> bool:
    """北京方面, or 与北京的贸易往来: the place's government or side, not a place."""
    party = AS_A_PARTY.match(text, end)
    if party is None:
        return False
    return party.group() == "方面" or text.endswith(PARTY_LEADS, 0, start)


def _registered_in(text: str, start: int) -> bool:
    """Whether 归属地 or IP属地 comes before ``start`` in its sentence."""
    return bool(REGISTRATION_WORDS.search(text, sentence_span(text, start)[0], start))


def _in_unit_names(text: str, regions_at: RegionHits) -> set[int]:
    """End offsets of the places read that begin a unit's official name, alone or in a run
    (湖南省长沙市公安局: both), also before a station's own name (某区某某派出所), or name a
    unit after its bureau (某市公安局某某区分局)."""
    ends_by_start = {regions_at.start_of(end): end for end in regions_at}
    inside: set[int] = set()
    for end in regions_at:
        run = [end]
        while run[-1] in ends_by_start:
            run.append(ends_by_start[run[-1]])
        if _names_a_unit(text, run[-1]):
            inside.add(end)
    return inside


def _names_a_unit(text: str, position: int) -> bool:
    """Whether a unit's official name goes on from ``position``, right after a place."""
    unit = UNIT_PATTERN.match(text, position)
    return bool(
        (unit and unit.lastgroup in UNIT_NAME_GROUPS) or STATION_AFTER_PLACE.match(text, position)
    )


def _without_origins(text: str, place_hits: list[Any]) -> list[Any]:
    """Drop every run of adjacent place names that ends in a person's origin (某省某县人)."""
    kept: list[Any] = []
    run: list[Any] = []
    for hit in [*place_hits, None]:
        if hit is not None and run and hit[0] == run[-1][1]:
            run.append(hit)
            continue
        if run and not ORIGIN.match(text, run[-1][1]):
            kept.extend(run)
        run = [hit] if hit is not None else []
    return kept


def _in_context(entry: tuple[Any, ...], catalog: Catalog, context_ids: set[int]) -> bool:
    """A county the article's other places admit: its city is named, or for a full name
    (丰县, 城区) also its province."""
    _kind, region_id, _needs, is_full = entry
    chain = catalog.ancestors(region_id)
    return bool(set(chain if is_full else chain[:2]) & context_ids)


def _parent_of_next(entries: Entries, next_entries: Entries | None, catalog: Catalog) -> bool:
    if not next_entries:
        return False
    ours = {entry[1] for entry in entries}
    return any(ours & set(catalog.ancestors(entry[1])[1:]) for entry in next_entries)


def _glued(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff" and character not in STOP_CHARACTERS


def _needs_context(entry: tuple[Any, ...], glued: int) -> bool | int:
    _kind, _region_id, needs_context, is_full = entry
    return needs_context or (glued and not is_full)


def _place_candidates(
    text: str,
    start: int,
    end: int,
    entries: Entries,
    glued: int,
    catalog: Catalog,
    context_ids: set[int],
    before: int | None = None,
) -> list[int]:
    """The regions a place name may mean here: one when resolved, several when ambiguous.

    ``before`` is the region named right before this name, if any (四川江油: 四川)."""
    # 南城分局 after 东莞市公安局 is a unit of that bureau, not 南城县's.
    police_follow = text.startswith(POLICE_WORDS, end) and not text.endswith(UNIT_WORDS, 0, start)
    word_like = glued == 2 or text[start:end] in COMMON_WORD_SHORT_NAMES
    confident: list[int] = []
    contextual: list[int] = []
    for entry in entries:
        region_id = entry[1]
        if not _needs_context(entry, glued):
            confident.append(region_id)
        elif (
            police_follow
            # Right after one of its own parents (四川江油, 安徽蒙城).
            or (before is not None and before in catalog.ancestors(region_id)[1:])
            or (not word_like and _in_context(entry, catalog, context_ids))
        ):
            contextual.append(region_id)
    # 河北 is the province even in a 天津 story (which has a 河北区): a name that stands on
    # its own beats one that only context admits.
    # ... unless the other one is written out in full elsewhere in the article (北京市朝阳区
    # then 朝阳警方: the district, not 朝阳市).
    candidates = [
        region_id
        for region_id in contextual
        if region_id in context_ids
        and not set(confident) & set(catalog.ancestors(region_id))  # 白银 is 白银市, not 白银区
    ]
    # ... or a district of a city the article names, against a prefecture of the same name
    # elsewhere (朝阳 in a 北京 story, 大同 in a 大庆 story).
    if (
        not candidates
        and confident
        and all(catalog.regions[region_id].level == Region.Level.CITY for region_id in confident)
    ):
        candidates = [
            region_id
            for region_id in contextual
            if catalog.regions[region_id].parent_id in context_ids
            and catalog.regions[region_id].parent_id not in confident
        ]
    candidates = candidates or confident or contextual
    if len(candidates) > 1:
        # 吉林, 和田: the larger region when the others lie inside it, even where the article
        # names that region (吉林省临江市 … 吉林警方), which puts the smaller one in context too.
        for region_id in candidates:
            if all(region_id in catalog.ancestors(other) for other in candidates):
                return [region_id]
    for depth in (1, None):
        # Prefer the one under a city the article names (鼓楼区 in a 南京 story), then the
        # one under a province it names.
        if len(candidates) > 1:
            in_context = [
                region_id
                for region_id in candidates
                if set(catalog.ancestors(region_id)[1 : 1 + depth if depth else None]) & context_ids
            ]
            if in_context:
                candidates = in_context
    if len(candidates) > 1:
        # 海南: the province rather than a prefecture elsewhere (海南藏族自治州).
        provinces = [r for r in candidates if catalog.regions[r].level == Region.Level.PROVINCE]
        if len(provinces) == 1:
            return provinces
    return candidates


def _known_agency(
    entries: Entries, key: str, catalog: Catalog, context_ids: set[int]
) -> AgencyRef | None:
    """An agency the catalogue knows by this name: bureaus always, stations and teams only
    when their region is the article's (花园派出所 exists in many towns)."""
    candidates = []
    for _kind, agency_id in entries:
        agency = catalog.agencies[agency_id]
        if agency.kind in BUREAU_KINDS or (
            agency.region_id is not None and agency.region_id in context_ids
        ):
            candidates.append(agency)
    if len(candidates) != 1:
        return None
    agency = candidates[0]
    return AgencyRef(agency.name, agency.kind, agency.region_id, agency_id=agency.id)
