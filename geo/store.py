"""Read the embedded dataset (data/embedded/), validated against the layer registry."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.air import MEASUREMENT_COLUMNS
from geo.errors import DataMissingError, LayerValidationError
from geo.layers import STORAGE_CRS, get_layer_spec, validate_layer
from geo.paths import EMBEDDED_DIR, USER_DIR

FACILITY_TYPES = ("hospital", "clinic", "doctors", "dentist", "pharmacy")


def _path(name: str, embedded_dir: Path) -> Path:
    path = embedded_dir / name
    if not path.exists():
        raise DataMissingError(f"embedded file {path} is missing; rebuild it with `python -m geo.build`")
    return path


def user_dir() -> Path:
    """Where layers a city fetched or imported are kept: $ATLAS_USER_DIR, else data/user/."""
    return Path(os.environ.get("ATLAS_USER_DIR") or USER_DIR)


def read_layer(layer_id: str, embedded_dir: Path = EMBEDDED_DIR) -> gpd.GeoDataFrame:
    """Every city's features of one layer, checked against the registry: the embedded rows, with a city's
    own fetched or imported layer (if any) in place of its embedded rows."""
    spec = get_layer_spec(layer_id)
    embedded = validate_layer(gpd.read_parquet(_path(f"{layer_id}.parquet", embedded_dir)), spec)
    folder = user_dir() / layer_id
    own = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not own:
        return embedded
    parts = [validate_layer(gpd.read_parquet(path), spec) for path in own]
    replaced = {path.stem for path in own}
    kept = embedded[~embedded["city_id"].isin(replaced)]
    return gpd.GeoDataFrame(pd.concat([kept, *parts], ignore_index=True), crs=STORAGE_CRS)


def write_city_layers(city_id: str, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, int]:
    """Keep a city's own OSM layers (fetched or imported). Every layer is validated before anything is
    written, and each file replaces the old one atomically, so a rejected set leaves the store as it was."""
    ready = {}
    for layer_id, frame in layers.items():
        spec = get_layer_spec(layer_id)
        frame = frame.assign(city_id=city_id)
        if layer_id == "health_facilities":
            frame = frame.assign(facility_type=frame["kind"].where(frame["kind"].isin(FACILITY_TYPES),
                                                                   "other health facility"))
        columns = list(spec.columns)
        ready[layer_id] = validate_layer(gpd.GeoDataFrame(frame[columns], geometry=frame.geometry,
                                                          crs=STORAGE_CRS).reset_index(drop=True), spec)
    for layer_id, frame in ready.items():
        folder = user_dir() / layer_id
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
            temporary = Path(handle.name)
        try:
            frame.to_parquet(temporary, index=False)
            os.replace(temporary, folder / f"{city_id}.parquet")
        finally:
            temporary.unlink(missing_ok=True)
    return {layer_id: len(frame) for layer_id, frame in ready.items()}


TABLE_COLUMNS = {
    "air_daily": MEASUREMENT_COLUMNS,
    "air_station_years": ["station_id", "year", "mean", "valid_hours", "flagged_hours", "complete", "band", "city_id"],
    "air_hourly_profile": ["season", "hour", "mean", "n_hours", "city_id", "pollutant"],
    "air_hourly_qc": ["city_id", "station_id", "year", "flag", "hours"],
    "regional_stats": ["indicator_id", "area", "year", "value"],
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
