"""City catalogue: cities as configuration, read from `data/cities.toml` and validated."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import CatalogueError
from geo.paths import CATALOGUE_PATH
from geo.settings import settings

OSM_FORMATS = ("extract", "pois", "edges")  # .osm.pbf; a table of points with tag columns; a street-edge table
BOUNDARY_QUALITIES = ("official", "osm", "approximate", "region_only", "extract")
AIR_SOURCES = ("airnow", "airdata_city", "airdata_towns")
COUNTRIES = {"KZ": "kk", "KG": "ky", "FI": "fi"}  # country code -> local language code


@dataclass(frozen=True)
class Population:
    value: int
    source: str
    year: str  # "" when the source gives no reference year: shown as undated
    licence: str = ""


DATED_AFTER_YEARS = 5  # data older than this many years is flagged as dated ("streets may have changed")


@dataclass(frozen=True)
class OsmSource:
    """OpenStreetMap data of a city (an extract, or points fetched with their tags), as its supplier dates and
    licenses it: the build turns it into the city's layers through the tag table."""
    file: str  # path under data/raw/
    format: str  # one of OSM_FORMATS
    date: str  # "2012-03": when the data was as it is
    licence: str
    source: str
    network: str = ""  # "drive": its streets are the drivable ones only (no footways, paths or cycleways)

    def years_old(self, today: date | None = None) -> int:
        """Whole years between the data's month and `today`."""
        today = today or date.today()
        year, month = (int(part) for part in self.date.split("-")[:2])
        return today.year - year - ((today.month, today.day) < (month, 1))

    def dated(self, today: date | None = None) -> bool:
        """Older than DATED_AFTER_YEARS: labelled as dated wherever it is drawn."""
        return self.years_old(today) >= DATED_AFTER_YEARS


@dataclass(frozen=True)
class DistrictSource:
    """District outlines inside a city and the table of their official populations, each with its source."""
    file: str  # polygons under data/raw/ (fields district_en, name_ru, name_kk)
    population: str  # table under data/raw/ (district_name, osm_match_tokens, official_population, use_in_metrics)
    source: str
    licence: str
    population_source: str
    population_year: str  # "" when the source gives no reference date


@dataclass(frozen=True)
class City:
    id: str
    country: str
    names: dict[str, str]
    region: str
    centre_lat: float
    centre_lon: float
    crs: str
    population: Population | None  # None: unknown (the demonstration extract covers part of a city)
    boundary_quality: str
    boundary_source: str
    boundary_match: dict[str, str]
    timezone: str
    air_source: str | None  # one of AIR_SOURCES, or None: no city-wide air-quality series
    air_key: str  # the file prefix, folder or town name that source uses
    demo: bool = False  # an OpenStreetMap demonstration extract, not a network member: left out of comparisons
    other_names: dict[str, str] = field(default_factory=dict)  # an official new name, shown beside the known one
    aliases: tuple[str, ...] = ()  # other ids that links (?city=…) may use, e.g. "manas"
    boundary_note: str = ""  # "coarse": a real outline with few vertices, said on the City page
    osm_sources: tuple[OsmSource, ...] = ()
    districts: DistrictSource | None = None  # districts inside the city, where outlines exist
    boundary_population: Population | None = None  # the population of the outline drawn, where it differs
    kazhydromet: str = ""  # area code of the city in Kazhydromet's official annual means (SDG 11.6.2)
    surface_water: tuple[str, ...] = ()  # the areas of the 2006 water-quality survey that concern the city

    @property
    def ratio_population(self) -> Population | None:
        """The population of the territory the boundary draws, the one denominator of its densities and
        per-resident figures: the catalogue's `boundary_population` where the outline is another territory than
        the population's, none for an approximate outline without one, or for a city drawn as its region."""
        if self.boundary_population is not None:
            return self.boundary_population
        if self.boundary_quality in ("approximate", "region_only"):
            return None
        return self.population

    def name(self, lang: str) -> str:
        """The city's name in `lang` (local language, then English, when `lang` has none), with its other
        official name in brackets where it has one: "Jalal-Abad (Manas)"."""
        def pick(names: dict[str, str]) -> str:
            return names.get(lang) or names.get(COUNTRIES[self.country]) or names.get("en", "")
        other = pick(self.other_names)
        return f"{pick(self.names)} ({other})" if other else pick(self.names)

    def osm_source(self, source: str) -> OsmSource | None:
        """The catalogued OSM source whose text a layer's features carry, if any."""
        return next((osm for osm in self.osm_sources if osm.source == source), None)


_REQUIRED = ("id", "country", "name", "region", "centre", "crs", "timezone",
             "boundary_quality", "boundary_source", "boundary_match")


