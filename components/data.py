"""The Atlas's cached reads: layers, tables, figures and prepared map layers, keyed by small ids, bounded
(components.caching: Streamlit's cache_resource inside the app, an LRU cache in the CLI).

cache_resource (not cache_data) because the frames are read-only here and cache_data would copy them
on every hit; callers must not mutate what these return.
"""
from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from components.caching import cached, clear_every_cache
from components.maps import MapLayer, build_map, map_html
from geo import indicators
from geo.air import annual_stats
from geo.batch import precomputed_values
from geo.cities import City, get_city, member_cities
from geo.display import display_frame
from geo.embedded import read_layer, read_table
from geo.guidelines import POLLUTANTS
from geo.i18n import LANGUAGES, translate, translate_text, translate_value
from geo.indicators import city_figures, latest_values, section_coverage
from geo.layers import LAYERS, REGION_ONLY_STYLE
from geo.layerstore import LayerStore
from geo.provenance import osm_credit_line

MIN_SIMPLIFY_M = 5.0  # never coarser than needed at street zoom
VIEW_WIDTH_PX = 4000  # simplify to half a pixel of a 2,000 px wide view of the whole city (or region)
OVERVIEW_SIMPLIFY_M = 500.0  # two-country view: ~1 px at zoom 8


@cached(max_entries=1)
def store() -> LayerStore:
    """The layer store ($ATLAS_DATABASE_URL or data/user/atlas.sqlite), holding the embedded dataset from the
    first run on."""
    layer_store = LayerStore()
    layer_store.seed()
    return layer_store


@cached(max_entries=len(LAYERS))
def layer(layer_id: str) -> gpd.GeoDataFrame:
    """Every city's current features of a layer: from the store, except the regions (not a city's layer)."""
    if "city_id" in LAYERS[layer_id].columns:
        return store().read_layer(layer_id)
    return read_layer(layer_id)


@cached(max_entries=8)
def table(name: str) -> pd.DataFrame:
    return read_table(name)


@cached(max_entries=1)
def annual_air() -> pd.DataFrame:
    """Yearly statistics of every city, pollutant and year (geo.air.annual_stats)."""
    return annual_stats(table("air_daily"))


@cached(max_entries=128)
def city_layer(city_id: str, layer_id: str) -> gpd.GeoDataFrame:
    data = layer(layer_id)
    return data[data["city_id"] == city_id].reset_index(drop=True)


@cached(max_entries=128)
def city_annual(city_id: str, pollutant: str) -> pd.DataFrame:
    annual = annual_air()
    return annual[(annual["city_id"] == city_id) & (annual["pollutant"] == pollutant)].reset_index(drop=True)


@cached(max_entries=64)
def city_pollutants(city_id: str) -> list[str]:
    """Pollutants with at least one measurement for the city, in registry order."""
    present = set(table("air_daily").query("city_id == @city_id")["pollutant"])
    return [p for p in POLLUTANTS if p in present]


@cached(max_entries=128)
def city_air(city_id: str, pollutant: str) -> pd.DataFrame:
    """One city's daily measurements of one pollutant, flagged values included."""
    daily = table("air_daily")
    return daily[(daily["city_id"] == city_id) & (daily["pollutant"] == pollutant)].reset_index(drop=True)


CITY_CACHE_ENTRIES = 64  # cities whose values stay cached one by one (the network's are also kept together)


@cached(max_entries=CITY_CACHE_ENTRIES)
def city_values(city_id: str) -> pd.DataFrame:
    """Every indicator value of the city, all years (see _uncached_city_values), kept for the pages opened."""
    return _uncached_city_values(city_id)


def _uncached_city_values(city_id: str) -> pd.DataFrame:
    """The batch's stored results while they are current (their inputs unchanged), else computed now from the
    layer store (geo.indicators.city_values)."""
    stored = precomputed_values(city_id, store())
    if stored is not None:
        return stored
    return indicators.city_values(get_city(city_id), lambda layer_id: city_layer(city_id, layer_id), annual_air(),
                                  table("regional_stats"), table("official_air"))


@cached(max_entries=64)
def city_figures_table(city_id: str) -> pd.DataFrame:
    return city_figures(city_values(city_id))


