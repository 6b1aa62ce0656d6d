"""The Application page's sections: the six items with their figures, maps, charts and gaps; the city's own
text and figures (editors of the city write them, everyone else reads them); the PDF and DOCX exports."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, editing
from components.dossier_export import FORMATS, city_dossier, city_entries, dossier_files, territory_layers
from components.map_view import base_url, show_map
from components.maps import build_map
from components.safe_text import inert
from components.shared_charts import annual_figure
from components.state import lang, t
from geo.cities import City
from geo.dossier import CityEntries, CityFigure, FigureRow, Section, change_note
from geo.errors import AtlasError, DossierRejected, WriteConflict
from geo.indicators import INDICATORS
from geo.layerstore import Editor
from geo.writes import roll_back_dossier, save_dossier

OTHER_ITEM = ""  # the indicator choice for a figure that is not in the registry


def figures_table(figures: tuple[FigureRow, ...], supplied: bool = False) -> None:
    """The section's figures as the exports print them (sources in full here)."""
    columns = ("indicator", "value", "unit", "year", "level", "source") + (
        () if supplied else ("network_median", "rank", "reference", "verdict"))
    rows = [{"indicator": f.name, "value": f.value_text, "unit": f.unit, "year": f.year, "level": f.level,
             "source": f.source, "network_median": f.median, "rank": f.rank, "reference": f.reference,
             "verdict": f.verdict} for f in figures]
    frame = pd.DataFrame(rows, columns=list(columns))
    st.dataframe(frame.rename(columns=lambda c: t("column.value" if c == "value" else f"column.{c}")),
                 hide_index=True, width="stretch")


def section_view(city: City, section: Section) -> None:
    st.header(section.title, anchor=f"section-{section.id}")
    st.markdown(f"**{t('dossier.narrative')}**")
    if section.narrative:
        st.text(section.narrative, width="stretch")  # the city's text, never parsed as Markdown or HTML
    else:
        st.caption(t("dossier.no_narrative"))
    st.markdown(f"**{t('dossier.figures')}**")
    if section.figures:
        figures_table(section.figures)
    else:
        st.info(t("dossier.no_figures"))
    if section.city_figures:
        st.markdown(f"**{t('dossier.city_figures')}**")
        figures_table(section.city_figures, supplied=True)
    section_pictures(city, section.id)
    st.markdown(f"**{t('dossier.gaps')}**")
    if section.gaps:
        st.markdown("\n".join(f"- **{g.name}**: {g.note}" for g in section.gaps))
    else:
        st.caption(t("dossier.no_gaps"))


def section_pictures(city: City, section_id: str) -> None:
    """The maps and charts that belong to a section, as the exports draw them."""
    name = city.name(lang())
    if section_id == "territory":
        st.caption(t("dossier.map_territory", city=name))
        show_map(build_map(territory_layers(city.id, lang()), tuple(data.city_layer(city.id, "boundary").total_bounds), base_url=base_url(),
                           lang=lang(), legend_title=t("map.legend")), t("dossier.map_territory", city=name), height=420)
    elif section_id == "environment" and len(data.city_annual(city.id, "pm25")):
        st.plotly_chart(annual_figure(city.id, "pm25", lang()), width="stretch")
    elif section_id == "healthcare_infrastructure":
        st.caption(t("dossier.map_services", city=name))
        show_map(data.city_map_html(city.id, lang(), base_url()), t("dossier.map_services", city=name), height=460)


def exports(city: City) -> None:
    """Prepare the PDF and the DOCX (with progress: the maps are drawn and the pages typeset), then download."""
    st.caption(t("dossier.export_note"))
    key = f"dossier_files_{city.id}_{lang()}_{len(data.store().dossier_history(city.id))}"
    if st.button(t("dossier.exports"), key="dossier_prepare", icon=":material/description:"):
        progress = st.progress(0.0, text=t("dossier.building"))
        st.session_state[key] = dossier_files(city.id, lang(), progress=lambda share, text: progress.progress(
            share, text=text))
    files = st.session_state.get(key)
    if files:
        left, right = st.columns(2)
        for column, fmt in zip((left, right), FORMATS):
            column.download_button(t(f"dossier.export_{fmt}"), files[fmt], file_name=f"atlas-dossier-{city.id}-"
                                   f"{lang()}.{fmt}", mime=FORMATS[fmt][0], key=f"dossier_{fmt}",
                                   icon=":material/download:")


def editor_of(city: City) -> Editor | None:
    editor = editing.signed_in()
    return editor if editor is not None and editor.can_edit(city.id) else None


def opened_entries(city: City) -> tuple[int, CityEntries]:
    """The version of the city's entries this editor opened, and its entries: every save is based on it, so the
    store applies only the sections this editor changed and refuses one another editor changed meanwhile."""
    key = f"dossier_opened_{city.id}"
    if key not in st.session_state:
        versions = data.store().dossier_history(city.id)
        version = versions[0].version if versions else 0
        st.session_state[key] = (version, CityEntries.from_json(data.store().dossier_entries(city.id, version))
                                 if version else CityEntries())
    return st.session_state[key]


