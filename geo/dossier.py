"""A city's application dossier: the six sections of the application to the national network "Healthy Cities
(regions) of Kazakhstan" (for the Kyrgyz cities, the same sections as a city health profile for the WHO European
Healthy Cities Network), each with every figure the Atlas has (value, year, level, source, network median,
rank, WHO reference and a verdict), the checklist of what is missing, and the city's own text and figures.

Everything shown is built here once, as text in the UI language, so the page, the PDF and the DOCX print the
same figures; the city's entries are validated here and versioned in the layer store.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from geo.cities import City, get_city
from geo.errors import DossierRejected
from geo.guidelines import AQG_2021, POLLUTANTS, who_band
from geo.i18n import (
    format_date,
    format_number,
    format_percent,
    plural,
    translate,
    translate_note,
    translate_text,
    translate_value,
)
from geo.indicators import INDICATORS, KZ_SECTIONS, PeerStanding, peer_standing, rankable, shown_indicators
from geo.problems import EDITOR_LIMITS, Problem, text_problems
from geo.provenance import described_source

MAX_NARRATIVE_CHARS = 5000
MAX_LABEL_CHARS = 200
MAX_SOURCE_CHARS = 300
MAX_UNIT_CHARS = 40
MAX_CITY_FIGURES = 60
EARLIEST_YEAR = 1990
# What the application asks for that no open data in the Atlas covers (the digitalization item has none at all):
# listed in the section's checklist for the city to provide.
REQUESTED_ITEMS = {"digitalization": ("requested.e_services", "requested.internet_access",
                                      "requested.digital_health")}


@dataclass(frozen=True)
class CityFigure:
    """A figure the city supplies: for an indicator of the registry, or a free item (`label`)."""
    section: str
    indicator_id: str = ""
    label: str = ""
    value: float | None = None
    unit: str = ""
    year: int | None = None
    source: str = ""


@dataclass(frozen=True)
class CityEntries:
    """The city's own narrative per section and its figures, as stored (JSON) in the layer store."""
    narratives: dict[str, str] = field(default_factory=dict)
    figures: tuple[CityFigure, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"narratives": {s: t for s, t in self.narratives.items() if t},
                           "figures": [asdict(f) for f in self.figures]}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> CityEntries:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(dict(data.get("narratives", {})), tuple(CityFigure(**f) for f in data.get("figures", [])))

    def with_narrative(self, section: str, text: str) -> CityEntries:
        return CityEntries({**self.narratives, section: text.strip()}, self.figures)

    def with_figure(self, figure: CityFigure) -> CityEntries:
        return CityEntries(self.narratives, (*self.figures, figure))

    def without_figure(self, index: int) -> CityEntries:
        return CityEntries(self.narratives, self.figures[:index] + self.figures[index + 1:])


def check_entries(entries: CityEntries) -> list[Problem]:
    """Every reason `entries` cannot be stored: unknown sections or indicators, texts too long or holding
    control characters, values that are not finite numbers, years out of range, figures without a source."""
    problems: list[Problem] = []
    this_year = dt.date.today().year
    for section, text in entries.narratives.items():
        if section not in KZ_SECTIONS:
            problems.append(Problem("dossier_unknown_section", {"section": section}))
            continue
        if len(text) > MAX_NARRATIVE_CHARS:
            problems.append(Problem("dossier_text_too_long", {"what": section, "count": len(text),
                                                              "limit": MAX_NARRATIVE_CHARS}))
        problems += _control_characters(text.replace("\n", " ").replace("\t", " "), section)
    if len(entries.figures) > MAX_CITY_FIGURES:
        problems.append(Problem("dossier_too_many_figures", {"count": len(entries.figures),
                                                             "limit": MAX_CITY_FIGURES}))
    for number, figure in enumerate(entries.figures, start=1):
        where = {"figure": number}
        if figure.section not in KZ_SECTIONS:
            problems.append(Problem("dossier_unknown_section", {"section": figure.section}))
        if figure.indicator_id and (figure.indicator_id not in INDICATORS
                                    or INDICATORS[figure.indicator_id].kz_section != figure.section):
            problems.append(Problem("dossier_unknown_indicator", {**where, "indicator": figure.indicator_id}))
        if not figure.indicator_id and not figure.label.strip():
            problems.append(Problem("dossier_no_label", where))
        if figure.value is not None and not (isinstance(figure.value, int | float) and math.isfinite(figure.value)):
            problems.append(Problem("dossier_not_a_number", {**where, "value": str(figure.value)[:40]}))
        if figure.year is not None and not EARLIEST_YEAR <= figure.year <= this_year:
            problems.append(Problem("dossier_bad_year", {**where, "year": figure.year, "first_year": EARLIEST_YEAR,
                                                         "last_year": this_year}))
        if not figure.source.strip():
            problems.append(Problem("dossier_no_source", where))
        for name, text, limit in (("label", figure.label, MAX_LABEL_CHARS), ("unit", figure.unit, MAX_UNIT_CHARS),
                                  ("source", figure.source, MAX_SOURCE_CHARS)):
            if len(text) > limit:
                problems.append(Problem("dossier_text_too_long", {"what": f"{number}: {name}", "count": len(text),
                                                                  "limit": limit}))
            problems += _control_characters(text, f"{number}: {name}")
    return problems


