"""The seed cities' own OpenStreetMap data (Almaty's extract of March 2012, Astana's points of July 2026):
counts recomputed from the raw files by another reader, and each city's source, licence and date on its map."""
import csv
import re

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
import shapely.wkt

from geo.embedded import read_layer
from geo.paths import RAW_DIR


def outline(city_id: str):
    boundary = read_layer("boundary")
    return boundary.loc[boundary["city_id"] == city_id, "geometry"].iloc[0]


def test_almaty_pharmacies_are_the_extracts_pharmacy_nodes_inside_the_city():
    """GDAL's OSM driver (pyogrio), not libosmium: nodes tagged amenity=pharmacy inside the city outline."""
    path = RAW_DIR / "osm_cities/almaty/almaty_2012-03.osm.pbf"
    points = pyogrio.read_dataframe(path, layer="points")
    tagged = points["other_tags"].fillna("").str.contains('"amenity"=>"pharmacy"', regex=False)
    areas = pyogrio.read_dataframe(path, layer="multipolygons", on_invalid="ignore")
    areas = areas[areas["amenity"] == "pharmacy"]  # a pharmacy mapped as a building: one point each in the layer
    expected = int(points[tagged].intersects(outline("almaty")).sum() + areas.intersects(outline("almaty")).sum())
    facilities = read_layer("health_facilities").query("city_id == 'almaty'")
    assert (facilities["facility_type"] == "pharmacy").sum() == expected and expected > 30
    assert set(facilities["licence"]) == {"CC BY-SA 2.0, © OpenStreetMap contributors"}


def test_almaty_walking_network_length_matches_the_extracts_highways():
    lines = pyogrio.read_dataframe(RAW_DIR / "osm_cities/almaty/almaty_2012-03.osm.pbf", layer="lines")
    walkable = lines[lines["highway"].isin(["residential", "primary", "secondary", "tertiary", "unclassified",
                                            "service", "footway", "living_street", "pedestrian", "path", "steps",
                                            "track", "road", "primary_link", "secondary_link", "tertiary_link"])]
    walkable = walkable[walkable.intersects(outline("almaty"))]
    network = read_layer("walking_network").query("city_id == 'almaty'")
    utm = "EPSG:32643"
    ours, theirs = network.to_crs(utm).length.sum() / 1000, walkable.to_crs(utm).length.sum() / 1000
    assert abs(ours - theirs) / theirs < 0.05, (ours, theirs)  # access=no/foot=no ways are left out
    assert 2000 < ours < 3500


def test_astana_kindergartens_stops_and_clinics_are_the_points_inside_the_city():
    raw = pd.read_parquet(RAW_DIR / "osm_cities/astana/pois_osm_2026-07.parquet")
    points = gpd.GeoSeries(gpd.points_from_xy(raw["longitude"], raw["latitude"]), crs="EPSG:4326")
    raw = raw[points.within(outline("astana")).to_numpy()]
    schools = read_layer("schools").query("city_id == 'astana'")
    assert (schools["kind"] == "kindergarten").sum() == (raw["amenity"] == "kindergarten").sum() > 100
    assert len(schools) == raw["amenity"].isin(["school", "kindergarten", "college", "university"]).sum()
    facilities = read_layer("health_facilities").query("city_id == 'astana'")
    assert len(facilities) == raw["amenity"].isin(["clinic", "hospital"]).sum()
    stops = read_layer("transit_stops").query("city_id == 'astana'")
    bus_stops = raw["highway"] == "bus_stop"
    platforms = (raw["public_transport"] == "platform") & ~bus_stops
    assert len(stops) == int(bus_stops.sum() + platforms.sum())
    assert set(schools["licence"]) == {"ODbL 1.0, © OpenStreetMap contributors"}


