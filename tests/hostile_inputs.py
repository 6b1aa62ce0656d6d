"""A second corpus of hostile files, made as an attacker would (issue 11), beside the first one in test_imports.py:
each entry is (case, file name, content, layer, expected problem code, extra import arguments). Built in memory,
small; the bounded resource cases (Parquet decoding to millions of rows, a million-column CSV) are here too and
also measured by benchmarks/bench_import_limits.py."""
from __future__ import annotations

import io
import json
import struct
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

INSIDE = (74.60, 42.87)  # central Bishkek
DISTRICT_RING = [[74.55, 42.85], [74.62, 42.85], [74.62, 42.9], [74.55, 42.85]]


def geojson_text(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True)


def facility(lon=INSIDE[0], lat=INSIDE[1], **props) -> dict:
    props = {"osm_id": "node/1", "name": "Clinic", "facility_type": "clinic", **props}
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def district(**props) -> dict:
    return {"type": "Feature", "properties": {"district_id": "d1", "name": "A", **props},
            "geometry": {"type": "Polygon", "coordinates": [DISTRICT_RING]}}


def shapefile_members(count: int = 1, stem: str = "clinics") -> dict[str, bytes]:
    frame = gpd.GeoDataFrame({"osm_id": [f"node/{i}" for i in range(count)], "name": ["Dom"] * count,
                              "type": ["clinic"] * count},  # .dbf column names have at most 10 characters
                             geometry=[shapely.Point(INSIDE[0] + i * 0.001, INSIDE[1]) for i in range(count)],
                             crs="EPSG:4326")
    with tempfile.TemporaryDirectory() as folder:
        frame.to_file(Path(folder) / f"{stem}.shp")
        return {p.name: p.read_bytes() for p in Path(folder).iterdir()}


def zipped(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def mismatched_shapefile() -> bytes:
    """5 shapes in .shp/.shx, but a .dbf that says (and holds) 3 records."""
    five, three = shapefile_members(5), shapefile_members(3)
    return zipped({**five, "clinics.dbf": three["clinics.dbf"]})


def two_same_named_shapefiles() -> bytes:
    first, second = shapefile_members(1), shapefile_members(2)
    return zipped({**{f"north/{n}": b for n, b in first.items()}, **{f"south/{n}": b for n, b in second.items()}})


def with_flag_bits(archive_bytes: bytes, flag: int = 0, compress_type: int | None = None) -> bytes:
    """The zip with the first member's header flags (e.g. 0x1: encrypted) or compression method (9: Deflate64)
    rewritten in both its local and central headers, as another zip tool would have written them."""
    data = bytearray(archive_bytes)
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    for offset, flag_at, method_at in ((local, 6, 8), (central, 8, 10)):
        if flag:
            struct.pack_into("<H", data, offset + flag_at, struct.unpack_from("<H", data, offset + flag_at)[0] | flag)
        if compress_type is not None:
            struct.pack_into("<H", data, offset + method_at, compress_type)
    return bytes(data)


def two_layer_geopackage() -> bytes:
    frame = gpd.GeoDataFrame({"osm_id": ["node/1"], "name": ["A"], "facility_type": ["clinic"]},
                             geometry=[shapely.Point(*INSIDE)], crs="EPSG:4326")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "two.gpkg"
        frame.to_file(path, layer="clinics", driver="GPKG")
        frame.to_file(path, layer="pharmacies", driver="GPKG")
        return path.read_bytes()


def parquet_bomb(rows: int = 4_000_000) -> bytes:
    """A small GeoParquet file whose rows decode to gigabytes: one repeated point, dictionary-encoded."""
    point = shapely.to_wkb(shapely.Point(*INSIDE))
    table = pa.table({"osm_id": pa.array(["node/1"] * rows).dictionary_encode(),
                      "geometry": pa.array([point] * rows, pa.binary()).dictionary_encode()})
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}}}
    table = table.replace_schema_metadata({b"geo": json.dumps(geo).encode()})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def broken_geoparquet_metadata() -> bytes:
    table = pa.Table.from_pandas(pd.DataFrame({"osm_id": ["node/1"], "geometry": [shapely.to_wkb(shapely.Point(*INSIDE))]}))
    table = table.replace_schema_metadata({b"geo": b'{"primary_column": "geometry", "columns": ["not", "a", "map"]}'})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def million_columns_csv(columns: int = 1_000_000) -> bytes:
    header = "lon,lat," + ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + "74.6,42.87" + ",x" * columns + "\n").encode()