def _control_characters(text: str, where: str) -> list[Problem]:
    """geo.imports' check for NUL, bell and direction overrides (made for file rows), for an entry here."""
    return [Problem("dossier_bad_text", {"what": where, "code": p.params["code"]})
            for p in text_problems(text, 0, where, EDITOR_LIMITS) if p.code == "control_character"]


def checked(entries: CityEntries) -> CityEntries:
    """`entries` if they can be stored, else DossierRejected with every problem."""
    problems = check_entries(entries)
    if problems:
        raise DossierRejected(problems)
    return entries


def _section_part(entries: CityEntries, section: str) -> tuple[str, tuple[CityFigure, ...]]:
    return entries.narratives.get(section, ""), tuple(f for f in entries.figures if f.section == section)


def merged_sections(base: CityEntries, mine: CityEntries, theirs: CityEntries
                    ) -> tuple[CityEntries, tuple[str, str] | None]:
    """Three-way merge by section: the sections `mine` changed from `base` applied to `theirs` (the current
    version, saved by someone else meanwhile). Returns the merged entries and None, or (section, their narrative)
    of the first section both changed differently: that save must be refused, not applied over their text."""
    sections = sorted({*base.narratives, *mine.narratives, *theirs.narratives,
                       *(f.section for f in (*base.figures, *mine.figures, *theirs.figures))})
    narratives, figures = dict(theirs.narratives), list(theirs.figures)
    for section in sections:
        was, now, other = (_section_part(e, section) for e in (base, mine, theirs))
        if now == was:
            continue  # not changed by this save: theirs stands
        if other != was and other != now:
            return theirs, (section, other[0])
        narratives[section] = now[0]
        figures = [f for f in figures if f.section != section] + list(now[1])
    return CityEntries({s: t for s, t in narratives.items() if t}, tuple(figures)), None


def change_note(before: CityEntries, after: CityEntries) -> str:
    """What a new version changed, for the history: sections whose text changed, figures added or removed."""
    changed = [s for s in KZ_SECTIONS if before.narratives.get(s, "") != after.narratives.get(s, "")]
    added = [f for f in after.figures if f not in before.figures]
    removed = [f for f in before.figures if f not in after.figures]
    parts = ([f"text: {', '.join(changed)}"] if changed else []) + (
        [f"figures added: {len(added)}"] if added else []) + ([f"figures removed: {len(removed)}"] if removed else [])
    return "; ".join(parts) or "no change"


# --- the dossier as shown --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """One figure as every output prints it: texts in the UI language; `value` kept for checks."""
    indicator_id: str
    name: str
    value: float | None
    value_text: str
    unit: str
    year: str
    level: str
    source: str
    median: str = ""
    rank: str = ""
    reference: str = ""
    verdict: str = ""
    supplied_by_city: bool = False
    flags: str = ""  # geo.indicators.FLAGS, ";"-separated
    licence: str = ""
    citation: str = ""  # as the annex of sources lists it: the source with its licence


@dataclass(frozen=True)
class Gap:
    """An indicator (or requested item) of the section with no value: what to collect, and why it is missing."""
    name: str
    note: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    figures: tuple[FigureRow, ...]
    city_figures: tuple[FigureRow, ...]
    gaps: tuple[Gap, ...]
    narrative: str
    plan: tuple[str, ...] = ()  # the city's kept siting plan, in words (healthcare infrastructure)


PLAN_SECTION = "healthcare_infrastructure"


