"""Checking a file's features as a city's layer: columns mapped to the registry's, values and geometries
checked, safe geometry repairs made and reported, features far outside the city and duplicates found. The file
is read by geo.readers; geo.writes.import_file checks with this and stores only what passes.

Hostile input is harmless: text is kept as text (maps escape it, CSV exports neutralise formulas).
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.cities import City
from geo.errors import ImportRejected
from geo.layers import STORAGE_CRS, get_layer_spec
from geo.problems import EDITOR_LIMITS, MAX_LISTED, Problem, text_problems, unexpected_problem

OUTSIDE_TOLERANCE_M = 1000.0  # features up to 1 km outside the city's boundary are accepted (edge facilities)
ROW_NUMBERING = "__row__"  # a column mapping that numbers the rows instead (ids a file does not have)
AUTO_COLUMNS = ("city_id", "source", "licence")  # filled by the import itself


@dataclass
class Prepared:
    """A checked import: the layer as it would be stored, the repairs made, and the problems (empty: ready)."""
    frame: gpd.GeoDataFrame
    problems: list[Problem]
    repairs: list[Problem]


# -- checking -----------------------------------------------------------------------------------------------
def default_mapping(frame: gpd.GeoDataFrame, layer_id: str) -> dict[str, str]:
    """Registry column -> file column, matched by name (case-insensitive); ids a file lacks are numbered."""
    spec = get_layer_spec(layer_id)
    lower = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    mapping = {}
    for column in spec.columns:
        if column in AUTO_COLUMNS:
            continue
        if column in lower:
            mapping[column] = lower[column]
        elif column.endswith("_id"):
            mapping[column] = ROW_NUMBERING
    return mapping


def prepare(raw: gpd.GeoDataFrame, layer_id: str, city: City, boundary: shapely.Geometry, mapping: dict[str, str],
            source: str, licence: str) -> Prepared:
    """Map the file's columns onto the layer, check every row, repair what is safe; nothing is written. An error
    no check foresaw comes back as an "unexpected" problem (logged with its traceback), never raised."""
    try:
        return _prepare(raw, layer_id, city, boundary, mapping, source, licence)
    except ImportRejected as rejected:
        return Prepared(gpd.GeoDataFrame(geometry=[], crs=STORAGE_CRS), rejected.problems, [])
    except Exception as exc:
        return Prepared(gpd.GeoDataFrame(geometry=[], crs=STORAGE_CRS),
                        [unexpected_problem(exc, f"checking a {layer_id} import for {city.id}")], [])


def _prepare(raw: gpd.GeoDataFrame, layer_id: str, city: City, boundary: shapely.Geometry, mapping: dict[str, str],
             source: str, licence: str) -> Prepared:
    spec = get_layer_spec(layer_id)
    problems: list[Problem] = []
    repairs: list[Problem] = []
    table = pd.DataFrame(index=raw.index)
    for column, column_spec in spec.columns.items():
        if column == "city_id":
            table[column] = city.id
        elif column == "source":
            table[column] = source
        elif column == "licence":
            table[column] = licence.strip() or None
            if not licence.strip():
                problems.append(Problem("missing_column", {"column": column}))
        elif mapping.get(column) == ROW_NUMBERING:
            table[column] = [f"row/{i + 1}" for i in range(len(raw))]
        elif mapping.get(column) in raw.columns:
            table[column] = raw[mapping[column]].to_numpy()
        elif column_spec.required:
            problems.append(Problem("missing_column", {"column": column}))
            table[column] = None
        else:
            table[column] = None
    geometry = raw.geometry.to_numpy()
    keep = np.ones(len(raw), dtype=bool)
    _check_geometry(geometry, spec.geometry_types, problems, repairs, keep)
    _check_values(table, spec, problems)
    _check_outside(geometry, keep, city, boundary, problems)
    _check_duplicates(table, geometry, keep, problems)
    for column, column_spec in spec.columns.items():
        if column_spec.kind == "str":  # ids read as numbers (e.g. OSM ids) are kept as their text
            table[column] = [None if pd.isna(v) else str(v) for v in table[column]]
        elif column_spec.kind == "float":
            table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
        elif column_spec.kind == "int" and not problems:
            table[column] = pd.to_numeric(table[column]).astype("int64")
        elif column_spec.kind == "bool" and not problems:
            table[column] = [_BOOLEANS[str(v).strip().lower()] for v in table[column]]
    frame = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=gpd.GeoSeries(geometry, crs=STORAGE_CRS).values,
                             crs=STORAGE_CRS)
    problems.extend(text_problems(source, 0, "source", EDITOR_LIMITS))  # the file's name is part of the source
    problems.extend(text_problems(licence, 0, "licence", EDITOR_LIMITS))
    problems.sort(key=lambda p: p.params.get("row", 0))  # file-wide problems first, then row by row
    if len(problems) > MAX_LISTED:
        problems = problems[:MAX_LISTED] + [Problem("more", {"count": len(problems) - MAX_LISTED})]
    return Prepared(frame, problems, repairs)


_FAMILY = {"Point": "Point", "MultiPoint": "Point", "LineString": "Line", "MultiLineString": "Line",
           "Polygon": "Polygon", "MultiPolygon": "Polygon"}


def _check_geometry(geometry: np.ndarray, allowed: tuple[str, ...], problems: list[Problem],
                    repairs: list[Problem], keep: np.ndarray) -> None:
    expected = " or ".join(allowed)
    for i, geom in enumerate(geometry):
        row = i + 1
        if geom is None or geom.is_empty:
            problems.append(Problem("empty_geometry", {"row": row}))
            keep[i] = False
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = shapely.make_valid(geom)
            if fixed.geom_type == "GeometryCollection":  # keep the parts of the layer's kind, if any
                parts = [g for g in fixed.geoms if _FAMILY.get(g.geom_type) == _FAMILY.get(allowed[0])]
                fixed = shapely.union_all(parts) if parts else fixed
            if fixed.is_empty or fixed.geom_type not in allowed and not (
                    fixed.geom_type == "Polygon" and "MultiPolygon" in allowed):
                problems.append(Problem("invalid_geometry", {"row": row, "reason": reason}))
                keep[i] = False
                continue
            geometry[i] = fixed
            repairs.append(Problem("repaired", {"row": row, "reason": reason}))
        if geometry[i].geom_type not in allowed:
            problems.append(Problem("wrong_geometry", {"row": row, "found": geometry[i].geom_type,
                                                       "expected": expected}))
            keep[i] = False
        elif geometry[i].has_z:
            geometry[i] = shapely.force_2d(geometry[i])


def _check_values(table: pd.DataFrame, spec, problems: list[Problem]) -> None:
    for column, column_spec in spec.columns.items():
        if column in AUTO_COLUMNS:
            continue
        values = table[column]
        blank = values.isna() | values.astype(str).str.strip().isin(["", "nan", "None"])
        if column_spec.required:
            for i in np.flatnonzero(blank.to_numpy())[:MAX_LISTED]:
                problems.append(Problem("empty_value", {"row": int(i) + 1, "column": column}))
        if column_spec.kind == "bool":
            for i in np.flatnonzero((~blank & ~values.map(_is_boolean)).to_numpy())[:MAX_LISTED]:
                problems.append(Problem("not_a_boolean", {"row": int(i) + 1, "column": column,
                                                          "value": str(values.iloc[i])[:40]}))
            continue
        if column_spec.kind not in ("int", "float"):
            continue
        numbers = pd.to_numeric(values.where(~blank), errors="coerce").astype(float)
        for i in np.flatnonzero((numbers.isna() & ~blank).to_numpy())[:MAX_LISTED]:
            problems.append(Problem("not_a_number", {"row": int(i) + 1, "column": column,
                                                     "value": str(values.iloc[i])[:40]}))
        infinite = np.isinf(numbers.to_numpy())
        for i in np.flatnonzero(infinite)[:MAX_LISTED]:
            problems.append(Problem("not_finite", {"row": int(i) + 1, "column": column,
                                                   "value": str(values.iloc[i])[:40]}))
        numbers = numbers.where(~infinite)
        if column_spec.kind == "int":  # a count: whole, and within what int64 holds exactly
            fractional = numbers.notna() & ((numbers % 1 != 0) | (numbers.abs() > MAX_EXACT_INTEGER))
            for i in np.flatnonzero(fractional.to_numpy())[:MAX_LISTED]:
                problems.append(Problem("not_an_integer", {"row": int(i) + 1, "column": column,
                                                           "value": str(values.iloc[i])[:40]}))
            numbers = numbers.where(~fractional)
        known = numbers.dropna()
        if column_spec.unit == "%" and len(known) and known.max() <= 1 and (known > 0).any():
            problems.append(Problem("fraction_for_percent", {"column": column, "largest": float(known.max())}))
        for limit, code, outside in ((column_spec.min_value, "below_min", numbers < (column_spec.min_value or 0)),
                                     (column_spec.max_value, "above_max", numbers > (column_spec.max_value or 0))):
            if limit is None:
                continue
            for i in np.flatnonzero(outside.to_numpy())[:MAX_LISTED]:
                problems.append(Problem(code, {"row": int(i) + 1, "column": column, "value": numbers.iloc[i],
                                               "limit": limit, "unit": column_spec.unit}))


MAX_EXACT_INTEGER = 2 ** 53  # larger counts lose digits as floats and are no real count of anything here
_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False, "1.0": True, "0.0": False}


def _is_boolean(value) -> bool:
    return isinstance(value, (bool, np.bool_)) or str(value).strip().lower() in _BOOLEANS


def _check_outside(geometry: np.ndarray, keep: np.ndarray, city: City, boundary: shapely.Geometry,
                   problems: list[Problem]) -> None:
    area = gpd.GeoSeries([boundary], crs=STORAGE_CRS).to_crs(city.crs).buffer(OUTSIDE_TOLERANCE_M).iloc[0]
    projected = gpd.GeoSeries(geometry, crs=STORAGE_CRS).to_crs(city.crs)
    outside = ~projected.intersects(area).to_numpy() & keep
    for i in np.flatnonzero(outside):
        problems.append(Problem("outside_city", {"row": int(i) + 1, "city": city.names["en"], "city_id": city.id,
                                                 "km": OUTSIDE_TOLERANCE_M / 1000}))


def _check_duplicates(table: pd.DataFrame, geometry: np.ndarray, keep: np.ndarray, problems: list[Problem]) -> None:
    keys = [f"{shapely.to_wkb(g, hex=True)}|{'|'.join(map(str, row))}" if ok else None
            for g, row, ok in zip(geometry, table.itertuples(index=False), keep)]
    first = {}
    for i, key in enumerate(keys):
        if key is None:
            continue
        if key in first:
            problems.append(Problem("duplicate", {"row": i + 1, "first": first[key] + 1}))
        else:
            first[key] = i