def store_entries(city: City, editor: Editor, change) -> None:
    """Validate and store `change(entries opened)` as a new version, based on the version opened; say what was
    refused, row by row, or whose newer text stands in the way (shown, with who and when)."""
    opened_version, before = opened_entries(city)
    after = change(before)
    try:
        version = save_dossier(data.store(), editor, city.id, after, change_note(before, after), based_on=opened_version)
    except DossierRejected as rejected:
        st.error(t("dossier.refused"))
        st.markdown("\n".join(f"- {inert(editing.problem_text(p))}" for p in rejected.problems))
        return
    except WriteConflict as conflict:
        st.session_state.pop(f"dossier_opened_{city.id}", None)  # the next save is based on their version
        st.error(editing.error_text(conflict))
        if conflict.theirs:
            st.text(conflict.theirs)  # their text, as text
        return
    except AtlasError as error:
        st.error(t("data.refused", error=inert(editing.error_text(error))))
        return
    st.session_state.pop(f"dossier_opened_{city.id}", None)
    st.session_state["dossier_saved"] = version.version
    st.rerun()


def edit_section(city: City, section: Section, editor: Editor) -> None:
    """The section's text and a new figure, for an editor of the city."""
    entries = city_entries(city.id)
    with st.expander(t("dossier.edit_title"), expanded=False):
        text = st.text_area(t("dossier.narrative_label", section=section.title), value=section.narrative,
                            height=180, key=f"narrative_{city.id}_{section.id}")
        if st.button(t("dossier.save_text"), key=f"save_narrative_{city.id}_{section.id}"):
            store_entries(city, editor, lambda opened: opened.with_narrative(section.id, text))
        options = [OTHER_ITEM] + [i for i, spec in INDICATORS.items() if spec.kz_section == section.id]
        with st.form(f"figure_{city.id}_{section.id}", clear_on_submit=True):
            st.markdown(f"**{t('dossier.add_figure')}**")
            indicator = st.selectbox(t("column.indicator"), options, format_func=lambda i: t("dossier.other_item")
                                     if i == OTHER_ITEM else t(INDICATORS[i].name[0], **INDICATORS[i].name[1]))
            label = st.text_input(t("dossier.figure_label"))
            left, middle, right = st.columns(3)
            value = left.number_input(t("dossier.figure_value"), value=None, format="%g")
            unit = middle.text_input(t("dossier.figure_unit"))
            year = right.number_input(t("dossier.figure_year"), value=None, step=1, format="%d")
            source = st.text_input(t("dossier.figure_source"))
            if st.form_submit_button(t("dossier.add")):
                figure = CityFigure(section.id, indicator, label.strip(), value, unit.strip(),
                                    None if year is None else int(year), source.strip())
                store_entries(city, editor, lambda opened: opened.with_figure(figure))
        mine = [(i, f) for i, f in enumerate(entries.figures) if f.section == section.id]
        if mine:
            names = {i: f"{row.name}: {row.value_text} {row.unit} ({row.source})"
                     for (i, _), row in zip(mine, section.city_figures)}
            chosen = st.selectbox(t("dossier.remove_figure"), list(names), format_func=names.get,
                                  key=f"remove_choice_{city.id}_{section.id}")
            if st.button(t("dossier.remove"), key=f"remove_{city.id}_{section.id}"):
                removed = entries.figures[chosen]
                store_entries(city, editor, lambda opened: CityEntries(opened.narratives, tuple(
                    f for f in opened.figures if f != removed)))


def history(city: City, editor: Editor | None) -> None:
    """Who changed the city's entries and when; an editor of the city can make an earlier version current."""
    st.subheader(t("dossier.history"))
    versions = data.store().dossier_history(city.id)
    if not versions:
        st.caption(t("dossier.no_history"))
        return
    st.dataframe(pd.DataFrame([{t("column.version"): v.version, t("column.when"): v.created_at,
                                t("column.author"): v.author, t("column.entries"): v.rows, t("column.note"): v.note}
                               for v in versions]), hide_index=True, width="stretch")
    if editor is None or len(versions) < 2:
        return
    version = st.selectbox(t("dossier.rollback"), [v.version for v in versions[1:]], key=f"dossier_rollback_{city.id}")
    if st.button(t("dossier.rollback_button"), key=f"dossier_rollback_button_{city.id}"):
        try:
            new = roll_back_dossier(data.store(), editor, city.id, version)
        except AtlasError as error:
            st.error(t("data.refused", error=inert(editing.error_text(error))))
            return
        st.session_state.pop(f"dossier_opened_{city.id}", None)
        st.success(t("dossier.rolled_back", version=version, new=new.version))


def application_page(city: City) -> None:
    dossier = city_dossier(city.id, lang())
    st.title(f"{dossier.city_name}: {dossier.title}")
    st.caption(f"{dossier.subtitle} · {dossier.data_as_of}")
    st.caption(t("dossier.intro"))
    if "dossier_saved" in st.session_state:
        st.success(t("dossier.saved", version=st.session_state.pop("dossier_saved")))
    exports(city)
    editor = editor_of(city)
    if editor is None:
        st.info(t("dossier.editors_only"))
    for section in dossier.sections:
        section_view(city, section)
        if editor is not None:
            edit_section(city, section, editor)
    st.header(t("dossier.sources"), anchor="sources")
    st.markdown("\n".join(f"{i}. {inert(s)}" for i, s in enumerate(dossier.sources, start=1)))
    history(city, editor)