def test_each_city_map_and_export_credit_the_data_actually_drawn():
    from components import data
    from components.exports import standalone_map_html
    from components.maps import build_map
    almaty = data.city_map_layers("almaty", "en")
    bounds = tuple(data.city_layer("almaty", "boundary").total_bounds)
    html = build_map(almaty, bounds, lang="en").get_root().render()
    unescaped = re.sub(r"\\u([0-9a-f]{4})", lambda u: chr(int(u.group(1), 16)), html)
    assert "© OpenStreetMap contributors (CC BY-SA 2.0), March 2012" in unescaped
    assert "dated, streets and places may have changed" in unescaped
    russian = data.city_map_layers("almaty", "ru")
    exported = standalone_map_html(build_map(russian, bounds, lang="ru"), russian, "Алматы", "Атлас", "ru")
    exported = re.sub(r"\\u([0-9a-f]{4})", lambda u: chr(int(u.group(1), 16)), exported)
    assert "март 2012" in exported and "устаревшие данные" in exported
    astana = data.city_map_layers("astana", "kk")
    credits = " ".join(layer.credit for layer in astana)
    assert "2026" in credits and "ескірген" not in credits  # July 2026 is current
    # every map credits only the licences of the features it draws: Almaty's never the Kyrgyz ministries' COD-AB,
    # Bishkek's (an OSM outline) neither, Jalal-Abad's (a COD-AB outline) does
    almaty_credits = " ".join(layer.credit for layer in data.city_map_layers("almaty", "en"))
    assert "CC BY-IGO" not in almaty_credits and "NSC KG" not in almaty_credits
    bishkek = {layer.spec.id: layer.credit for layer in data.city_map_layers("bishkek", "en")}
    assert bishkek["boundary"] == "ODbL 1.0, © OpenStreetMap contributors"
    jalal_abad = {layer.spec.id: layer.credit for layer in data.city_map_layers("jalal-abad", "en")}
    assert jalal_abad["boundary"].startswith("CC BY-IGO (OCHA")


def test_aktau_drive_network_is_the_graphs_streets_inside_the_city_each_counted_once():
    """Python's csv module and shapely's WKT reader on the edge table: the two directions of a street are one
    segment, and the length is the graph's own `length` (geodesic metres) over the segments inside the city."""
    with open(RAW_DIR / "osm_cities/aktau/drive_edges_2026-07.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    seen, inside, metres = set(), 0, 0.0
    city = outline("aktau")
    for row in rows:
        edge = (min(int(row["u"]), int(row["v"])), max(int(row["u"]), int(row["v"])), row["key"])
        if edge in seen:
            continue
        seen.add(edge)
        if shapely.wkt.loads(row["geometry"]).intersects(city):
            inside += 1
            metres += float(row["length"])
    network = read_layer("walking_network").query("city_id == 'aktau'")
    assert len(network) == inside > 1000 and len(seen) < len(rows)
    assert network.to_crs("EPSG:32639").length.sum() == pytest.approx(metres, rel=0.01)
    assert set(network["kind"]) <= {"residential", "secondary", "tertiary", "primary", "unclassified",
                                    "secondary_link", "tertiary_link", "primary_link"}
    for layer_id in ("footways", "cycleways", "health_facilities", "schools"):
        assert read_layer(layer_id).query("city_id == 'aktau'").empty  # a drive network holds none of them


def test_a_drive_network_is_labelled_and_its_walking_figures_stay_unknown():
    from components import data
    from geo.indicators import MOBILITY_INDICATORS, latest_values
    latest = latest_values(data.city_values("aktau")).set_index("indicator_id")
    for indicator_id in MOBILITY_INDICATORS:  # footways and cycleways were never in the data: unknown, not 0
        assert pd.isna(latest.loc[indicator_id, "value"])
        assert latest.loc[indicator_id, "note_key"] == "note.drive_network_only"
    layers = {layer.spec.id: layer for layer in data.city_map_layers("aktau", "en")}
    assert "drive network only" in layers["walking_network"].credit
    assert "July 2026" in layers["walking_network"].credit


def test_figure_cards_tooltips_and_the_dossier_name_the_data_counted_for_each_city():
    from components import data
    from geo.cities import get_city
    from geo.dossier import CityEntries, build_dossier
    from geo.indicators import latest_values
    from geo.provenance import described_source
    almaty = data.city_figures_table("almaty").set_index("indicator_id")
    source = almaty.loc["health_facilities_osm", "source"]
    assert source == "OpenStreetMap extract of Almaty as of March 2012 (github aliilyas/osm)"
    card = described_source(get_city("almaty"), source, "en")
    assert "March 2012" in card and "CC BY-SA 2.0" in card and "dated" in card
    astana = data.city_figures_table("astana").set_index("indicator_id").loc["health_facilities_osm", "source"]
    assert "10 July 2026" in astana and "dated" not in described_source(get_city("astana"), astana, "en")
    schools = {layer.spec.id: layer for layer in data.city_map_layers("astana", "en")}["schools"]
    assert dict(schools.tooltip)["provenance"] == "Data"
    assert set(schools.frame["provenance"]) == {"© OpenStreetMap contributors (ODbL 1.0), July 2026"}
    dossier = build_dossier(get_city("almaty"), latest_values(data.city_values("almaty")), data.all_values(),
                            CityEntries(), "ru")
    annex = " ".join(dossier.sources)
    assert "март 2012" in annex and "устаревшие данные" in annex
