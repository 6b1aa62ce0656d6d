"""The charts the pages and the exports draw alike (the City page, the dossier, Summit mode and its deck): built
from the cached reads with no widget, so the CLI draws them without Streamlit."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components import charts, data
from components.caching import cached
from geo.cities import get_city
from geo.guidelines import POLLUTANTS, guideline
from geo.i18n import LANGUAGES, translate, translate_text
from geo.indicators import INDICATORS, compared_values


def source_line(daily: pd.DataFrame, lang: str) -> str:
    """'Source: … — licence' for the series shown (all sources when several)."""
    pairs = dict.fromkeys(zip(daily["source"], daily["licence"]))
    return f"{translate('common.source', lang)}: " + "; ".join(
        f"{translate_text(s, lang)} — {translate_text(lic, lang)}" for s, lic in pairs)


def labels(pollutant: str, daily: pd.DataFrame, lang: str, **extra: str) -> dict[str, str]:
    label = POLLUTANTS[pollutant].label
    return {"series": translate("air.daily_mean", lang, pollutant=label),
            "flagged": translate("air.flagged_values", lang), "x": translate("axis.date", lang),
            "y": translate("axis.concentration", lang, pollutant=label), "source": source_line(daily, lang),
            "lang": lang, "date_ticks": translate("axis.date_ticks", lang), **extra}


@cached(max_entries=data.CITY_CACHE_ENTRIES * len(LANGUAGES))
def annual_figure(city_id: str, pollutant: str, lang: str) -> go.Figure:
    """A city's annual means by WHO band: the one chart the City, dossier and summit pages show, kept for every
    city in every language (the server warms it at start) apart from the Air page's larger per-year set."""
    daily, annual = data.city_air(city_id, pollutant), data.city_annual(city_id, pollutant)
    label = POLLUTANTS[pollutant].label
    return charts.annual_bar_figure(annual, guideline(pollutant, "annual"), labels(
        pollutant, daily, lang, x=translate("axis.year", lang),
        title=translate("air.annual_title", lang, pollutant=label)))


def indicator_name(indicator_id: str, language: str) -> str:
    """The indicator's name in `language`."""
    key, params = INDICATORS[indicator_id].name
    return translate(key, language, **params)


@cached(max_entries=64)
def comparison_figure(indicator_id: str, city_ids: tuple[str, ...], year: int | None, language: str) -> go.Figure:
    """One indicator across cities on the year compared (geo.indicators.compared_values): the Summit slide and
    the deck's chart, titled with the year and sourced with each value's source and licence. Shared: read only."""
    spec = INDICATORS[indicator_id]
    rows = compared_values(data.all_values(), list(city_ids), [indicator_id], year)
    compared_year = rows["compared_year"].iloc[0] if len(rows) else None
    name = f"{indicator_name(indicator_id, language)}, {translate('unit.' + spec.unit, language)}"
    title = f"{name} ({int(compared_year)})" if pd.notna(compared_year) else name
    shown = rows[rows["value"].notna()]
    sources = "; ".join(dict.fromkeys(
        translate_text(s, language) + (f" — {translate_text(lic, language)}" if lic else "")
        for s, lic in zip(shown["source"], shown["licence"].fillna("")) if s))
    notes = [f"{translate('common.source', language)}: {sources}"] if sources else []
    if shown["level"].eq("region").any():
        notes.append(f"ᴿ {translate('flag.regional', language)}")
    if shown["flags"].fillna("").str.split(";").apply(lambda f: "imputed" in f).any():
        notes.append(f"* {translate('flag.imputed', language)}")
    reference = ((translate(spec.reference.label_key, language), spec.reference.value)
                 if spec.reference else None)
    return charts.indicator_comparison_figure(
        rows.assign(city=[get_city(c).name(language) for c in rows["city_id"]]), reference,
        {"title": title, "x": translate("unit." + spec.unit, language), "lang": language, "digits": spec.digits,
         "no_data": translate("common.no_data", language), "source": " · ".join(notes)})
