"""Prepare a layer for the browser: simplify in metres, reproject to WGS84, trim columns, make JSON-safe."""
from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import shapely

from geo.layers import STORAGE_CRS, LayerSpec

DISPLAY_GRID_DEG = 1e-5  # ~1 m: finer than any screen pixel at city zoom


def display_frame(gdf: gpd.GeoDataFrame, spec: LayerSpec, metric_crs: str,
                  tolerance_m: float = 0.0) -> gpd.GeoDataFrame:
    """The only way a layer reaches folium: tooltip columns plus attribution, numbers rounded, NaN -> None."""
    columns = list(dict.fromkeys((*spec.tooltip, "source", "licence")))
    out = gdf[columns + [gdf.geometry.name]].copy()
    if tolerance_m > 0 and spec.geometry_types[0] != "Point":
        out = out.to_crs(metric_crs)
        out = out.set_geometry(out.geometry.simplify(tolerance_m, preserve_topology=True))
    out = out.to_crs(STORAGE_CRS)
    out = out.set_geometry(shapely.set_precision(out.geometry.values, DISPLAY_GRID_DEG))
    for column in columns:
        values = out[column]
        if pd.api.types.is_float_dtype(values):
            out[column] = [None if v is None or math.isnan(v) else round(float(v), 1) for v in values]
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
            out[column] = values.astype(object)
        else:
            out[column] = [None if pd.isna(v) else str(v) for v in values]
    return out.reset_index(drop=True)