@dataclass(frozen=True)
class KeptPlan:
    """A city's kept siting plan: its sites (the planned_sites layer, WGS84) and the version that keeps it."""
    sites: pd.DataFrame
    version: int
    author: str
    kept_at: str  # ISO timestamp of the version


def plan_lines(plan: KeptPlan, lang: str) -> tuple[str, ...]:
    """The plan as the dossier prints it: what, by whom and when, the share within reach before and after, how
    sure the optimum is; then each site with its place and what it adds."""
    sites = plan.sites.sort_values("rank")
    first = sites.iloc[0]
    kind = translate(f"access_target.{first['kind']}", lang)
    unit = translate(f"siting.unit_{str(first['unit']).replace(' ', '_')}", lang)
    sure = (translate("dossier.plan_optimal", lang) if float(first["optimality_gap"]) == 0
            else translate("siting.gap", lang, gap=format_percent(float(first["optimality_gap"]), lang, 1)))
    summary = plural("dossier.plan_summary", len(sites), lang, kind=kind, metres=int(first["within_m"]),
                        before=format_percent(float(first["share_within_before"]), lang, 1),
                        after=format_percent(float(sites["share_within_after"].max()), lang, 1), version=plan.version,
                        author=plan.author, date=format_date(dt.date.fromisoformat(plan.kept_at[:10]), lang))
    points = sites.geometry
    source = f"{translate('common.source', lang)}: {translate_text(str(first['source']), lang)}"
    return (f"{summary} {sure} {source}",) + tuple(
        translate("dossier.plan_site", lang, rank=int(row["rank"]), lat=format_number(point.y, lang, 5),
                  lon=format_number(point.x, lang, 5), value=format_number(float(row["newly_within"]), lang, 0),
                  unit=unit)
        for (_, row), point in zip(sites.iterrows(), points))


@dataclass(frozen=True)
class Dossier:
    city_id: str
    city_name: str
    lang: str
    title: str
    subtitle: str
    made_on: str
    data_as_of: str
    sections: tuple[Section, ...]
    sources: tuple[str, ...]

    def figure(self, indicator_id: str) -> FigureRow | None:
        """The open-data figure of an indicator, if the dossier has one."""
        return next((f for s in self.sections for f in s.figures if f.indicator_id == indicator_id), None)


def build_dossier(city: City, city_latest: pd.DataFrame, network_values: pd.DataFrame, entries: CityEntries,
                  lang: str, today: dt.date | None = None, plan: KeptPlan | None = None) -> Dossier:
    """The dossier of `city` in `lang` from its latest values (geo.indicators.latest_values of
    geo.indicators.city_values), the member cities' values of every year (for the median and rank of the same
    year, geo.indicators.peer_standing) and its entries."""
    today = today or dt.date.today()
    mine = city_latest.set_index("indicator_id")
    listed = shown_indicators(city_latest)
    sections, sources, years = [], {}, []
    for section in KZ_SECTIONS:
        figures, gaps = [], []
        supplied = {f.indicator_id for f in entries.figures if f.section == section and f.indicator_id}
        for indicator_id in [i for i in listed if INDICATORS[i].kz_section == section]:
            row = mine.loc[indicator_id]
            if pd.isna(row["value"]):
                if indicator_id not in supplied:
                    gaps.append(Gap(_name(indicator_id, lang), _gap_note(row, lang)))
                continue
            figure = _figure_row(indicator_id, row, network_values, city.id, lang)
            figures.append(figure)
            sources.setdefault(figure.citation, None)
            if pd.notna(row["year"]):
                years.append(int(row["year"]))
        gaps += [Gap(translate(key, lang), translate("dossier.to_be_provided", lang))
                 for key in REQUESTED_ITEMS.get(section, ())
                 if not any(f.section == section and not f.indicator_id for f in entries.figures)]
        city_rows = tuple(_city_figure_row(f, lang) for f in entries.figures if f.section == section)
        for row in city_rows:
            sources.setdefault(row.citation, None)
        sections.append(Section(section, translate(f"section.{section}", lang), tuple(figures), city_rows,
                                tuple(gaps), entries.narratives.get(section, ""),
                                plan_lines(plan, lang) if plan is not None and section == PLAN_SECTION else ()))
    kind = "profile" if city.country == "KG" else "application"
    return Dossier(city.id, city.name(lang), lang, translate(f"dossier.title_{kind}", lang),
                   translate(f"dossier.subtitle_{kind}", lang, city=city.name(lang)), format_date(today, lang, "long"),
                   translate("dossier.data_as_of", lang, year=max(years)) if years else translate(
                       "dossier.no_dated_data", lang), tuple(sections), tuple(sources))


