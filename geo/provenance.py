"""Where a drawn feature or a figure comes from, for one city: its own OpenStreetMap source's licence and month,
flagged when dated or drive-only, so every map, card and export says the same about the same data."""
from __future__ import annotations

from geo.cities import City, OsmSource
from geo.i18n import format_month, translate, translate_text


def osm_sources_named(city: City, source_text: str) -> list[OsmSource]:
    """The city's catalogued OSM sources a value's or feature's source text names (texts are joined by "; ")."""
    return [osm for osm in city.osm_sources if osm.source in source_text.split("; ")]


def osm_flags(osm: OsmSource, lang: str) -> list[str]:
    """Warnings that go wherever the source's data is drawn or counted: dated (older than five years),
    a drive network only (access on it understates walking)."""
    flags = []
    if osm.dated():
        flags.append(translate("provenance.dated", lang, date=format_month(osm.date, lang)))
    if osm.network == "drive":
        flags.append(translate("provenance.drive_only", lang))
    return flags


def osm_credit_line(osm: OsmSource, lang: str) -> str:
    """A map credit for one city's OSM source: licence, month and flags."""
    licence = osm.licence.split(",")[0]  # "CC BY-SA 2.0, © OpenStreetMap contributors": the licence's name
    return " — ".join([translate("provenance.osm_credit", lang, licence=licence, date=format_month(osm.date, lang)),
                       *osm_flags(osm, lang)])


def described_source(city: City, source_text: str, lang: str) -> str:
    """A figure's source as the annex and the cards print it: translated, with its month and flags where it is
    the city's own OSM source."""
    described = translate_text(source_text, lang)
    if described == source_text and "; " in source_text:  # a ratio's sources: each part in its own words
        described = "; ".join(translate_text(part, lang) for part in source_text.split("; "))
    for osm in osm_sources_named(city, source_text):
        described += f" ({format_month(osm.date, lang)}; {osm.licence.split(',')[0]})"
        described += "".join(f" — {flag}" for flag in osm_flags(osm, lang))
    return described