FACILITY_CSV_HEADER = "lon,lat,osm_id,name,facility_type\n"

# (case, file name, content, layer, expected problem code, extra import arguments)
CORPUS = [
    ("NaN coordinates", "nan.geojson", geojson_text([facility(float("nan"), 42.87)]).encode(),
     "health_facilities", "not_finite", {}),
    ("Infinity coordinates", "inf.geojson", geojson_text([facility(float("inf"), 42.87)]).encode(),
     "health_facilities", "not_finite", {}),
    ("NaN in a polygon", "nanpoly.geojson", geojson_text([{**district(), "geometry": {"type": "Polygon", "coordinates": [
        [[74.55, 42.85], [float("nan"), 42.85], [74.62, 42.9], [74.55, 42.85]]]}}]).encode(), "districts",
     "not_finite", {}),
    ("NaN coordinate in a CSV", "nan.csv", (FACILITY_CSV_HEADER + "NaN,42.87,n/1,A,clinic\n").encode(),
     "health_facilities", "bad_coordinate", {}),
    ("non-Earth coordinate system", "mars.csv", b'wkt,osm_id,facility_type\n"POINT (74.6 42.87)",n/1,clinic\n',
     "health_facilities", "not_earth_crs", {"declared_crs": "IAU_2015:49900"}),
    ("nonsense coordinate system", "nonsense.csv", b'wkt,osm_id,facility_type\n"POINT (74.6 42.87)",n/1,clinic\n',
     "health_facilities", "bad_crs", {"declared_crs": "+proj=nonsense +lat_0=x"}),
    ("name given as a JSON array", "array.geojson", geojson_text([facility(name=["Clinic", "Hospital"])]).encode(),
     "health_facilities", "not_text", {}),
    ("name given as a JSON object", "object.geojson", geojson_text([facility(name={"ru": "Клиника"})]).encode(),
     "health_facilities", "not_text", {}),
    ("a number of 1e400", "huge.geojson", geojson_text([district(population=1)]).replace(
        '"population": 1', '"population": 1e400').encode(), "districts", "not_finite", {}),
    ("population Infinity", "infpop.geojson", geojson_text([district(population=float("inf"))]).encode(),
     "districts", "not_finite", {}),
    ("2.7 hours for a count", "hours.csv", ("lon,lat,station_id,station_name,provider,first_hour,last_hour,n_hours,"
     "placeholder_coordinate\n74.6,42.87,s1,S,P,2024-01-01,2024-02-01,2.7,no\n").encode(), "air_stations",
     "not_an_integer", {}),
    ("1e20 hours for a count", "bighours.csv", ("lon,lat,station_id,station_name,provider,first_hour,last_hour,n_hours,"
     "placeholder_coordinate\n74.6,42.87,s1,S,P,2024-01-01,2024-02-01,1e20,no\n").encode(), "air_stations",
     "not_an_integer", {}),
    ("longitude 434.6", "wrapped.csv", (FACILITY_CSV_HEADER + "434.6,42.87,n/1,A,clinic\n").encode(),
     "health_facilities", "out_of_range", {}),
    ("latitude 100", "lat100.geojson", geojson_text([facility(74.6, 100.0)]).encode(), "health_facilities",
     "out_of_range", {}),
    ("NUL byte in a name", "nul.geojson", geojson_text([facility(name="Clinic\u0000 No. 4")]).encode(),
     "health_facilities", "control_character", {}),
    ("control character in a CSV name", "bell.csv", (FACILITY_CSV_HEADER + "74.6,42.87,n/1,Clinic\x07,clinic\n")
     .encode(), "health_facilities", "control_character", {}),
    ("a 10 MB name", "longname.geojson", geojson_text([facility(name="A" * 10_000_000)]).encode(),
     "health_facilities", "text_too_long", {}),
    ("UTF-16 CSV", "utf16.csv", (FACILITY_CSV_HEADER + "74.6,42.87,n/1,A,clinic\n").encode("utf-16"),
     "health_facilities", "utf16", {}),
    ("UTF-16 CSV without a BOM", "utf16le.csv", (FACILITY_CSV_HEADER + "74.6,42.87,n/1,A,clinic\n")
     .encode("utf-16-le"), "health_facilities", "utf16", {}),
    ("CSV row with extra fields", "extra.csv", (FACILITY_CSV_HEADER + "74.6,42.87,n/1,A,clinic,surplus,more\n")
     .encode(), "health_facilities", "wrong_field_count", {}),
    ("CSV row with missing fields", "short.csv", (FACILITY_CSV_HEADER + "74.6,42.87,n/1\n").encode(),
     "health_facilities", "wrong_field_count", {}),
    ("CSV with the same column twice", "twice.csv", b"lon,lat,osm_id,Name,name,facility_type\n"
     b"74.6,42.87,n/1,A,B,clinic\n", "health_facilities", "duplicate_column", {}),
    ("million-column CSV", "wide.csv", million_columns_csv(), "health_facilities", "too_many_columns", {}),
    ("Parquet decoding to 4 million rows", "bomb.parquet", parquet_bomb(), "health_facilities", "too_many_rows", {}),
    ("broken GeoParquet metadata", "brokengeo.parquet", broken_geoparquet_metadata(), "health_facilities",
     "malformed", {}),
    ("Shapefile whose .dbf and .shp disagree", "mismatch.zip", mismatched_shapefile(), "health_facilities",
     "shapefile_parts_disagree", {}),
    ("two Shapefiles of the same name", "twins.zip", two_same_named_shapefiles(), "health_facilities",
     "zip_ambiguous", {}),
    ("two differently named Shapefiles", "pair.zip", zipped({**shapefile_members(1, "clinics"),
                                                             **shapefile_members(1, "schools")}),
     "health_facilities", "zip_ambiguous", {}),
    ("encrypted zip member", "locked.zip", with_flag_bits(zipped(shapefile_members()), flag=0x1),
     "health_facilities", "zip_unsupported", {}),
    ("Deflate64 zip member", "deflate64.zip", with_flag_bits(zipped(shapefile_members()), compress_type=9),
     "health_facilities", "zip_unsupported", {}),
    ("GeoPackage with two layers", "two.gpkg", two_layer_geopackage(), "health_facilities", "several_layers", {}),
]

