"""Editing building blocks: sign-in, the validated import (upload, column mapping, CRS, preview with problems,
commit), OpenStreetMap fetch/import, and the version history with rollback. Viewers see none of the controls,
and the store refuses their writes anyway (geo.layerstore checks every write)."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from components import data
from components.map_view import base_url, show_map
from components.maps import build_map
from components.safe_text import inert
from components.state import lang, t
from components.widgets import file_uploader
from geo.auth import ALL_CITIES
from geo.cities import City, get_city
from geo.csvsafe import csv_file_name, safe_csv
from geo.errors import (
    AtlasError,
    ImportRejected,
    PermissionDenied,
    SessionExpired,
    SignInThrottled,
    StoreBusy,
    StoreFull,
    StoreUnavailable,
    WriteConflict,
)
from geo.i18n import format_timestamp, plural, translate_text
from geo.imports import ROW_NUMBERING, default_mapping
from geo.layers import LAYERS
from geo.layerstore import EMBEDDED_AUTHOR, Editor
from geo.osm import fetch_overpass, read_uploaded_extract
from geo.problems import Problem
from geo.readers import read_file
from geo.writes import checked_import, import_file, roll_back_layer, store_osm_layers

EDITOR_KEY = "editor"
IMPORTABLE = tuple(spec.id for spec in LAYERS.values() if "city_id" in spec.columns
                   and spec.id not in ("city_centres", "water_samples", "planned_sites"))  # checked or solved elsewhere
UPLOAD_TYPES = ["geojson", "json", "gpkg", "zip", "parquet", "geoparquet", "csv", "pbf", "osm"]


def sign_in_box() -> Editor | None:
    """A sign-in form (or who is signed in, with sign-out); browsing never needs it."""
    editor = signed_in()
    if editor is not None:
        cities = t("data.all_cities") if ALL_CITIES in editor.cities else ", ".join(
            get_city(c).name(lang()) for c in editor.cities)
        st.caption(t("data.signed_in", user=inert(editor.username), role=t(f"role.{editor.role}"), cities=cities))
        if st.button(t("data.sign_out"), key="sign_out"):
            data.store().sign_out(st.session_state.pop(EDITOR_KEY))
            st.rerun()
        return editor
    with st.form("sign_in"):
        st.caption(t("data.sign_in_note"))
        username = st.text_input(t("data.username"))
        password = st.text_input(t("data.password"), type="password")
        if st.form_submit_button(t("data.sign_in")):
            try:
                account = data.store().sign_in(username, password, client=st.context.ip_address or "")
            except SignInThrottled as throttled:
                st.error(t("data.sign_in_throttled", seconds=throttled.retry_after_s))
                return None
            if account is None:
                st.error(t("data.sign_in_failed"))
            else:
                st.session_state[EDITOR_KEY] = account
                st.rerun()
    return None


def problem_text(problem: Problem) -> str:
    """The problem in the UI language (a city is named in that language too)."""
    params = dict(problem.params)
    if "city_id" in params:
        params["city"] = get_city(params["city_id"]).name(lang())
    if problem.code == "more":
        return plural("problem.more", params["count"], lang())
    return t(f"problem.{problem.code}", **params)


STORE_FAILURES = ((SessionExpired, "error.session_expired"), (StoreBusy, "error.store_busy"),
                  (StoreFull, "error.store_full"), (StoreUnavailable, "error.store_unavailable_write"),
                  (PermissionDenied, "error.permission_denied"))


def error_text(error: AtlasError) -> str:
    """An error in the UI language: a store failure by its kind (busy, full, unavailable, a conflict with who and
    when), a problem by its code (OpenStreetMap errors say theirs), else as raised."""
    if isinstance(error, WriteConflict):
        return t("error.write_conflict", author=error.author, time=format_timestamp(error.created_at, lang()))
    for kind, key in STORE_FAILURES:
        if isinstance(error, kind):
            return t(key)
    problem = getattr(error, "problem", None)
    return problem_text(problem) if isinstance(problem, Problem) else str(error)


def signed_in() -> Editor | None:
    """The session's editor as the store knows it now: None once the sign-in lapsed or the account is gone; a
    demoted or moved editor's controls follow the account's current role and cities."""
    editor = data.store().current_editor(st.session_state.get(EDITOR_KEY))
    if editor is None:
        st.session_state.pop(EDITOR_KEY, None)
    else:
        st.session_state[EDITOR_KEY] = editor
    return editor


def layer_overview(city: City) -> None:
    """Every layer of the city: features, current version, last change, and a safe CSV download."""
    rows = []
    for layer_id in IMPORTABLE:
        history = data.store().history(layer_id, city.id)
        if not history:
            continue
        latest = history[0]
        rows.append({t("column.layer"): t(f"layer.{layer_id}"), t("column.rows"): latest.rows,
                     t("column.version"): latest.version, **version_facts(latest, layer_id)})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.info(t("data.no_layers"))


def import_section(city: City, editor: Editor) -> None:
    """Upload, map columns, declare the CRS if needed, preview with the problems listed, then commit."""
    layer_id = st.selectbox(t("data.layer"), IMPORTABLE, format_func=lambda i: t(f"layer.{i}"), key="import_layer")
    upload = file_uploader(t("data.upload"), UPLOAD_TYPES, "import_file")
    if upload is None:
        st.caption(t("data.formats"))
        return
    content = upload.getvalue()
    if upload.name.lower().endswith((".pbf", ".osm")):
        osm_import(city, editor, upload.name, content)
        return
    licence = st.text_input(t("data.licence"), key="import_licence", help=t("data.licence_help"))
    declared = st.text_input(t("data.declared_crs"), key="import_crs", help=t("data.declared_crs_help"))
    progress = st.progress(0.0, text=t("data.reading"))
    try:
        raw = _read_cached(upload.name, content, declared.strip())
    except ImportRejected as rejected:
        progress.empty()
        _show_problems(rejected.problems)
        return
    seen_version(city, layer_id, upload.file_id)  # what the editor sees now is what the import replaces
    progress.progress(0.4, text=t("data.checking"))
    mapping = _mapping_widgets(raw, layer_id)
    try:
        prepared = checked_import(data.store(), editor, city, layer_id, upload.name, content, licence, mapping,
                                  declared.strip(), raw=raw)
    except AtlasError as exc:
        progress.empty()
        st.error(t("data.refused", error=inert(error_text(exc))))
        return
    progress.progress(1.0, text=plural("data.checked", len(raw), lang()))
    if prepared.repairs:
        st.info(t("data.repairs") + "\n\n" + "\n".join(f"- {inert(problem_text(p))}" for p in prepared.repairs))
    if prepared.problems:
        _show_problems(prepared.problems)
    else:
        st.success(t("data.ready", features=plural("count.features", len(prepared.frame), lang()), layer=t(f"layer.{layer_id}")))
    _preview_map(city, layer_id, prepared.frame)
    if st.button(t("data.commit"), disabled=bool(prepared.problems), type="primary", key="import_commit"):
        try:  # checked again as it is stored, by the one import path the tests hold
            version, _ = import_file(data.store(), editor, city, layer_id, upload.name, content, licence, mapping,
                                     declared.strip(), based_on=seen_version(city, layer_id, upload.file_id))
        except ImportRejected as rejected:
            _show_problems(rejected.problems)
            return
        except AtlasError as exc:
            st.error(t("data.refused", error=inert(error_text(exc))))
            return
        finally:
            st.session_state.pop(f"seen_{city.id}_{layer_id}_{upload.file_id}", None)
        data.forget_layers()
        st.success(t("data.committed", version=version.version, added=version.added, removed=version.removed))


@st.cache_data(max_entries=4, show_spinner=False)
def seen_version(city: City, layer_id: str, upload_id: str) -> int:
    """The layer's version when the editor first previewed this file over it: the import is based on it, and is
    refused plainly if someone else's import or rollback came first."""
    key = f"seen_{city.id}_{layer_id}_{upload_id}"
    if key not in st.session_state:
        history = data.store().history(layer_id, city.id)
        st.session_state[key] = history[0].version if history else 0
    return st.session_state[key]


