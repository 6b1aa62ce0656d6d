"""Where to build next: the cached siting problem of a city (geo.siting), the map of the chosen sites with
click-to-propose, the per-site table, the curve of coverage against the number of sites, the user's own
proposals against the optimum, the plan's downloads and the editors' save."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import access_views, charts, data, editing
from components.map_view import base_url
from components.maps import build_map
from components.safe_text import inert
from components.state import lang, t
from components.widgets import chart, file_uploader
from geo import access, siting
from geo.cities import City, get_city
from geo.csvsafe import safe_csv
from geo.errors import AtlasError, InputRejected
from geo.i18n import format_number, format_percent, plural, translate_text
from geo.layers import STORAGE_CRS
from geo.readers import read_file
from geo.writes import save_plan

Proposals = tuple[tuple[float, float], ...]  # (lat, lon) of the user's own sites, in the order clicked
TARGET_SHARES = (0.5, 0.75, 0.9)


def proposals_key(city_id: str, target_id: str) -> str:
    """The session's proposals of a city and kind: the same list as the Walking access page's what-if."""
    return f"proposals_{city_id}_{target_id}"


def _metres(city: City, proposals: Proposals) -> np.ndarray:
    if not proposals:
        return np.zeros((0, 2))
    points = gpd.GeoSeries(gpd.points_from_xy([p[1] for p in proposals], [p[0] for p in proposals]),
                           crs=STORAGE_CRS).to_crs(city.crs)
    return np.column_stack([points.x, points.y])


OwnSites = tuple[tuple[float, float], ...]  # (x, y) metres of an uploaded candidate list, in the city's CRS


@st.cache_resource(max_entries=8, show_spinner=False)
def city_siting(city_id: str, target_id: str, within_m: float, proposals: Proposals, own: OwnSites = (),
                own_only: bool = False) -> siting.CitySiting:
    """The city's siting problem (geo.siting.city_siting): the uploaded candidate sites, then the user's clicked
    proposals (the last columns) among the candidates, with the network's junctions unless `own_only`; shared by
    every session that asks the same question."""
    city = get_city(city_id)
    extra = np.vstack([np.array(own, dtype=float).reshape(-1, 2), _metres(city, proposals)])
    return siting.city_siting(city, target_id, lambda layer_id: data.city_layer(city_id, layer_id), within_m,
                              extra, None if own_only and own else siting.CANDIDATE_SPACING_M)


@st.cache_resource(max_entries=32, show_spinner=False)
def best_sites(question: tuple, sites: int) -> siting.SitingResult:
    """The best `sites` sites for a question (the arguments of city_siting)."""
    return siting.maximal_covering(city_siting(*question).problem, sites)


@st.cache_resource(max_entries=32, show_spinner=False)
def fewest_sites(question: tuple, share: float) -> siting.SitingResult | None:
    return siting.set_covering(city_siting(*question).problem, share)


def own_sites_section(city: City) -> tuple[OwnSites, bool]:
    """A file of the city's own candidate sites (points or areas: plots it owns, say), checked as imports are;
    returns them and whether to weigh them alone."""
    key = f"siting_own_{city.id}"
    with st.expander(t("siting.own_title"), expanded=bool(st.session_state.get(key))):
        st.caption(t("siting.own_note"))
        upload = file_uploader(t("siting.own_upload"), ["geojson", "json", "gpkg", "zip", "csv", "parquet"],
                               f"siting_own_file_{city.id}")
        if upload is not None and st.session_state.get(f"{key}_file") != upload.file_id:
            try:
                features = read_file(upload.name, upload.getvalue())
                boundary = data.city_layer(city.id, "boundary").geometry.iloc[0]
                xy = siting.own_candidates(features, boundary, city)
            except InputRejected as rejected:
                for problem in rejected.problems:
                    st.error(inert(editing.problem_text(problem)))
                return (), False
            st.session_state[key] = tuple((round(x, 2), round(y, 2)) for x, y in xy)
            st.session_state[f"{key}_file"] = upload.file_id
        own = st.session_state.get(key, ())
        if own:
            st.caption(plural("siting.own_count", len(own), lang()))
        own_only = st.toggle(t("siting.own_only"), key=f"{key}_only", disabled=not own)
    return own, own_only and bool(own)


def headline(plan: siting.SitingResult, problem: siting.SitingProblem, weighted_by: str) -> None:
    """Within reach now, with the new sites, and how many more: the figures a governor's office quotes."""
    unit = t(f"siting.unit_{weighted_by.replace(' ', '_')}")
    now, after, more = st.columns(3)
    now.metric(t("siting.share_now"), format_percent(plan.share_before, lang(), 1))
    after.metric(plural("siting.share_after", len(plan.chosen), lang()), format_percent(plan.share_after, lang(), 1))
    more.metric(t("siting.newly_within", unit=unit), format_number(plan.gained, lang(), 0))
    st.caption(t("siting.optimal", candidates=format_number(problem.candidates, lang())) if plan.optimal
               else t("siting.gap", gap=format_percent(plan.gap, lang(), 1)))


