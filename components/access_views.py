"""Access page building blocks: the cached access model of a city and destination, the distance map with
click-to-propose, headline shares, per-district shares and the what-if table."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from components import data, editing
from components.map_view import base_url
from components.maps import MapLayer, build_map
from components.state import lang, t
from components.tables import population_text
from components.widgets import file_uploader, url_choice, url_keep, value_flags
from geo import access
from geo.cities import City, get_city
from geo.display import display_frame
from geo.i18n import format_month, format_number, format_percent, translate_text, translate_value
from geo.indicators import INDICATORS
from geo.layers import LAYERS, STORAGE_CRS

DISTANCE_CLASSES = ((250, "#2166ac"), (500, "#67a9cf"), (1000, "#fdb863"), (np.inf, "#e66101"))
UNREACHABLE_COLOUR = "#7f7f7f"
THRESHOLD_OPTIONS = (300, 500, 800, 1000, 1200)  # 300 m: cycleways (ITDP); 800 and 1,200 m: 10 and 15 minutes
MAP_CELLS = 2500


@st.cache_resource(max_entries=16)
def access_model(city_id: str, target_id: str) -> access.AccessModel | None:
    """The city's access model for a destination kind (geo.access.access_model), shared by every session."""
    return access.access_model(get_city(city_id), target_id, lambda layer_id: data.city_layer(city_id, layer_id))


def districts_inside(city: City) -> gpd.GeoDataFrame:
    """The city's districts inside its boundary, in metres: only their population can be spread over the city's
    sample points (the layer also holds districts around some cities)."""
    boundary = data.city_layer(city.id, "boundary").to_crs(city.crs).geometry.iloc[0]
    return access.districts_inside(data.city_layer(city.id, "districts").to_crs(city.crs), boundary)


def headline(model: access.AccessModel, threshold_m: float) -> None:
    """The shares as figures: within the chosen distance, and the fixed 500 m / 1,000 m / 10 / 15 minutes."""
    fixed = {float(m): t("access.within", metres=m) for m in access.THRESHOLDS_M}
    fixed |= {access.minutes_to_metres(m): t("access.within_minutes", minutes=m) for m in access.WALK_MINUTES}
    chosen = {} if float(threshold_m) in fixed else {float(threshold_m): t("access.within", metres=int(threshold_m))}
    thresholds, labels = zip(*sorted((chosen | fixed).items()))
    summary = access.summarise(model.distance, thresholds, model.weights)
    columns = st.columns(len(thresholds))
    for i, (column, label) in enumerate(zip(columns, labels)):
        people = (f" · {t('access.of_people', share=format_percent(summary.share_people[i], lang()))}"
                  if summary.share_people is not None else "")
        column.metric(label, format_percent(summary.share_points[i], lang()), help=t("access.share_help"))
        column.caption(t("access.of_points") + people)
    if model.weights is None or summary.share_people is None:
        st.caption(t("access.no_population"))
    else:
        st.caption(t("access.people_note", covered=format_percent(summary.people_covered, lang())))


def _cell_colour(median_m: float) -> str:
    if not np.isfinite(median_m):
        return UNREACHABLE_COLOUR
    return next(colour for limit, colour in DISTANCE_CLASSES if median_m <= limit)