def _read_cached(name: str, content: bytes, declared: str) -> gpd.GeoDataFrame:
    return read_file(name, content, declared)


def _mapping_widgets(raw: gpd.GeoDataFrame, layer_id: str) -> dict[str, str]:
    """One selectbox per registry column: which column of the file fills it."""
    spec = LAYERS[layer_id]
    defaults = default_mapping(raw, layer_id)
    options = ["", ROW_NUMBERING, *[str(c) for c in raw.columns if c != raw.geometry.name]]
    labels = {"": t("data.no_column"), ROW_NUMBERING: t("data.number_rows")}
    mapping = {}
    with st.expander(t("data.mapping"), expanded=True):
        columns = st.columns(3)
        for i, (column, column_spec) in enumerate(c for c in spec.columns.items()
                                                  if c[0] not in ("city_id", "source", "licence")):
            default = defaults.get(column, "")
            choice = columns[i % 3].selectbox(
                f"{column}{' *' if column_spec.required else ''}", options, index=options.index(default),
                format_func=lambda o: labels.get(o, o), key=f"map_{layer_id}_{column}")
            if choice:
                mapping[column] = choice
    return mapping


def _show_problems(problems: list[Problem]) -> None:
    st.error(t("data.rejected", problems=plural("count.problems", len(problems), lang())))
    st.dataframe(pd.DataFrame({t("column.row"): [p.params.get("row") for p in problems],
                               t("column.problem"): [problem_text(p) for p in problems]}),
                 hide_index=True, width="stretch")