def site_table(found: siting.CitySiting, plan: siting.SitingResult, city: City) -> pd.DataFrame:
    """The chosen sites, ranked by what each adds, as geo.siting.plan_table gives them (the CSV's rows)."""
    table = siting.plan_table(found, plan, city.crs)
    st.dataframe(pd.DataFrame({
        t("siting.column_rank"): table["rank"],
        t("column.lat"): [format_number(v, lang(), 5) for v in table["lat"]],
        t("column.lon"): [format_number(v, lang(), 5) for v in table["lon"]],
        t("siting.column_new"): [format_number(v, lang(), 0) for v in table["newly_within"]],
        t("siting.column_share"): [format_percent(v, lang(), 1) for v in table["share_within_cumulative"]],
    }), hide_index=True, width="stretch")
    return table


def siting_map(city: City, found: siting.CitySiting, plan: siting.SitingResult, target_id: str,
               proposals: Proposals, key: str) -> tuple[float, float] | None:
    """Existing destinations, the area still beyond reach, the chosen sites numbered by rank, and the user's
    proposals; returns a newly clicked point (lat, lon), if any."""
    layers = []
    if found.model is not None:
        cell_m = access.cell_size_for(found.model.origin_xy, access_views.MAP_CELLS)
        cells = access.distance_cells(found.model.origin_xy, found.model.distance, city.crs, cell_m, found.within_m)
        outline = access.underserved_area(cells, found.within_m)
        layers.append(access_views.computed_layer("underserved_areas", outline.assign(threshold_m=found.within_m),
                                                  city, t("access.underserved", metres=int(found.within_m))))
    layers.append(access_views.facilities_layer(city, target_id))
    sites = siting.plan_layer(found, plan, city.crs)
    layers.append(access_views.computed_layer("planned_sites", sites.drop(columns=["source", "licence"]), city,
                                              t("layer.planned_sites")))
    if proposals:
        layers.append(access_views.proposals_layer(city, proposals))
    bounds = tuple(data.city_layer(city.id, "boundary").total_bounds)
    m = build_map([layer for layer in layers if layer is not None and len(layer.frame)], bounds,
                  base_url=base_url(), lang=lang(), legend_title=t("map.legend"))
    return access_views.clickable_map(m, key, 520)


def proposal_comparison(found: siting.CitySiting, question: tuple, proposals: Proposals) -> None:
    """The user's clicked sites against the best as many sites can do (the proposals are candidates too, so the
    optimum is never below them): what each brings, and the share of the optimum the user's plan reaches."""
    own = list(range(found.problem.candidates - len(proposals), found.problem.candidates))
    standing = siting.proposal_standing(found.problem, own, best_sites(question, len(own)))
    st.metric(plural("siting.yours", len(own), lang()), format_number(standing.own, lang(), 0),
              delta=t("siting.of_optimum", share=format_percent(standing.share_of_best, lang(), 0)),
              delta_color="off")
    st.caption(plural("siting.best_same", len(own), lang(), value=format_number(standing.best, lang(), 0)))


def curve_figure(curve: tuple[siting.SitingResult, ...], greedy: tuple[siting.SitingResult, ...],
                 title: str, source: str) -> go.Figure:
    """Share within reach against the number of new sites: the exact optimum for each count, and the greedy
    baseline dashed (labelled: it proves nothing)."""
    counts = list(range(len(curve) + 1))
    fig = go.Figure()
    for results, name, dash in ((greedy, t("siting.curve_greedy"), "dot"), (curve, t("siting.curve_exact"), "solid")):
        shares = [results[0].share_before * 100] + [r.share_after * 100 for r in results]
        fig.add_trace(go.Scatter(x=counts, y=shares, name=name, mode="lines+markers",
                                 line={"color": charts.SERIES_COLOUR if dash == "solid" else charts.LEVEL_COLOUR,
                                       "dash": dash}))
    fig.update_layout(title=title, xaxis_title=t("siting.axis_sites"), yaxis_title=t("siting.axis_share"),
                      xaxis={"dtick": 1}, height=420)
    charts.title_above_legend(fig)
    return charts.source_note(fig, source, lang())


