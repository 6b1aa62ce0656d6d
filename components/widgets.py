"""Page building blocks made of several Streamlit elements."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.exports import (
    browser_path,
    chart_image,
    html_to_png,
    standalone_map_html,
)
from components.maps import AFTER_MAP_KEY
from components.state import lang, t
from components.tables import format_value
from geo.cities import get_city
from geo.i18n import format_number, translate_note
from geo.indicators import INDICATORS
from geo.provenance import described_source, osm_flags, osm_sources_named

CARDS_PER_ROW = 3
CHARTS_RELEASED_KEY = "_atlas_charts_released"


def indicator_cards(figures: pd.DataFrame, per_row: int = CARDS_PER_ROW) -> None:
    """One metric card per figure: name, unit and year in the label; value or 'no data'; note, reference and the
    source of the data counted on hover; a warning under the card when that data is dated or drive-only."""
    for start in range(0, len(figures), per_row):
        chunk = figures.iloc[start:start + per_row]
        for column, row in zip(st.columns(per_row), chunk.itertuples()):
            spec = INDICATORS[row.indicator_id]
            name_key, name_params = spec.name
            label = f"{t(name_key, **name_params)}, {t('unit.' + row.unit)}"
            if pd.notna(row.year):
                label += f" ({row.year})"
            help_parts = [translate_note(row.note_key, row.note_params, lang())] if row.note_key else []
            if spec.reference:
                help_parts.append(t("city.reference_line", label=t(spec.reference.label_key),
                                    value=format_number(spec.reference.value, lang()), unit=t("unit." + spec.unit)))
            if pd.notna(row.value):
                help_parts.append(source_help(row.city_id, row.source))
            column.metric(label, format_value(row.value, "", lang()), help=" ".join(help_parts) or None)
            if pd.notna(row.value):
                source_flags(column, row.city_id, row.source)
                value_flags(column, row.flags)


def source_help(city_id: str, source: str) -> str:
    """A card's "Source: …" line: the data actually counted for this city, with its month and licence."""
    return f"{t('common.source')}: {described_source(get_city(city_id), source, lang())}"


def source_flags(column, city_id: str, source: str) -> None:
    """Under a card: the warnings of the city's own OSM data it counts (dated, drive network only)."""
    for osm in osm_sources_named(get_city(city_id), source):
        for flag in osm_flags(osm, lang()):
            column.caption(f"⚠ {flag}")


SAID_ELSEWHERE = {"dated", "regional"}  # shown by source_flags and the region caption


def value_flags(column, flags: str) -> None:
    """Under a card: what the value's reader must know (geo.indicators.FLAGS), in words."""
    for flag in str(flags or "").split(";"):
        if flag and flag not in SAID_ELSEWHERE:
            column.caption(f"⚠ {t(f'flag.{flag}')}")


def dataset_card(title: str, facts: dict[str, object]) -> None:
    """A bordered block naming a dataset and its facts (source, licence, date...) in full, never truncated."""
    with st.container(border=True):
        st.markdown(f"**{title}**")
        st.markdown("\n".join(f"- **{label}:** {value}" for label, value in facts.items() if value != ""))


def url_list(param: str, options: list[str], default: list[str], label: str, format_func) -> list[str]:
    """A multiselect whose choice lives in the URL (?param=a,b), so a comparison survives reloads and links."""
    key = f"url_{param}"
    if key not in st.session_state:
        wanted = list(dict.fromkeys(v for v in st.query_params.get(param, "").split(",") if v in options))  # once each
        st.session_state[key] = wanted or [v for v in default if v in options]
    chosen = st.multiselect(label, options, key=key, format_func=format_func)
    st.query_params[param] = ",".join(chosen)
    return chosen