def _preview_map(city: City, layer_id: str, frame: gpd.GeoDataFrame) -> None:
    ok = frame[~frame.geometry.isna() & ~frame.geometry.is_empty]
    if ok.empty:
        return
    try:
        shown = ok.to_crs(city.crs).to_crs("EPSG:4326")
    except Exception:  # coordinates that cannot be projected are listed as problems already
        return
    layers = [data.city_map_layer(layer_id, shown, city.id, lang()), *data.boundary_layers(city.id, lang())]
    bounds = tuple(gpd.GeoSeries(list(shown.geometry) + list(data.city_layer(city.id, "boundary").geometry),
                                 crs="EPSG:4326").total_bounds)
    show_map(build_map(layers, bounds, base_url=base_url(), lang=lang(), legend_title=t("map.legend")),
             t(f"layer.{layer_id}"), height=420)


def osm_import(city: City, editor: Editor, name: str, content: bytes) -> None:
    """An OpenStreetMap extract: every layer of the tag table derived, clipped to the city, stored together."""
    progress = st.progress(0.0, text=t("access.reading"))
    try:
        elements = read_uploaded_extract(name, content, lambda f: progress.progress(f, text=t("access.reading")))
    except AtlasError as exc:
        st.error(t("access.import_failed", error=inert(error_text(exc))))
        return
    if st.button(t("access.import_button"), key=f"import_osm_{city.id}", type="primary"):
        store_osm(city, editor, elements, t("access.imported_source", file=name), name, progress)


def store_osm(city: City, editor: Editor, elements: gpd.GeoDataFrame, source: str, file_name: str, progress) -> None:
    """Derive the layers inside the city and store them as new versions in one transaction."""
    try:
        versions = store_osm_layers(data.store(), editor, city, elements, source, file_name)
    except AtlasError as exc:
        st.error(t("access.fetch_failed", error=inert(exc)))
        return
    progress.progress(1.0, text=t("access.stored"))
    data.forget_layers()
    st.success(t("access.stored_counts", counts=", ".join(f"{t('layer.' + v.layer_id)}: {v.rows}" for v in versions)))


def fetch_section(city: City, editor: Editor) -> None:
    """Fetch the city's OpenStreetMap layers from the Overpass API (needs internet); not over a whole region
    (a city without its own boundary), which would be far too large a query."""
    if city.boundary_quality == "region_only":
        st.caption(t("access.no_fetch_region"))
        return
    if st.button(t("access.fetch_osm"), key=f"fetch_osm_{city.id}"):
        progress = st.progress(0.0, text=t("access.fetching"))
        boundary = data.city_layer(city.id, "boundary").geometry.iloc[0]
        try:
            elements = fetch_overpass(boundary, progress=lambda f: progress.progress(f, text=t("access.fetching")))
        except AtlasError as exc:
            st.error(t("access.fetch_failed", error=inert(error_text(exc))))
            return
        store_osm(city, editor, elements, t("access.fetched_source"), "Overpass API", progress)


def version_facts(version, layer_id: str) -> dict[str, str]:
    """When, by whom and from which file a version came, as a reader needs it: the embedded dataset's version by
    the date of its data (not the server's start), in words; an import by its time in the language's format."""
    if version.author == EMBEDDED_AUTHOR:
        return {t("column.when"): t("data.embedded_when", date=translate_text(LAYERS[layer_id].date, lang())),
                t("column.author"): t("data.embedded_author"), t("column.file"): t("data.embedded_file")}
    return {t("column.when"): format_timestamp(version.created_at, lang()), t("column.author"): version.author,
            t("column.file"): version.source_file}


def history_section(city: City, editor: Editor | None) -> None:
    """Versions of one layer of the city; an editor of the city can make an earlier one current again."""
    layer_id = st.selectbox(t("data.history_layer"), IMPORTABLE, format_func=lambda i: t(f"layer.{i}"),
                            key="history_layer")
    history = data.store().history(layer_id, city.id)
    if not history:
        st.caption(t("data.no_versions"))
        return
    st.dataframe(pd.DataFrame([{t("column.version"): v.version, **version_facts(v, layer_id),
                                t("column.rows"): v.rows, t("column.added"): v.added,
                                t("column.removed"): v.removed, t("column.note"): v.note} for v in history]),
                 hide_index=True, width="stretch")
    st.download_button(t("data.download_csv"), safe_csv(data.city_layer(city.id, layer_id)),
                       file_name=csv_file_name(f"{city.id}-{layer_id}"), mime="text/csv", key=f"csv_{layer_id}",
                       help=t("csv.machine_readable"))
    if editor is None or not editor.can_edit(city.id) or len(history) < 2:
        return
    earlier = [v.version for v in history[1:]]
    version = st.selectbox(t("data.rollback_to"), earlier, key=f"rollback_{layer_id}")
    if st.button(t("data.rollback"), key=f"rollback_button_{layer_id}"):
        try:
            made = roll_back_layer(data.store(), editor, city, layer_id, version, based_on=history[0].version)
        except AtlasError as exc:
            st.error(t("data.refused", error=inert(error_text(exc))))
            return
        data.forget_layers()
        st.success(t("data.rolled_back", version=version, new=made.version))
