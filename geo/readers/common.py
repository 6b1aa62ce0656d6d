"""What every reader shares: refusing with a problem, UTF-8 text, the limits and inert text of a frame as a
reader gave it, and the CRS of a file (declared or its own) made WGS84."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import ImportRejected
from geo.layers import STORAGE_CRS
from geo.problems import MAX_LISTED, Limits, Problem, text_problems

EARTH_RADIUS_RANGE_M = (6_350_000, 6_400_000)  # an ellipsoid outside this is another body's (Mars, the Moon)


def refuse(code: str, **params) -> ImportRejected:
    """The file refused for one problem."""
    return ImportRejected([Problem(code, params)])


def megabytes(size: int) -> int:
    return round(size / 1e6)


def decode_text(content: bytes) -> str:
    """UTF-8 text (a BOM allowed); UTF-16 and other encodings refused, saying which line broke."""
    head = content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or max(head[0::2].count(0), head[1::2].count(0)) > len(head) / 8:
        raise refuse("utf16")  # a BOM, or every other byte NUL: UTF-16 text (a stray NUL is found later)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse("not_utf8", line=content[:exc.start].count(b"\n") + 1) from None



def check_frame(frame: gpd.GeoDataFrame, limits: Limits) -> None:
    """Limits and inert text for a frame as any reader gave it: rows, columns, text cells, geometries."""
    if len(frame) > limits.rows:
        raise refuse("too_many_rows", count=len(frame), limit=limits.rows)
    if frame.shape[1] > limits.columns:
        raise refuse("too_many_columns", count=frame.shape[1], limit=limits.columns)
    problems: list[Problem] = []
    for column in frame.columns.drop(frame.geometry.name):
        for i, value in enumerate(frame[column].to_numpy()):
            if isinstance(value, str):
                problems.extend(text_problems(value, i + 1, str(column), limits))
            elif isinstance(value, (list, dict, np.ndarray)):
                problems.append(Problem("not_text", {"row": i + 1, "column": str(column)}))
            elif isinstance(value, float) and math.isinf(value):
                problems.append(Problem("not_finite", {"row": i + 1, "column": str(column), "value": str(value)}))
    geometry = frame.geometry.to_numpy()
    present = ~pd.isna(geometry)
    counts = np.zeros(len(geometry), dtype=np.int64)
    counts[present] = shapely.get_num_coordinates(geometry[present])
    for i in np.flatnonzero(counts > limits.vertices)[:MAX_LISTED]:
        problems.append(Problem("too_many_vertices", {"row": int(i) + 1, "count": int(counts[i]),
                                                      "limit": limits.vertices}))
    coordinates, index = shapely.get_coordinates(geometry[present], return_index=True)
    rows = np.flatnonzero(present)[index[~np.isfinite(coordinates).all(axis=1)]]
    for i in np.unique(rows)[:MAX_LISTED]:
        problems.append(Problem("not_finite", {"row": int(i) + 1, "column": "geometry", "value": "NaN/Infinity"}))
    if problems:
        problems.sort(key=lambda p: p.params.get("row", 0))
        raise ImportRejected(problems[:MAX_LISTED])


def parse_crs(text: str) -> CRS:
    try:
        crs = CRS.from_user_input(text)
    except (CRSError, ValueError, TypeError):
        raise refuse("bad_crs", crs=text[:80]) from None
    require_earth(crs, text)
    return crs


def require_earth(crs: CRS, text: str) -> None:
    ellipsoid = crs.ellipsoid
    if ellipsoid is None or not EARTH_RADIUS_RANGE_M[0] <= ellipsoid.semi_major_metre <= EARTH_RADIUS_RANGE_M[1]:
        raise refuse("not_earth_crs", crs=text[:80])


def to_wgs84(frame: gpd.GeoDataFrame, declared_crs: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        if not declared_crs:
            raise refuse("no_crs")
        frame = frame.set_crs(parse_crs(declared_crs))
    require_earth(frame.crs, frame.crs.to_string())
    try:
        projected = frame.to_crs(STORAGE_CRS)
    except (CRSError, pyproj.exceptions.ProjError, ValueError):
        raise refuse("bad_crs", crs=frame.crs.to_string()[:80]) from None
    coordinates, index = shapely.get_coordinates(projected.geometry.to_numpy(), return_index=True)
    outside = (np.abs(coordinates[:, 0]) > 180) | (np.abs(coordinates[:, 1]) > 90) | ~np.isfinite(coordinates).all(1)
    problems = []
    for i in np.unique(index[outside])[:MAX_LISTED]:
        x, y = coordinates[np.flatnonzero(index == i)[0]]
        problems.append(Problem("out_of_range", {"row": int(i) + 1, "lon": round(float(x), 4),
                                                 "lat": round(float(y), 4)}))
    if problems:
        raise ImportRejected(problems)
    return projected


