"""Read the embedded dataset (data/embedded/), validated against the layer registry."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.air import MEASUREMENT_COLUMNS, OFFICIAL_COLUMNS, STATION_CHECK_COLUMNS
from geo.errors import DataMissingError, LayerValidationError
from geo.layers import get_layer_spec, validate_layer
from geo.paths import EMBEDDED_DIR
from geo.regional import REGIONAL_COLUMNS
from geo.water import KZ_LIMIT_COLUMNS, SURFACE_WATER_COLUMNS


def _path(name: str, embedded_dir: Path) -> Path:
    path = embedded_dir / name
    if not path.exists():
        raise DataMissingError(f"embedded file {path} is missing; rebuild it with `python -m geo.build`")
    return path


def read_layer(layer_id: str, embedded_dir: Path = EMBEDDED_DIR) -> gpd.GeoDataFrame:
    """Every city's features of one embedded layer, checked against the registry (the app reads layers
    through geo.layerstore, which is seeded from these files)."""
    spec = get_layer_spec(layer_id)
    return validate_layer(gpd.read_parquet(_path(f"{layer_id}.parquet", embedded_dir)), spec)


TABLE_COLUMNS = {
    "air_daily": MEASUREMENT_COLUMNS,
    "air_station_years": ["station_id", "year", "mean", "valid_hours", "flagged_hours", "complete", "band", "pollutant",
                          "city_id"],
    "air_hourly_profile": ["season", "hour", "mean", "n_hours", "city_id", "pollutant"],
    "air_hourly_qc": ["city_id", "station_id", "year", "flag", "hours"],
    "air_station_checks": STATION_CHECK_COLUMNS,
    "regional_stats": REGIONAL_COLUMNS,
    "official_air": OFFICIAL_COLUMNS,
    "surface_water": SURFACE_WATER_COLUMNS,
    "kz_water_limits": KZ_LIMIT_COLUMNS,
}


def read_table(name: str, embedded_dir: Path = EMBEDDED_DIR) -> pd.DataFrame:
    """An embedded table (air measurements and their summaries), checked for its columns."""
    if name not in TABLE_COLUMNS:
        raise LayerValidationError(f"unknown table {name!r}; known tables: {', '.join(TABLE_COLUMNS)}")
    table = pd.read_parquet(_path(f"{name}.parquet", embedded_dir))
    missing = [c for c in TABLE_COLUMNS[name] if c not in table.columns]
    if missing:
        raise LayerValidationError(f"{name}: missing column(s) {', '.join(missing)}")
    return table


def read_manifest(embedded_dir: Path = EMBEDDED_DIR) -> dict:
    """Row counts and date ranges the build recorded."""
    return json.loads(_path("manifest.json", embedded_dir).read_text(encoding="utf-8"))
