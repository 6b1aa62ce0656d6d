"""Reading a user's file, one module per format as geopandas does (GeoJSON, GeoPackage, zipped Shapefile,
GeoParquet, CSV with lon/lat or WKT): the file's features with their own columns in WGS84, or ImportRejected
saying every problem and where. Limits are checked as early as each format allows."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo.errors import ImportRejected
from geo.problems import EDITOR_LIMITS, Limits, unexpected_problem
from geo.readers.common import check_frame, megabytes, refuse, to_wgs84
from geo.readers.csv_table import read_csv_geometries
from geo.readers.geojson import read_geojson
from geo.readers.ogr import read_ogr
from geo.readers.parquet import read_parquet
from geo.readers.shapefile import read_zipped_shapefile

FORMATS = (".geojson", ".json", ".gpkg", ".zip", ".parquet", ".geoparquet", ".csv")


def read_file(name: str, content: bytes, declared_crs: str = "", limits: Limits | None = None) -> gpd.GeoDataFrame:
    """The file's features with their own columns, in WGS84; ImportRejected saying why not (never another
    error: one that no check foresaw becomes an "unexpected" problem with a reference, logged). `limits`:
    EDITOR_LIMITS unless said."""
    try:
        return _read_file(name, content, declared_crs, limits or EDITOR_LIMITS)
    except ImportRejected:
        raise
    except Exception as exc:  # every library's own error, turned into a problem; the log has the traceback
        raise ImportRejected([unexpected_problem(exc, f"reading {name!r}")]) from None


def _read_file(name: str, content: bytes, declared_crs: str, limits: Limits) -> gpd.GeoDataFrame:
    if len(content) > limits.upload_bytes:
        raise refuse("too_large", size_mb=megabytes(len(content)), limit_mb=megabytes(limits.upload_bytes))
    if not content.strip():
        raise refuse("empty_file")
    suffix = Path(name.lower()).suffix
    if suffix not in FORMATS:
        raise refuse("unknown_format", name=name)
    if suffix == ".csv":
        frame = read_csv_geometries(content, declared_crs, limits)
    elif suffix in (".parquet", ".geoparquet"):
        frame = read_parquet(content, limits)
    elif suffix == ".zip":
        frame = read_zipped_shapefile(content, limits)
    elif suffix == ".gpkg":
        frame = read_ogr(content, suffix, "GeoPackage", limits)
    else:
        frame = read_geojson(content, suffix, limits)
    if frame.empty:
        raise refuse("empty_file")
    check_frame(frame, limits)
    return to_wgs84(frame, declared_crs)