def curve_section(found: siting.CitySiting, city: City, question: tuple) -> None:
    curve = tuple(best_sites(question, k) for k in range(1, siting.MAX_SITES + 1))
    target_id, within_m = found.target_id, found.within_m
    greedy = tuple(siting.greedy_covering(found.problem, k) for k in range(1, siting.MAX_SITES + 1))
    title = t("siting.curve_title", kind=t(f"access_target.{target_id}"), metres=int(within_m), city=city.name(lang()))
    source = f"{t('common.source')}: " + "; ".join(translate_text(s, lang()) for s in found.sources)
    chart(curve_figure(curve, greedy, title, source), title, f"siting-curve-{city.id}-{target_id}",
          key=f"siting_curve_{city.id}")


def target_section(city: City, question: tuple) -> None:
    """Set covering: the fewest sites that bring a chosen share within reach, or why it cannot be done."""
    share = st.segmented_control(t("siting.target_share"), TARGET_SHARES, default=0.9, key="siting_target_share",
                                 format_func=lambda s: format_percent(s, lang())) or 0.9
    asked = st.session_state.setdefault("siting_targets_asked", set())
    if (question, share) not in asked:  # a large city's set covering can take the solver's whole time: on request
        if not st.button(t("siting.find_fewest"), key="siting_find_fewest", icon=":material/calculate:"):
            return
        asked.add((question, share))
    try:
        fewest = fewest_sites(question, share)
    except AtlasError as error:
        st.warning(editing.error_text(error))
        return
    if fewest is None:
        st.info(t("siting.target_unreachable", share=format_percent(share, lang())))
    elif not fewest.chosen:
        st.success(t("siting.target_met", share=format_percent(share, lang())))
    else:
        st.success(plural("siting.target_sites", len(fewest.chosen), lang(), share=format_percent(share, lang()))
                   + ("" if fewest.optimal else " " + t("siting.gap_sites", gap=format_percent(fewest.gap, lang(), 1))))


def downloads(found: siting.CitySiting, plan: siting.SitingResult, city: City) -> None:
    """The plan as GeoJSON and CSV: the same rows and facts as `python -m geo siting`."""
    stem = f"siting-{city.id}-{found.target_id}-{int(found.within_m)}m-{len(plan.chosen)}"
    left, right = st.columns(2)
    left.download_button(t("siting.download_geojson"), icon=":material/download:", mime="application/geo+json",
                         data=json.dumps(siting.plan_geojson(found, plan, city.crs), ensure_ascii=False, indent=1),
                         file_name=f"{stem}.geojson", key="siting_geojson")
    right.download_button(t("siting.download_csv"), icon=":material/download:", mime="text/csv",
                          data=safe_csv(siting.plan_table(found, plan, city.crs)), file_name=f"{stem}.csv",
                          key="siting_csv")


def keep_plan(found: siting.CitySiting, plan: siting.SitingResult, city: City) -> None:
    """Editors of the city keep the plan as a new version of its planned sites (the dossier prints it)."""
    history = data.store().history("planned_sites", city.id)
    if history:
        st.caption(t("siting.kept", version=history[0].version, author=history[0].author, note=history[0].note))
    editor = editing.signed_in()
    if editor is None or not editor.can_edit(city.id):
        st.caption(t("siting.editors_keep"))
        return
    if st.button(t("siting.keep"), key="siting_keep", icon=":material/save:"):
        note = plural("siting.plan_note", len(plan.chosen), lang(), kind=t(f"access_target.{found.target_id}"),
                      metres=int(found.within_m))
        try:
            version = save_plan(data.store(), editor, city, siting.plan_layer(found, plan, city.crs), note,
                                based_on=history[0].version if history else None)
        except AtlasError as error:
            st.error(editing.error_text(error))
            return
        data.forget_layers()
        st.success(t("siting.kept_now", version=version.version))
