"""CSV: a table of text checked row by row (field counts, unique headers, limits before decoding); points from
lon/lat columns or geometries from a WKT column."""
from __future__ import annotations

import csv
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import ImportRejected
from geo.layers import STORAGE_CRS
from geo.problems import MAX_LISTED, Limits, Problem
from geo.readers.common import decode_text, parse_crs, refuse

LON_NAMES = ("lon", "lng", "long", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")


def read_csv_table(content: bytes, limits: Limits) -> pd.DataFrame:
    """A CSV file as a table of text, each row checked to have the header's number of fields, the header's
    names unique (ignoring case and spaces), columns and rows within limits before anything is decoded."""
    text = decode_text(content)
    first_line = text.split("\n", 1)[0]
    if first_line.count(",") + 1 > limits.columns:
        raise refuse("too_many_columns", count=first_line.count(",") + 1, limit=limits.columns)
    if text.count("\n") > limits.rows + 1:
        raise refuse("too_many_rows", count=text.count("\n") - 1, limit=limits.rows)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise refuse("malformed", format="CSV", detail=str(exc)[:160]) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise refuse("empty_file")
    header, body = [c.strip() for c in rows[0]], rows[1:]
    seen: dict[str, str] = {}
    for name in header:
        if name.lower() in seen:
            raise refuse("duplicate_column", column=name, other=seen[name.lower()])
        seen[name.lower()] = name
    problems = [Problem("wrong_field_count", {"row": i, "found": len(r), "expected": len(header)})
                for i, r in enumerate(body, start=1) if len(r) != len(header)]
    if problems:
        raise ImportRejected(problems[:MAX_LISTED])
    return pd.DataFrame(body, columns=header, dtype=object)


def read_csv_geometries(content: bytes, declared_crs: str, limits: Limits) -> gpd.GeoDataFrame:
    table = read_csv_table(content, limits)
    lower = {c.lower(): c for c in table.columns}
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    wkt = next((lower[n] for n in WKT_NAMES if n in lower), None)
    problems = []
    if lon and lat:
        xs = pd.to_numeric(table[lon].str.strip(), errors="coerce")
        ys = pd.to_numeric(table[lat].str.strip(), errors="coerce")
        for column, values, raw in ((lon, xs, table[lon]), (lat, ys, table[lat])):
            for i in np.flatnonzero(values.isna().to_numpy())[:MAX_LISTED]:
                problems.append(Problem("bad_coordinate", {"row": int(i) + 1, "column": column,
                                                           "value": raw.iloc[i][:40]}))
            for i in np.flatnonzero((values.notna() & ~np.isfinite(values.fillna(0))).to_numpy())[:MAX_LISTED]:
                problems.append(Problem("not_finite", {"row": int(i) + 1, "column": column, "value": raw.iloc[i][:40]}))
        geometry = gpd.points_from_xy(xs.fillna(0), ys.fillna(0))
        crs = declared_crs or STORAGE_CRS  # columns named longitude/latitude are degrees unless declared
        rest = table.drop(columns=[lon, lat])
    elif wkt:
        geometry = shapely.from_wkt(table[wkt].to_numpy(), on_invalid="ignore")
        for i in np.flatnonzero(pd.isna(geometry) & (table[wkt].str.strip() != "").to_numpy())[:MAX_LISTED]:
            problems.append(Problem("bad_wkt", {"row": int(i) + 1, "column": wkt}))
        crs = declared_crs or None
        rest = table.drop(columns=[wkt])
    else:
        raise refuse("no_geometry")
    if problems:
        problems.sort(key=lambda p: p.params.get("row", 0))
        raise ImportRejected(problems)
    frame = gpd.GeoDataFrame(rest, geometry=gpd.GeoSeries(geometry), crs=None)
    if crs:
        frame = frame.set_crs(parse_crs(crs))
    return frame

