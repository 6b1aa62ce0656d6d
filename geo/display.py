"""Prepare a layer for the browser: simplify in metres, reproject to WGS84, trim columns, make JSON-safe."""
from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import shapely

from geo.i18n import format_number
from geo.layers import STORAGE_CRS, LayerSpec

DISPLAY_GRID_DEG = 1e-5  # ~1 m: finer than any screen pixel at street zoom
METRES_PER_DEGREE = 111_000


def display_grid_deg(tolerance_m: float) -> float:
    """Coordinate rounding matched to the simplification: a power of ten no coarser than half the tolerance."""
    if tolerance_m <= 0:
        return DISPLAY_GRID_DEG
    return max(DISPLAY_GRID_DEG, 10 ** math.floor(math.log10(tolerance_m / 2 / METRES_PER_DEGREE)))


def display_frame(gdf: gpd.GeoDataFrame, spec: LayerSpec, metric_crs: str, tolerance_m: float = 0.0, *,
                  lang: str) -> gpd.GeoDataFrame:
    """The only way a layer reaches folium: tooltip columns only (the map credits each layer in its
    attribution control), 2-D geometry simplified in metres, coordinates rounded, numbers written as `lang`
    writes them (unknown: its "no data"), other NaN -> None."""
    columns = list(spec.tooltip)
    out = gdf[columns + [gdf.geometry.name]].copy()
    if tolerance_m > 0 and spec.geometry_types[0] != "Point":
        out = out.to_crs(metric_crs)
        out = out.set_geometry(out.geometry.simplify(tolerance_m, preserve_topology=True))
    out = out.to_crs(STORAGE_CRS)
    out = out.set_geometry(shapely.set_precision(shapely.force_2d(out.geometry.values), display_grid_deg(tolerance_m)))
    for column in columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = values.astype(object)
        elif pd.api.types.is_numeric_dtype(values):
            out[column] = [format_number(v, lang) for v in values]
        else:
            out[column] = [None if pd.isna(v) else str(v) for v in values]
    return out.reset_index(drop=True)