def access_map(city: City, model: access.AccessModel, target_id: str, threshold_m: float, proposals: list[tuple[float, float]],
               key: str) -> tuple[float, float] | None:
    """The distance map: origin cells coloured by walking distance, the underserved area outlined, the
    destinations and the proposals; returns a newly clicked point (lat, lon), if any."""
    cell_m = access.cell_size_for(model.origin_xy, MAP_CELLS)
    cells = access.distance_cells(model.origin_xy, model.distance, city.crs, cell_m, threshold_m)
    outline = access.underserved_area(cells, threshold_m)
    cells = cells.assign(colour=[_cell_colour(m) for m in cells["median_m"]],
                         median_m=cells["median_m"].replace(np.inf, np.nan).round(0),
                         beyond_share=(cells["beyond_share"] * 100).round(0))
    layers = [
        computed_layer("access_cells", cells, city, t("layer.access_cells"), colour_by="colour",
               style={"fillOpacity": 0.7, "weight": 0}),
        computed_layer("underserved_areas", outline.assign(threshold_m=threshold_m), city,
               t("access.underserved", metres=int(threshold_m))),
        facilities_layer(city, target_id),
    ]
    if proposals:
        layers.append(proposals_layer(city, proposals))
    swatches = [(colour, t("access.class_upto", metres=int(limit)) if np.isfinite(limit)
                 else t("access.class_beyond", metres=int(DISTANCE_CLASSES[-2][0])))
                for limit, colour in DISTANCE_CLASSES] + [(UNREACHABLE_COLOUR, t("access.unreachable"))]
    bounds = tuple(data.city_layer(city.id, "boundary").total_bounds)
    m = build_map([layer for layer in layers if layer is not None and len(layer.frame)], bounds,
                  base_url=base_url(), lang=lang(), legend_title=t("map.legend"), legend_swatches=swatches)
    clicked = clickable_map(m, key, 560)
    st.caption(t("access.cells_note", cell=int(cell_m)))
    return clicked


def proposals_layer(city: City, proposals) -> MapLayer:
    """The user's proposed sites (lat, lon), numbered in the order clicked."""
    points = gpd.GeoDataFrame({"proposal": [str(i + 1) for i in range(len(proposals))]},
                              geometry=gpd.points_from_xy([p[1] for p in proposals], [p[0] for p in proposals]),
                              crs=STORAGE_CRS)
    return computed_layer("proposed_facilities", points, city, t("layer.proposed_facilities"))


def clickable_map(m, key: str, height: int) -> tuple[float, float] | None:
    """Draw the map; return a point (lat, lon) newly clicked since the last run, if any. A click on the background
    is "last_clicked"; on a drawn feature (a cell, a site), "last_object_clicked"."""
    clicked = st_folium(m, key=key, height=height, use_container_width=True,
                        returned_objects=["last_clicked", "last_object_clicked"]) or {}
    seen = st.session_state.setdefault(f"{key}_seen", {})
    for channel in ("last_object_clicked", "last_clicked"):
        point = clicked.get(channel)
        if point and seen.get(channel) != point:
            seen[channel] = point
            return point["lat"], point["lng"]
    return None


def computed_layer(layer_id: str, frame: gpd.GeoDataFrame, city: City, title: str, colour_by: str = "",
           style: dict | None = None) -> MapLayer:
    spec = LAYERS[layer_id]
    shown = display_frame(frame.to_crs(STORAGE_CRS), spec, city.crs, 2.0, lang=lang())
    if colour_by:
        shown[colour_by] = frame[colour_by].to_numpy()
    return MapLayer(spec, shown, title, tuple((c, t(f"column.{c}")) for c in spec.tooltip), style=style or {},
                    colour_by=colour_by)


def facilities_layer(city: City, target_id: str) -> MapLayer | None:
    target = access.ACCESS_TARGETS[target_id]
    frame = access.destinations(data.city_layer(city.id, target.layer_id), target)
    return data.city_map_layer(target.layer_id, frame, city.id, lang()) if len(frame) else None