def _name(indicator_id: str, lang: str) -> str:
    key, params = INDICATORS[indicator_id].name
    return translate(key, lang, **params)


def _gap_note(row: pd.Series, lang: str) -> str:
    why = translate_note(row["note_key"], row["note_params"], lang) if row["note_key"] else ""
    return f"{why} {translate('dossier.to_be_provided', lang)}".strip()


def _figure_row(indicator_id: str, row: pd.Series, network_values: pd.DataFrame, city_id: str,
                lang: str) -> FigureRow:
    spec = INDICATORS[indicator_id]
    standing = peer_standing(network_values, city_id, indicator_id, row["level"], row["year"])
    compared = bool(rankable(row.to_frame().T).iloc[0])  # imputed or suspect: shown, never compared or judged
    if not compared:
        standing = PeerStanding(np.nan, np.nan, 0, 0)
    rank = ""
    if pd.notna(standing.rank) and standing.ranked > 1:  # first of one is no rank
        rank = translate("dossier.rank", lang, rank=int(standing.rank), count=standing.ranked)
    reference, verdict = _reference(indicator_id, float(row["value"]), lang)
    verdict = verdict if compared else ""
    level = translate(f"level.{row['level']}", lang)
    source = described_source(get_city(city_id), str(row["source"]), lang)
    if row["level"] == "region":
        level = f"{level}: {translate_value('region', row['area'], lang)}"
    flags = [f for f in str(row.get("flags", "") or "").split(";") if f and f != "regional"]  # level says region
    value_text = format_number(row["value"], lang) + (
        f" ({', '.join(translate(f'flag.{f}', lang) for f in flags)})" if flags else "")
    return FigureRow(indicator_id, _name(indicator_id, lang), float(row["value"]), value_text,
                     translate(f"unit.{spec.unit}", lang), "" if pd.isna(row["year"]) else str(int(row["year"])),
                     level, source,
                     format_number(standing.median, lang) if pd.notna(standing.median) else "", rank, reference,
                     verdict, flags=str(row.get("flags", "") or ""), licence=str(row.get("licence", "") or ""),
                     citation=_citation(source, str(row.get("licence", "") or ""), lang))


def _citation(source: str, licence: str, lang: str) -> str:
    """A source as the annex lists it, with its licence where known."""
    return translate("dossier.source_licence", lang, source=source, licence=licence) if licence else source


def _reference(indicator_id: str, value: float, lang: str) -> tuple[str, str]:
    """The WHO reference of the indicator, in words, and where the value stands against it."""
    spec = INDICATORS[indicator_id]
    if spec.reference is None:
        return "", ""
    unit = translate(f"unit.{spec.unit}", lang)
    reference = f"{translate(spec.reference.label_key, lang)}: {format_number(spec.reference.value, lang)} {unit}"
    pollutant = next((p for p in POLLUTANTS.values() if indicator_id.startswith(f"{p.id}_")), None)
    averaging = {"annual_mean": "annual", "p99_daily": "24h"}.get(indicator_id.removeprefix(f"{pollutant.id}_")) \
        if pollutant else None
    levels = AQG_2021.get((pollutant.id, averaging)) if averaging else None
    if levels is not None:
        return reference, translate(f"verdict.{who_band(value, levels)}", lang)
    worse = value > spec.reference.value if spec.direction == "lower_is_better" else value < spec.reference.value
    return reference, translate("verdict.outside_reference" if worse else "verdict.within_reference", lang)


def _city_figure_row(figure: CityFigure, lang: str) -> FigureRow:
    name = _name(figure.indicator_id, lang) if figure.indicator_id else figure.label
    unit = translate(f"unit.{INDICATORS[figure.indicator_id].unit}", lang) if figure.indicator_id and not \
        figure.unit else figure.unit
    return FigureRow(figure.indicator_id, name, figure.value,
                     "" if figure.value is None else format_number(figure.value, lang), unit,
                     "" if figure.year is None else str(figure.year), translate("dossier.supplied", lang),
                     figure.source, supplied_by_city=True,
                     citation=f"{figure.source} ({translate('dossier.supplied', lang)})")
