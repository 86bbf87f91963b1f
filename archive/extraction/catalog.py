"""Everything extraction knows, read from the database once per run: regions with their
short names, agencies with their aliases, initiatives with theirs, all in one Aho–Corasick
automaton so that an article is scanned once whatever the size of the catalogue.

Reading the catalogue from the database (not from code) is what makes curation feed back:
an alias staff add, an agency they merge (its name becomes an alias of the survivor), an
initiative they accept: the next run's automaton holds it.
"""

from dataclasses import dataclass, field

import ahocorasick

from archive.models import Agency, Initiative, Region

from .agencies import BUREAU_KINDS, is_compound

# Region codes of the four municipalities: their districts sit directly under them, and
# their police headquarters is a 市公安局 although the region is province-level.
MUNICIPALITY_CODES = {"110000", "120000", "310000", "500000"}

# Short names that are also everyday words; they count only in context, like county names.
COMMON_WORD_SHORT_NAMES = {"来宾", "中山", "白山", "阿里", "东方", "平安", "青山", "江山", "万全"}

# Full names of districts that are also everyday words (老城区 is any old town); like
# two-character full names (城区, 郊区) they count only in context.
COMMON_WORD_FULL_NAMES = {
    "老城区",
    "新城区",
    "城中区",
    "市中区",
    "新市区",
    "城关区",
    "城东区",
    "城西区",
    "城北区",
}

# Short names that are police words themselves (公安县 → 公安): never a place on their own.
EXCLUDED_SHORT_NAMES = {"公安"}

# Longer everyday words that begin with a place name; as automaton keys they win the
# leftmost-longest match and so hide the place name inside them.
BLOCKERS = [
    "长治久安",
    "阿里巴巴",
    "阿里云",
    "中山装",
    "太平洋",
    "大同小异",
    "宁德时代",
    "新华社",
    "新华网",
    "出海口",
    "长白山",
]


@dataclass
class RegionEntry:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    short_name: str = ""
    names: list = field(default_factory=list)

    @property
    def is_municipality(self):
        return self.code in MUNICIPALITY_CODES


@dataclass
class AgencyEntry:
    id: int
    name: str
    kind: str
    region_id: int | None
    parent_id: int | None