WATER_HEADER = "site_id,site_name,lon,lat,date,parameter,value,unit\n"

# (case, content, expected words in a problem) for the anonymous water-file check
WATER_CORPUS = [
    ("value and Value columns", b"site_id,site_name,lon,lat,date,parameter,value,Value,unit\n"
     b"W1,Well,72.8,40.5,2024-05-01,arsenic,5,6,ug/L\n", "appears twice"),
    ("row with extra fields", (WATER_HEADER + "W1,Well,72.8,40.5,2024-05-01,arsenic,5,ug/L,extra\n").encode(),
     "9 fields"),
    ("first row with extra fields", (WATER_HEADER + "W1,Well,72.8,40.5,2024-05-01,arsenic,5,ug/L,x,y\n"
                                     "W2,Well,72.8,40.5,2024-05-01,arsenic,5,ug/L\n").encode(), "10 fields"),
    ("dates with mixed time zones", (WATER_HEADER + "W1,Well,72.8,40.5,2024-05-01T10:00+06:00,arsenic,5,ug/L\n"
                                     "W2,Well,72.8,40.5,2024-05-02T10:00Z,arsenic,5,ug/L\n"
                                     "W3,Well,72.8,40.5,2024-05-03,arsenic,5,ug/L\n").encode(), None),
    ("a sample dated 2150", (WATER_HEADER + "W1,Well,72.8,40.5,2150-05-01,arsenic,5,ug/L\n").encode(), "future"),
    ("1e308 mg/L", (WATER_HEADER + "W1,Well,72.8,40.5,2024-05-01,nitrate,1e308,mg/L\n").encode(), "implausible"),
    ("NUL byte in a site name", (WATER_HEADER + "W1,Well\x00 4,72.8,40.5,2024-05-01,arsenic,5,ug/L\n").encode(),
     "control character"),
    ("UTF-16 file", (WATER_HEADER + "W1,Well,72.8,40.5,2024-05-01,arsenic,5,ug/L\n").encode("utf-16"), "UTF-16"),
    ("100,000 columns", million_columns_csv(100_000), "columns"),
    ("too many rows for an anonymous check", (WATER_HEADER + "W1,Well,72.8,40.5,2024-05-01,arsenic,5,ug/L\n" * 30_000)
     .encode(), "rows"),
]