@cached(max_entries=64)
def city_latest(city_id: str) -> pd.DataFrame:
    """The latest value of every indicator of one city (no-data rows included); demo extracts too."""
    return latest_values(city_values(city_id))


@cached(max_entries=1)
def all_values() -> pd.DataFrame:
    """Every value of every member city, all years: through the per-city cache for a network that fits it, else
    each city computed once here (1,800 cities would evict and recompute the per-city cache)."""
    members = member_cities()
    each = city_values if len(members) <= CITY_CACHE_ENTRIES else _uncached_city_values
    return pd.concat([each(c.id) for c in members], ignore_index=True)


@cached(max_entries=64)
def peer_medians(city_id: str) -> dict[str, float]:
    """The network median beside each of the city's latest values (geo.indicators.peer_standing: same level and
    year), computed once per city rather than on every rerun of its profile; none for an imputed or suspect value."""
    latest = city_latest(city_id)
    known = latest[indicators.rankable(latest)]
    return {row.indicator_id: indicators.peer_standing(all_values(), city_id, row.indicator_id, row.level,
                                                        row.year).median for row in known.itertuples()}


@cached(max_entries=1)
def all_latest() -> pd.DataFrame:
    """The latest value of every indicator for every city (no-data rows included)."""
    return latest_values(all_values())


@cached(max_entries=128)
def indicator_years(indicator_id: str) -> list[int]:
    """Years with a value of the indicator in any member city (geo.indicators.indicator_years)."""
    return indicators.indicator_years(all_values(), indicator_id)


@cached(max_entries=1)
def coverage() -> pd.DataFrame:
    """Cities × sections of the application: indicators known and listed (geo.indicators.section_coverage)."""
    return section_coverage(all_latest())


def _map_layer(spec_id: str, frame: gpd.GeoDataFrame, crs: str, tolerance_m: float, lang: str,
               title_key: str = "", style: dict | None = None) -> MapLayer:
    spec = LAYERS[spec_id]
    if spec_id == "city_centres":
        frame = frame.assign(name=[get_city(city_id).name(lang) for city_id in frame["city_id"]])
    shown = display_frame(frame, spec, crs, tolerance_m, lang=lang)
    if "boundary_quality" in shown.columns:
        shown["boundary_quality"] = [translate(f"quality.{q}", lang) for q in shown["boundary_quality"]]
    if "facility_type" in shown.columns:
        shown["facility_type"] = [translate_value("facility", f, lang) for f in shown["facility_type"]]
    if "region" in shown.columns:
        shown["region"] = [translate_value("region", r, lang) for r in shown["region"]]
    if spec_id == "districts":  # "Түрксіб", not "Turksib", in a Kazakh tooltip
        shown["name"] = [translate_value("district", n, lang) for n in shown["name"]]
    if "population_precision" in shown.columns:
        shown["population_precision"] = [translate_value("population_precision", p, lang) if p else ""
                                         for p in shown["population_precision"]]
    tooltip = tuple((c, translate(f"column.{c}", lang)) for c in spec.tooltip)
    credit = osm_credit(frame, lang)
    if credit and spec.geometry_types[0] != "LineString":  # each place says which data it is from (street
        # networks, thousands of segments, say it in the map's credit only: the page stays light)
        texts = {(c, s): osm_provenance(c, s, lang) for c, s in frame[["city_id", "source"]].drop_duplicates()
                 .itertuples(index=False)}
        shown["provenance"] = [texts[(c, s)] for c, s in zip(frame["city_id"], frame["source"])]
        tooltip += (("provenance", translate("column.provenance", lang)),)
    return MapLayer(spec=spec, frame=shown, title=translate(title_key or f"layer.{spec_id}", lang),
                    tooltip=tooltip, style=style or {}, credit=credit or drawn_licences(frame, lang))


def osm_provenance(city_id: str, source: str, lang: str) -> str:
    """What a feature from a city's own OSM source is (geo.provenance.osm_credit_line); "" for features of the
    layer's usual source."""
    osm = get_city(city_id).osm_source(source)
    return osm_credit_line(osm, lang) if osm else ""


