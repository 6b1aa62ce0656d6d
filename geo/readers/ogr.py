"""Files GDAL reads (GeoPackage, GeoJSON, Shapefile) through pyogrio, with the feature and field counts checked
before any feature is read, and GDAL's own errors said as "malformed" without the server's paths."""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.errors import ImportRejected
from geo.problems import Limits
from geo.readers.common import refuse


def read_ogr(content: bytes, suffix: str, format_name: str, limits: Limits) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return read_path(path, format_name, limits)


def read_path(path: Path, format_name: str, limits: Limits) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():  # GDAL's warnings about a broken file: the error below says it
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(path)
            if len(layers) > 1:
                raise refuse("several_layers", count=len(layers), names=", ".join(str(n) for n, _ in layers[:10]))
            info = pyogrio.read_info(path, force_feature_count=True)
            if info["features"] > limits.rows:
                raise refuse("too_many_rows", count=int(info["features"]), limit=limits.rows)
            if len(info["fields"]) > limits.columns:
                raise refuse("too_many_columns", count=len(info["fields"]), limit=limits.columns)
            return pyogrio.read_dataframe(path, on_invalid="ignore")
    except ImportRejected:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, FieldError, ValueError...
        detail = str(exc).replace(str(path.parent) + "/", "").replace(str(path), path.name).splitlines()[0][:160]
        raise refuse("malformed", format=format_name, detail=detail) from None