def what_if_table(model: access.AccessModel, proposals: list[tuple[float, float]], crs: str, threshold_m: float) -> None:
    """Each proposal alone, and all together: sample points (and people) newly within the threshold."""
    xy = gpd.GeoSeries(gpd.points_from_xy([p[1] for p in proposals], [p[0] for p in proposals]),
                       crs=STORAGE_CRS).to_crs(crs)
    xy = np.column_stack([xy.x, xy.y])
    rows = []
    scenarios = [(str(i + 1), xy[i:i + 1]) for i in range(len(xy))]
    if len(xy) > 1:
        scenarios.append((t("access.all_proposals"), xy))
    before = access.summarise(model.distance, (threshold_m,), model.weights)
    for label, points in scenarios:
        after = access.distances_with(model, points)
        gained_points, gained_people = access.newly_within(model.distance, after, threshold_m, model.weights)
        summary = access.summarise(after, (threshold_m,), model.weights)
        rows.append({t("column.proposal"): label, t("column.new_points"): gained_points,
                     t("column.new_people"): format_number(gained_people, lang(), 0),
                     t("column.share_before"): format_number(before.share_points[0] * 100, lang(), 1),
                     t("column.share_after"): format_number(summary.share_points[0] * 100, lang(), 1)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def district_shares(city: City, model: access.AccessModel, threshold_m: float) -> None:
    """Share of each district's sample points (and people) within the threshold."""
    districts = districts_inside(city)
    if districts.empty:
        st.caption(t("access.no_districts"))
        return
    table = access.district_shares(model, districts, city.crs, threshold_m)
    by_name = districts.drop_duplicates("name").set_index("name")
    precision = by_name["population_precision"] if "population_precision" in by_name else pd.Series("", by_name.index)
    st.dataframe(pd.DataFrame({
        t("column.district"): table["name"], t("column.sample_points"): table["points"],
        t("column.share_within"): [format_number(v * 100, lang(), 1) for v in table["share"]],
        t("column.population"): [population_text(by_name.at[n, "population"], precision.get(n) or "", lang())
                                 for n in table["name"]],
    }), hide_index=True, width="stretch")
    population_notes(city, districts)


def population_notes(city: City, districts: gpd.GeoDataFrame) -> None:
    """Which districts' populations are left out of the shares of people, and why; where the figures are from."""
    precision = districts.get("population_precision", pd.Series("", index=districts.index)).fillna("")
    lower = districts.loc[precision == "lower_bound", "name"].tolist()
    if lower:
        st.caption(t("access.lower_bound_note", districts=", ".join(lower)))
    if (precision == "outline_differs").any():
        st.caption(t("access.outline_differs_note"))
    sources = sorted(set(districts["source"]))
    st.caption(t("access.district_sources", sources="; ".join(translate_text(s, lang()) for s in sources)))


def kind_and_distance(prefix: str, kinds: list[str], default_m: int, kind_column, distance_column
                      ) -> tuple[str, int]:
    """The destination kind and walking distance pickers, kept in the URL (?target=, ?within=) so a link opens the
    same question; the Access and Where-to-build pages share them (widget keys `<prefix>_target|_within`)."""
    kind_key, distance_key = f"{prefix}_target", f"{prefix}_within"
    url_choice(kind_key, "target", kinds, "healthcare")
    kind_column.selectbox(t("access.target"), kinds, key=kind_key, format_func=lambda i: t(f"access_target.{i}"))
    url_keep(kind_key, "target")
    url_choice(distance_key, "within", list(THRESHOLD_OPTIONS), default_m)
    distance_column.segmented_control(t("access.threshold"), list(THRESHOLD_OPTIONS), key=distance_key,
                                      format_func=threshold_label)
    url_keep(distance_key, "within")
    return st.session_state[kind_key] or "healthcare", int(st.session_state[distance_key] or default_m)


def threshold_label(metres: int) -> str:
    minutes = {round(access.minutes_to_metres(m)): m for m in access.WALK_MINUTES}.get(metres)
    if minutes:
        return t("access.threshold_minutes", metres=metres, minutes=minutes)
    return t("access.metres", metres=metres)


@st.fragment
def what_if(city: City, model: access.AccessModel, target_id: str, threshold_m: float) -> None:
    """The map and the what-if: each click on the map proposes a facility there; the table compares them."""
    key = f"proposals_{city.id}_{target_id}"
    proposals = st.session_state.setdefault(key, [])
    st.subheader(t("access.map_title"))
    st.caption(t("access.what_if_hint"))
    clicked = access_map(city, model, target_id, threshold_m, proposals, key=f"access_map_{city.id}_{target_id}")
    if clicked and clicked not in proposals:
        proposals.append(clicked)
        st.rerun(scope="fragment")
    if proposals:
        st.subheader(t("access.what_if_title", metres=int(threshold_m)))
        what_if_table(model, proposals, city.crs, threshold_m)
        if st.button(t("access.clear_proposals"), key=f"{key}_clear"):
            proposals.clear()
            st.rerun(scope="fragment")


def offer_osm(city: City) -> None:
    """Fetch the city's OpenStreetMap layers (online) or import an extract: for the city's editors; stored as
    versions, so they work offline afterwards."""
    with st.expander(t("access.get_osm_title"), expanded=False):
        st.caption(t("access.get_osm_note"))
        editor = editing.signed_in()
        if editor is None or not editor.can_edit(city.id):
            st.info(t("access.editors_only"))
            return
        editing.fetch_section(city, editor)
        upload = file_uploader(t("access.import_extract"), ["pbf", "osm"], f"osm_upload_{city.id}")
        if upload is not None:
            editing.osm_import(city, editor, upload.name, upload.getvalue())


SDG_TRANSIT_VALUES = (access.SDG_TRANSIT_INDICATOR + "_people", access.SDG_TRANSIT_INDICATOR,
                      "transport_access_modelled", "transport_access_survey")


def sdg_transit_comparison(city: City) -> None:
    """SDG 11.2.1 three ways, each with its place, year and source: the Atlas's own share from the city's stops
    (of people where populations are known), UN-Habitat's modelled value and the national survey's (a region's)."""
    latest = data.city_latest(city.id).set_index("indicator_id")
    rows = [latest.loc[i] for i in SDG_TRANSIT_VALUES if i in latest.index and pd.notna(latest.loc[i, "value"])]
    own = [r for r in rows if r.name.startswith(access.SDG_TRANSIT_INDICATOR)][:1]
    shown = own + [r for r in rows if not r.name.startswith(access.SDG_TRANSIT_INDICATOR)]
    st.subheader(t("access.sdg_title"))
    if not shown:
        st.caption(t("access.sdg_none"))
        return
    for column, row in zip(st.columns(len(shown)), shown):
        key, params = INDICATORS[row.name].name
        year = "" if pd.isna(row["year"]) else f" ({int(row['year'])})"
        place = translate_value("region", row["area"], lang()) if row["level"] == "region" else city.name(lang())
        column.metric(t(key, **params) + year, format_percent(row["value"] / 100, lang(), 1),
                      help=translate_text(str(row["source"]), lang()))
        column.caption(f"{t('level.' + row['level'])}: {place} · {translate_text(str(row['licence']), lang())}")
        value_flags(column, row["flags"])
    st.caption(t("access.sdg_note"))


def facility_warnings(city: City, target_id: str) -> None:
    """What the answer rests on, said before it: a kind the data never asked for, facilities from OpenStreetMap
    (completeness unchecked) with their count per resident, a dated extract; and the way to bring the city's own
    list (the Data page's import)."""
    facts = access.facility_facts(city, target_id, lambda layer_id: data.city_layer(city.id, layer_id))
    kind = t(f"access_target.{target_id}")
    layer = t(f"layer.{access.ACCESS_TARGETS[target_id].layer_id}")
    if facts.kind_missing:
        st.warning(t("siting.kind_missing", kind=kind, layer=layer))
    elif facts.from_osm:
        population = city.ratio_population
        per = (t("siting.per_10k", value=format_number(facts.count / population.value * 10_000, lang(), 1))
               if population else "")
        st.warning(t("siting.osm_incomplete", count=format_number(facts.count, lang()), kind=kind,
                     people=format_number(population.value, lang()) if population else t("common.no_data"), per=per))
    if facts.dated_month:
        st.warning(t("siting.dated", date=format_month(facts.dated_month, lang())))
    if facts.warn:
        st.page_link("pages/data.py", label=t("siting.import_own"), icon=":material/upload_file:")