def osm_credit(frame: gpd.GeoDataFrame, lang: str) -> str:
    """The credit of a layer drawn from cities' own OSM sources (see osm_provenance); "" for the usual credit."""
    if "source" not in frame.columns or "city_id" not in frame.columns or frame.empty:
        return ""
    pairs = frame[["city_id", "source"]].drop_duplicates().sort_values(["city_id", "source"])
    return "; ".join(text for text in (osm_provenance(c, s, lang) for c, s in pairs.itertuples(index=False)) if text)


def drawn_licences(frame: gpd.GeoDataFrame, lang: str) -> str:
    """The credit of the features drawn, from their own licence column (a map of Almaty credits OpenStreetMap
    only, not the Kyrgyz ministries of the layer's other features); "" when they carry none (then the layer's
    attribution stands)."""
    if "licence" not in frame.columns or frame.empty:
        return ""
    return "; ".join(dict.fromkeys(translate_text(licence, lang) for licence in frame["licence"].dropna() if licence))


def forget_layers() -> None:
    """Drop every cached layer, model and map after a city's layers were written."""
    clear_every_cache()


def city_map_layer(layer_id: str, frame: gpd.GeoDataFrame, city_id: str, lang: str) -> MapLayer:
    """A registry layer (or a subset of one) of a city, ready for its map."""
    return _map_layer(layer_id, frame, get_city(city_id).crs, 0, lang)


def _boundary_layers(boundary: gpd.GeoDataFrame, crs: str, tolerance_m: float, lang: str) -> list[MapLayer]:
    """City polygons, and regions standing in for cities without one (drawn faint and dashed)."""
    region_only = boundary["boundary_quality"] == "region_only"
    layers = []
    if (~region_only).any():
        layers.append(_map_layer("boundary", boundary[~region_only], crs, tolerance_m, lang))
    if region_only.any():
        layers.append(_map_layer("boundary", boundary[region_only], crs, tolerance_m, lang,
                                 title_key="layer.region_outline", style=REGION_ONLY_STYLE))
    return layers


def view_tolerance_m(city_id: str) -> float:
    """Simplification tolerance for the city's view: about half a screen pixel when the whole area is shown."""
    boundary = city_layer(city_id, "boundary").to_crs(get_city(city_id).crs)
    minx, miny, maxx, maxy = boundary.total_bounds
    return max(MIN_SIMPLIFY_M, max(maxx - minx, maxy - miny) / VIEW_WIDTH_PX)


@cached(max_entries=32)
def boundary_layers(city_id: str, lang: str) -> list[MapLayer]:
    return _boundary_layers(city_layer(city_id, "boundary"), get_city(city_id).crs, view_tolerance_m(city_id), lang)


# A larger street network (Almaty's 3,764 segments: about 0.9 MB) is not drawn on the City map, to keep the page
# light; the Walking access page shows what it gives as distance cells.
NETWORK_MAP_MAX_SEGMENTS = 2000


@cached(max_entries=32)
def city_map_layers(city_id: str, lang: str) -> list[MapLayer]:
    """Every layer the data has for the city, in drawing order (areas first, points on top); the street
    network only when it is small."""
    crs = get_city(city_id).crs
    layers = list(boundary_layers(city_id, lang))
    if len(city_layer(city_id, "districts")):
        layers.insert(0, _map_layer("districts", city_layer(city_id, "districts"), crs, view_tolerance_m(city_id),
                                    lang))
    tolerance = view_tolerance_m(city_id)
    lines = ["parks", "footways", "cycleways"]
    if 0 < len(city_layer(city_id, "walking_network")) <= NETWORK_MAP_MAX_SEGMENTS:
        lines.insert(1, "walking_network")
    layers += [_map_layer(layer_id, city_layer(city_id, layer_id), crs, tolerance, lang)
               for layer_id in lines if len(city_layer(city_id, layer_id))]
    return layers + [_map_layer(layer_id, city_layer(city_id, layer_id), crs, 0, lang)
                     for layer_id in ("settlements", "city_centres", "schools", "sports_grounds", "transit_stops",
                                      "health_facilities", "air_stations")
                     if len(city_layer(city_id, layer_id))]


@cached(max_entries=4)
def city_map(city_id: str, lang: str, base_url: str, for_print: bool = False) -> folium.Map:
    """The City page's map (or its print variant), shared by every session: read only (exports copy it first).
    Few are kept: the page draws the cached HTML (city_map_html), only exports need the map itself."""
    bounds = tuple(city_layer(city_id, "boundary").total_bounds)
    return build_map(city_map_layers(city_id, lang), bounds, base_url=base_url, lang=lang,
                     legend_title=translate("map.legend", lang), group_labels=group_labels(lang),
                     share_view=not for_print, for_print=for_print)


