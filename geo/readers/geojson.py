"""GeoJSON: checked while Python parses it, before GDAL reads it (non-finite numbers, nested properties, text,
feature and vertex counts, nesting depth)."""
from __future__ import annotations

import json
import math
import sys
import unicodedata

import geopandas as gpd

from geo.errors import ImportRejected
from geo.problems import MAX_LISTED, Limits, Problem, text_problems
from geo.readers.common import decode_text, refuse
from geo.readers.ogr import read_ogr


def read_geojson(content: bytes, suffix: str, limits: Limits) -> gpd.GeoDataFrame:
    """A GeoJSON file's features, checked first."""
    check_geojson(decode_text(content), limits)
    return read_ogr(content, suffix, "GeoJSON", limits)


def check_geojson(text: str, limits: Limits) -> None:
    """GeoJSON checked while Python parses it, before GDAL does: non-finite numbers (NaN, Infinity, 1e400),
    property values that are lists or objects, text too long, too many features or vertices."""
    problems: list[Problem] = []
    try:
        document = json.loads(text)  # NaN and Infinity become floats, found below with their row and column
    except RecursionError:  # nesting deeper than the parser's stack: said as such, GDAL never sees it
        raise refuse("nested_too_deep", limit=sys.getrecursionlimit()) from None
    except ValueError:
        raw = next((i for i, c in enumerate(text) if unicodedata.category(c) == "Cc" and c not in "\t\n\r"), None)
        if raw is not None:  # GDAL would read past it, cutting the text at a NUL: refused here, by its line
            raise ImportRejected([Problem("raw_control_character", {"line": text.count("\n", 0, raw) + 1,
                                                                     "code": f"U+{ord(text[raw]):04X}"})])
        return  # not JSON at all: GDAL says where it breaks ("malformed")
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        return
    if len(features) > limits.rows:
        raise refuse("too_many_rows", count=len(features), limit=limits.rows)
    for row, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties") or {}
        if len(properties) > limits.columns:
            raise refuse("too_many_columns", count=len(properties), limit=limits.columns)
        for column, value in properties.items() if isinstance(properties, dict) else ():
            if isinstance(value, (list, dict)):
                problems.append(Problem("not_text", {"row": row, "column": column}))
            elif isinstance(value, float) and not math.isfinite(value):
                problems.append(Problem("not_finite", {"row": row, "column": column, "value": str(value)}))
            elif isinstance(value, str):
                problems.extend(text_problems(value, row, column, limits))
        coordinates = _coordinates(feature.get("geometry"))
        if len(coordinates) > limits.vertices:
            problems.append(Problem("too_many_vertices", {"row": row, "count": len(coordinates),
                                                          "limit": limits.vertices}))
        elif any(not (isinstance(c, (int, float)) and math.isfinite(c)) for c in coordinates):
            problems.append(Problem("not_finite", {"row": row, "column": "geometry", "value": "NaN/Infinity"}))
        if len(problems) > MAX_LISTED:
            break
    if problems:
        raise ImportRejected(problems)


def _coordinates(geometry) -> list:
    """Every number in a GeoJSON geometry's coordinates (of a collection's parts too)."""
    if not isinstance(geometry, dict):
        return []
    if isinstance(geometry.get("geometries"), list):
        return [c for part in geometry["geometries"] for c in _coordinates(part)]
    found, stack = [], [geometry.get("coordinates")]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif item is not None:
            found.append(item)
    return found

