"""Read the embedded dataset (data/embedded/), validated against the layer registry."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.air import PM25_DAILY_COLUMNS
from geo.errors import DataMissingError, LayerValidationError
from geo.layers import get_layer_spec, validate_layer
from geo.paths import EMBEDDED_DIR


def _path(name: str, embedded_dir: Path) -> Path:
    path = embedded_dir / name
    if not path.exists():
        raise DataMissingError(f"embedded file {path} is missing; rebuild it with `python -m geo.build`")
    return path


def read_layer(layer_id: str, embedded_dir: Path = EMBEDDED_DIR) -> gpd.GeoDataFrame:
    """Every city's features of one layer, checked against the registry."""
    spec = get_layer_spec(layer_id)
    return validate_layer(gpd.read_parquet(_path(f"{layer_id}.parquet", embedded_dir)), spec)


def read_pm25_daily(embedded_dir: Path = EMBEDDED_DIR) -> pd.DataFrame:
    """Daily PM2.5 means (µg/m³) of every city that has a city-level series."""
    daily = pd.read_parquet(_path("pm25_daily.parquet", embedded_dir))
    missing = [c for c in PM25_DAILY_COLUMNS if c not in daily.columns]
    if missing:
        raise LayerValidationError(f"pm25_daily: missing column(s) {', '.join(missing)}")
    return daily


def read_manifest(embedded_dir: Path = EMBEDDED_DIR) -> dict:
    """Row counts and date ranges the build recorded."""
    return json.loads(_path("manifest.json", embedded_dir).read_text(encoding="utf-8"))