@cached(max_entries=4)
def overview_map(lang: str, base_url: str, for_print: bool = False) -> folium.Map:
    """The Overview's map of every member city (or its print variant), built once and shared: read only."""
    bounds = tuple(layer("boundary").query("city_id in @ids", local_dict={"ids": [c.id for c in member_cities()]})
                   .total_bounds)
    return build_map(overview_map_layers(lang), bounds, base_url=base_url, lang=lang,
                     legend_title=translate("map.legend", lang), group_labels=group_labels(lang), for_print=for_print)


def group_labels(lang: str) -> dict[str, str]:
    """Names of the registry's layer groups, for the layer control."""
    return {group: translate(f"layer_group.{group}", lang)
            for group in ("boundaries", "environment", "services", "mobility")}


@cached(max_entries=CITY_CACHE_ENTRIES * len(LANGUAGES))
def city_map_html(city_id: str, lang: str, base_url: str) -> str:
    """The City page's map as HTML (0.2–0.5 MB), rendered once per city, language and root path, not on every
    run; room for every city in every language, so warm_caches fills it for good."""
    return map_html(city_map(city_id, lang, base_url))


@cached(max_entries=4)
def overview_map_html(lang: str, base_url: str) -> str:
    return map_html(overview_map(lang, base_url))


# Above this many cities the network views draw each city as its centre only (clustered until zoomed in): 1,800
# boundaries would make the page several megabytes; each City page draws its own.
OVERVIEW_MAX_BOUNDARIES = 200


@cached(max_entries=4)
def overview_boundary_layers(lang: str) -> list[MapLayer]:
    """The network's city boundaries (or regions), simplified for the two-country view; none for a network of
    more than OVERVIEW_MAX_BOUNDARIES cities."""
    members = [c.id for c in member_cities()]
    if len(members) > OVERVIEW_MAX_BOUNDARIES:
        return []
    boundary = layer("boundary")
    return _boundary_layers(boundary[boundary["city_id"].isin(members)], "EPSG:3857", OVERVIEW_SIMPLIFY_M, lang)


@cached(max_entries=4)
def overview_map_layers(lang: str) -> list[MapLayer]:
    """Boundaries of the network's cities, simplified for the two-country view, with facilities and the
    monitoring sites whose series the Atlas holds."""
    crs = "EPSG:3857"  # metres, good enough for simplification across both countries at this scale
    members = {c.id for c in member_cities()}

    def network(layer_id: str) -> gpd.GeoDataFrame:
        frame = layer(layer_id)
        return frame[frame["city_id"].isin(members)]

    stations = network("air_stations")
    measuring = stations[stations["series"].fillna("") != ""]  # the sites behind the Atlas's series; every
    # known site (hundreds, most without a series here) is on each city's own map
    return [*overview_boundary_layers(lang),
            _map_layer("city_centres", network("city_centres"), crs, 0, lang),
            _map_layer("health_facilities", network("health_facilities"), crs, 0, lang),
            _map_layer("air_stations", measuring, crs, 0, lang)]


@cached(max_entries=4)
def overview_table(lang: str) -> pd.DataFrame:
    """geo.indicators.network_overview in `lang`: names, population with its source, boundary quality."""
    table = indicators.network_overview(member_cities(), city_figures_table)
    named = {city.id: city for city in member_cities()}
    return table.assign(
        city=[named[c].name(lang) for c in table["city_id"]],
        population_source=[population_source(named[c], lang) for c in table["city_id"]],
        boundary_quality=[translate(f"quality.{q}", lang) for q in table["boundary_quality"]],
    )[["city", "country", "population", "population_source", "boundary_quality", *indicators.OVERVIEW_INDICATORS]]


def population_source(city: City, lang: str) -> str:
    """The source of the city's population, with its reference year unless the source already names it."""
    source, year = city.population.source, city.population.year
    shown = translate_text(source, lang)
    if not year:
        return f"{shown} ({translate('flag.undated', lang)})"
    return shown if year in source else f"{shown} {year}"
