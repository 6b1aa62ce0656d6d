"""Cycling and walking indicators from a city's OpenStreetMap layers, measured in metres in the city's CRS."""
from __future__ import annotations

import geopandas as gpd

from geo.cities import City
from geo.network import largest_component_share, network_from_lines

STREET_KINDS = ("living_street", "residential", "service", "unclassified", "tertiary", "tertiary_link", "secondary",
                "secondary_link", "primary", "primary_link", "road")  # walking-network kinds that are streets
PEDESTRIAN_KINDS = ("pedestrian", "living_street")
ON_STREET_KINDS = ("on_road", "track")  # cycle lanes and tracks mapped as tags of a street (geo.osm)


def _km(lines: gpd.GeoDataFrame, crs: str) -> float:
    return float(lines.geometry.to_crs(crs).length.sum() / 1000.0) if len(lines) else 0.0


def drive_network_only(city: City, walking: gpd.GeoDataFrame) -> bool:
    """Whether the city's walking network comes only from drive networks (streets cars use, no footways or
    paths): access on it understates walking, and its cycleways and footways are unknown, not absent."""
    if walking.empty:
        return False
    sources = [city.osm_source(source) for source in walking["source"].unique()]
    return all(osm is not None and osm.network == "drive" for osm in sources)


def mobility_figures(city: City, area_km2: float, walking: gpd.GeoDataFrame, cycleways: gpd.GeoDataFrame,
                     footways: gpd.GeoDataFrame) -> dict[str, float]:
    """Cycleway km per 10,000 residents and per km², share of street length with cycle infrastructure, share
    of the cycle network in its largest connected piece, pedestrian street km. Empty when the city has no
    walking network (nothing measured: unknown, not zero); per-resident only with a known population of the outline
    (City.ratio_population)."""
    if walking.empty:
        return {}
    cycle_km = _km(cycleways, city.crs)
    streets = walking[walking["kind"].isin(STREET_KINDS)]
    on_streets = cycleways[cycleways["kind"].isin(ON_STREET_KINDS)]
    figures = {
        "cycleway_km_per_km2": round(cycle_km / area_km2, 2),
        "cycle_street_share": round(100 * _km(on_streets, city.crs) / _km(streets, city.crs), 1) if len(streets) else float("nan"),
        "cycle_network_connected": round(100 * largest_component_share(network_from_lines(cycleways, city.crs)[0]), 1)
        if len(cycleways) else float("nan"),
        "pedestrian_street_km": round(_km(footways[footways["kind"].isin(PEDESTRIAN_KINDS)], city.crs), 2),
    }
    if city.ratio_population:
        figures["cycleway_km_per_10k"] = round(cycle_km / city.ratio_population.value * 10_000, 3)
    return figures