def _parse_city(raw: dict, index: int, path: Path) -> City:
    where = f"{path.name}, city #{index + 1} ({raw.get('id', 'no id')})"
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise CatalogueError(f"{where}: missing field(s) {', '.join(missing)}")
    if raw["country"] not in COUNTRIES:
        raise CatalogueError(f"{where}: country must be one of {sorted(COUNTRIES)}, got {raw['country']!r}")
    names = raw["name"]
    if "en" not in names or "ru" not in names:
        raise CatalogueError(f"{where}: name needs at least 'en' and 'ru'")
    if raw["boundary_quality"] not in BOUNDARY_QUALITIES:
        raise CatalogueError(
            f"{where}: boundary_quality must be one of {', '.join(BOUNDARY_QUALITIES)}, "
            f"got {raw['boundary_quality']!r}")
    lat, lon = raw["centre"].get("lat"), raw["centre"].get("lon")
    if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))
            and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise CatalogueError(f"{where}: centre needs numeric lat in [-90, 90] and lon in [-180, 180]")
    try:
        crs = CRS.from_user_input(raw["crs"])
    except CRSError as exc:
        raise CatalogueError(f"{where}: crs {raw['crs']!r} is not a known CRS ({exc})") from exc
    if not crs.is_projected:
        raise CatalogueError(f"{where}: crs {raw['crs']} must be projected (metres), for metric work")
    try:
        ZoneInfo(raw["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CatalogueError(f"{where}: timezone {raw['timezone']!r} is not a known IANA zone") from exc
    air = raw.get("air", {})
    if air and air.get("source") not in AIR_SOURCES:
        raise CatalogueError(f"{where}: air.source must be one of {', '.join(AIR_SOURCES)}, got {air.get('source')!r}")
    pop = raw.get("population")
    if pop is None and not raw.get("demo"):
        raise CatalogueError(f"{where}: missing field(s) population (only a demo extract may leave it unknown)")
    for key in ("population", "boundary_population"):
        entry = raw.get(key)
        if entry is not None and (not isinstance(entry.get("value"), int) or entry["value"] <= 0):
            raise CatalogueError(f"{where}: {key}.value must be a positive whole number")
    return City(
        id=raw["id"], country=raw["country"], names=dict(names), region=raw["region"],
        centre_lat=float(lat), centre_lon=float(lon), crs=raw["crs"],
        population=_population(pop) if pop else None,
        boundary_quality=raw["boundary_quality"], boundary_source=raw["boundary_source"],
        boundary_match={k: str(v) for k, v in raw["boundary_match"].items()},
        timezone=raw["timezone"], air_source=air.get("source"), air_key=str(air.get("key", "")),
        demo=bool(raw.get("demo", False)), other_names=dict(raw.get("other_name", {})),
        aliases=tuple(str(a) for a in raw.get("aliases", ())), boundary_note=str(raw.get("boundary_note", "")),
        osm_sources=tuple(_osm_source(entry, where) for entry in raw.get("osm", ())),
        districts=_district_source(raw["districts"], where) if "districts" in raw else None,
        boundary_population=_population(raw["boundary_population"]) if "boundary_population" in raw else None,
        kazhydromet=str(raw.get("kazhydromet", "")),
        surface_water=tuple(str(a) for a in raw.get("surface_water", ())),
    )


def _population(entry: dict) -> Population:
    return Population(entry["value"], entry.get("source", ""), str(entry.get("year", "")), entry.get("licence", ""))


def _osm_source(entry: dict, where: str) -> OsmSource:
    missing = [k for k in ("file", "format", "date", "licence", "source") if not entry.get(k)]
    if missing:
        raise CatalogueError(f"{where}: osm entry needs {', '.join(missing)}")
    if entry["format"] not in OSM_FORMATS:
        raise CatalogueError(f"{where}: osm format must be one of {', '.join(OSM_FORMATS)}, got {entry['format']!r}")
    if entry.get("network", "") not in ("", "drive"):
        raise CatalogueError(f"{where}: osm network must be 'drive' or left out, got {entry['network']!r}")
    return OsmSource(*(str(entry[k]) for k in ("file", "format", "date", "licence", "source")),
                     network=str(entry.get("network", "")))


def _district_source(entry: dict, where: str) -> DistrictSource:
    fields = ("file", "population", "source", "licence", "population_source")
    missing = [k for k in fields if not entry.get(k)]
    if missing:
        raise CatalogueError(f"{where}: districts entry needs {', '.join(missing)}")
    return DistrictSource(*(str(entry[k]) for k in fields), population_year=str(entry.get("population_year", "")))


def read_catalogue(path: Path = CATALOGUE_PATH) -> tuple[City, ...]:
    """Parse and validate a catalogue file; raises CatalogueError saying what and where."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"city catalogue not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path.name} is not valid TOML: {exc}") from exc
    cities = tuple(_parse_city(c, i, path) for i, c in enumerate(raw.get("city", [])))
    if not cities:
        raise CatalogueError(f"{path.name} lists no [[city]]")
    ids = [c.id for c in cities]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise CatalogueError(f"{path.name}: duplicate city id(s) {', '.join(duplicated)}")
    return cities


@lru_cache(maxsize=1)
def all_cities() -> tuple[City, ...]:
    """The Atlas's catalogue (data/cities.toml, or the file geo.settings names), parsed once per process."""
    return read_catalogue(settings().catalogue)


def member_cities() -> tuple[City, ...]:
    """The network's cities: every catalogued city but demonstration extracts (for maps and comparisons)."""
    return tuple(c for c in all_cities() if not c.demo)


def get_city(city_id: str) -> City:
    """The catalogued city with this id (or alias); CatalogueError listing valid ids otherwise."""
    for city in all_cities():
        if city_id == city.id or city_id in city.aliases:
            return city
    raise CatalogueError(f"unknown city {city_id!r}; known cities: {', '.join(c.id for c in all_cities())}")