def map_downloads(build, layers, title: str, file_stem: str, key: str) -> None:
    """Buttons for the map as one offline HTML file and as a PNG; files (and the `layers()` they credit) are made
    only when clicked, in the language of the session that shows the buttons (the download runs outside its
    script run). `build(for_print)` makes the map: the PNG is the print variant (no buttons, no clusters)."""
    made_with, language = t("export.made_with"), lang()
    left, right = st.columns(2)
    left.download_button(t("export.map_html"),
                         data=lambda: standalone_map_html(build(False), layers(), title, made_with, language),
                         file_name=f"{file_stem}.html", mime="text/html", key=f"{key}_html",
                         icon=":material/download:")
    if browser_path():
        right.download_button(
            t("export.map_png"),
            data=lambda: html_to_png(standalone_map_html(build(True), layers(), title, made_with, language)),
            file_name=f"{file_stem}.png", mime="image/png", key=f"{key}_png", icon=":material/image:")
    else:
        right.caption(t("export.no_browser"))


def after_map(draw: Callable[[], None], map_on_page: bool = True) -> None:
    """Draw the charts below a page's map once the map has drawn, so the map never waits for the chart library.

    The session's first page with a map sends a button instead; the map frame presses it when Leaflet has drawn
    (components/maps.py), which runs only this fragment (a visitor can press it too). From then on the browser
    has the chart library, and pages draw their charts at once.
    """
    if st.session_state.get(CHARTS_RELEASED_KEY) or not map_on_page:
        draw()
    else:
        _after_map(draw)


@st.fragment
def _after_map(draw: Callable[[], None]) -> None:
    if st.session_state.get(CHARTS_RELEASED_KEY):
        draw()
    else:
        st.button(t("common.show_charts"), key=AFTER_MAP_KEY, type="tertiary", icon=":material/bar_chart:",
                  on_click=_release_charts)


def _release_charts() -> None:
    st.session_state[CHARTS_RELEASED_KEY] = True


def chart(fig, title: str, file_stem: str, key: str, container=None) -> None:
    """A chart with buttons to take it away as PNG or SVG (titled, dated, with its sources)."""
    target = container or st
    target.plotly_chart(fig, width="stretch")
    made_with, language = t("export.made_with"), lang()  # read now: the download runs outside this script run
    left, right, _ = target.columns([1, 1, 3])
    for column, fmt, mime in ((left, "png", "image/png"), (right, "svg", "image/svg+xml")):
        column.download_button(fmt.upper(), data=lambda fmt=fmt: chart_image(fig, fmt, title, made_with, language),
                               file_name=f"{file_stem}.{fmt}", mime=mime, key=f"{key}_{fmt}",
                               icon=":material/download:", help=t("export.chart_help"))


def _css_string(text: str) -> str:
    """Text as a CSS string literal that cannot end the string or the style element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return f'"{escaped}"'


def file_uploader(label: str, types: list[str], key: str, max_mb: int | None = None, help: str | None = None):
    """st.file_uploader with its button and its size limit in the session's language (Streamlit writes them in
    English only): the words are swapped by a style scoped to this uploader."""
    limit_mb = max_mb or int(st.get_option("server.maxUploadSize"))
    limit = t("upload.limit", size=format_number(limit_mb, lang()), types=", ".join(x.upper() for x in types))
    st.html(f"<style>.st-key-{key} [data-testid='stFileUploaderDropzone'] button p,"
            f" .st-key-{key} [data-testid='stFileUploaderDropzoneInstructions'] span {{font-size: 0;}}"
            f" .st-key-{key} [data-testid='stFileUploaderDropzone'] button p::after"
            f" {{content: {_css_string(t('upload.button'))}; font-size: 1rem;}}"
            f" .st-key-{key} [data-testid='stFileUploaderDropzoneInstructions'] span::after"
            f" {{content: {_css_string(limit)}; font-size: .875rem;}}</style>")
    return st.file_uploader(label, type=types, key=key, max_upload_size=max_mb, help=help)


def url_choice(key: str, param: str, options: list, default) -> None:
    """Seed a widget's state from the URL (?param=value) when valid, and keep it valid for the options shown.

    Call before the widget; `url_keep` after it writes the choice back to the URL.
    """
    by_text = {str(option): option for option in options}
    if key not in st.session_state:
        st.session_state[key] = by_text.get(st.query_params.get(param, ""), default)
    elif st.session_state[key] not in options:
        st.session_state[key] = default


def url_keep(key: str, param: str) -> None:
    st.query_params[param] = str(st.session_state[key])