class Catalog:
    """Regions, agencies and initiatives as extraction needs them; see module docstring."""

    def __init__(self, regions, agencies, initiatives):
        self.regions = {}
        self.region_by_code = {}  # division code → region id
        self.agencies = {}
        self.agency_ids = {}  # (name or alias, region id) → agency id
        self.bureau_by_region = {}  # region id → the bureau whose area it is
        self.known_initiative_names = set()  # every initiative's names, rejected ones too
        self.initiative_ids = {}  # name or alias → id, of the initiatives extraction links
        self.unconfirmed = set()  # (model, pk) created by extraction, not yet committed
        self._stale = False
        keys = self._keys = {}
        # Names of initiatives this run suggested: an automaton of their own, cheap to
        # rebuild after each, where rebuilding the big one would make every new suggestion
        # costly (docs/benchmarks.md, "Why the code is as it is").
        self._learned_keys = None
        self._learned_automaton = None

        def add(key, entry):
            if len(key) >= 2:
                keys.setdefault(key, []).append(entry)

        for region in regions:
            entry = RegionEntry(
                region.id,
                region.code,
                region.name,
                region.level,
                region.parent_id,
                region.short_name,
            )
            self.regions[region.id] = entry
            self.region_by_code[region.code] = region.id
            short = region.short_name
            # County names, and two-character full names such as 城区 or 郊区, need context.
            full_needs_context = region.level == Region.Level.COUNTY and (
                len(region.name) <= 2 or region.name in COMMON_WORD_FULL_NAMES
            )
            add(region.name, ("region", region.id, full_needs_context, True))
            entry.names.append(region.name)
            names = [short, *region.aliases]
            if short and region.name.endswith("自治州"):
                names.append(f"{short}州")  # 海西州, 恩施州: how autonomous prefectures are written
            for name in names:
                if name and name != region.name and name not in EXCLUDED_SHORT_NAMES:
                    needs_context = (
                        region.level == Region.Level.COUNTY or name in COMMON_WORD_SHORT_NAMES
                    )
                    add(name, ("region", region.id, needs_context, False))
                    entry.names.append(name)
        for agency in agencies:
            self.add_agency(agency.id, agency.name, agency.kind, agency.region_id, agency.parent_id)
            for name in [agency.name, *agency.aliases]:
                self.agency_ids.setdefault((name, agency.region_id), agency.id)
                if not is_compound(name):
                    add(name, ("agency", agency.id))
        for initiative in initiatives:
            names = [initiative.name, *initiative.aliases]
            self.known_initiative_names.update(names)
            if initiative.status != Initiative.Status.REJECTED:
                self.learn_initiative(initiative.id, names)
        for word in BLOCKERS:
            keys.setdefault(word, []).append(("blocker",))
        self._build_automaton()
        self._learned_keys = {}

    def _build_automaton(self):
        # Entries sorted so that a catalogue grown during a run (learn_agency) and one loaded
        # afresh afterwards hold them in the same order (ids grow with creation).
        automaton = ahocorasick.Automaton()
        for key, entries in self._keys.items():
            automaton.add_word(key, (key, tuple(sorted(entries, key=_entry_order))))
        automaton.make_automaton()
        self._automaton, self._stale = automaton, False

    @property
    def automaton(self):
        """The keys as one Aho–Corasick automaton, rebuilt after :meth:`learn_agency`."""
        if self._stale:
            self._build_automaton()
        return self._automaton

    @classmethod
    def load(cls):
        """A fresh catalogue from the database (about 3,200 regions: not cheap, so linking
        keeps one; docs/benchmarks.md, "Why the code is as it is")."""
        return cls(
            Region.objects.only(
                "id", "code", "name", "short_name", "aliases", "level", "parent_id"
            ),
            # In creation order, the order a run that created them registered them in.
            Agency.objects.only("id", "name", "aliases", "kind", "region_id", "parent_id").order_by(
                "id"
            ),
            Initiative.objects.only("id", "name", "aliases", "status"),
        )

    def add_agency(self, agency_id, name, kind, region_id, parent_id):
        """Register an agency (also one created by this run) so later articles reuse it."""
        self.agencies[agency_id] = AgencyEntry(agency_id, name, kind, region_id, parent_id)
        self.agency_ids[(name, region_id)] = agency_id
        # A named sub-bureau (水上分局) sits in its city's region; only a district's
        # sub-bureau is the bureau of its region.
        if (
            kind in BUREAU_KINDS
            and region_id is not None
            and (
                kind != Agency.Kind.SUB_BUREAU
                or self.regions[region_id].level == Region.Level.COUNTY
            )
        ):
            self.bureau_by_region.setdefault(region_id, agency_id)

    def learn_agency(self, agency_id, names, region_id):
        """Make an agency this run created findable by name, as :meth:`load` would: an import
        resumed in a new process after a crash must link exactly as an uninterrupted one."""
        for name in names:
            self.agency_ids.setdefault((name, region_id), agency_id)
            if len(name) >= 2 and not is_compound(name):
                entries = self._keys.setdefault(name, [])
                if ("agency", agency_id) not in entries:
                    entries.append(("agency", agency_id))
                    self._stale = True

    def learn_initiative(self, initiative_id, names):
        """Link an initiative wherever it is named: accepted ones, and suggested ones (staff
        see those per article; readers only once accepted). Also for one this run created,
        so an import resumed after a crash links as an uninterrupted one."""
        learned = self._learned_keys is not None
        keys = self._learned_keys if learned else self._keys
        for name in names:
            self.known_initiative_names.add(name)
            self.initiative_ids.setdefault(name, initiative_id)
            if len(name) >= 2:
                entries = keys.setdefault(name, [])
                if ("initiative", initiative_id) not in entries:
                    entries.append(("initiative", initiative_id))
                    if learned:
                        self._learned_automaton = None

    def learned_initiatives(self, text):
        """(start, end, initiative id) of every name of an initiative this run suggested."""
        if not self._learned_keys:
            return
        if self._learned_automaton is None:
            automaton = ahocorasick.Automaton()
            for key, entries in self._learned_keys.items():
                automaton.add_word(key, (key, tuple(entry[1] for entry in entries)))
            automaton.make_automaton()
            self._learned_automaton = automaton
        for end_index, (key, ids) in self._learned_automaton.iter_long(text):
            for initiative_id in ids:
                yield end_index - len(key) + 1, end_index + 1, initiative_id

    def ancestors(self, region_id):
        """The region and every region above it, nearest first."""
        chain = []
        while region_id is not None:
            chain.append(region_id)
            region_id = self.regions[region_id].parent_id
        return chain

    def city_of(self, region_id):
        """The prefecture (or municipality, or province for 省直辖 counties) a region belongs to."""
        region = self.regions[region_id]
        if region.level == Region.Level.COUNTY and region.parent_id is not None:
            return region.parent_id
        return region_id


_KIND_ORDER = {"region": 0, "agency": 1, "initiative": 2, "blocker": 3}


def _entry_order(entry):
    """The kinds in the order extraction expects (the first entry's kind decides what a key
    is), agencies by id; a stable sort keeps regions in the order they were read."""
    return (_KIND_ORDER[entry[0]], entry[1] if entry[0] == "agency" else 0)
