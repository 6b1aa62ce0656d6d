"""Validated imports: a user's file (GeoJSON, GeoPackage, zipped Shapefile, GeoParquet, CSV with lon/lat or WKT)
becomes a city's layer only when every check passes; otherwise the import is rejected with every problem said,
with its row and column, and nothing is written. Geometry repairs that are safe are made and reported.

Hostile input is harmless: size limits, zip members that would escape the folder or inflate to gigabytes are
refused before anything is unpacked, text is kept as text (maps escape it, CSV exports neutralise formulas).
"""
from __future__ import annotations

import io
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.cities import City
from geo.errors import AtlasError
from geo.layers import STORAGE_CRS, get_layer_spec
from geo.layerstore import Editor, LayerStore, Version

MAX_UPLOAD_BYTES = 50_000_000
MAX_UNZIPPED_BYTES = 300_000_000
MAX_ZIP_RATIO = 100  # a member inflating more than 100-fold is treated as a zip bomb
MAX_ZIP_MEMBERS = 50
OUTSIDE_TOLERANCE_M = 1000.0  # features up to 1 km outside the city's boundary are accepted (edge facilities)
MAX_LISTED = 50  # problems listed in full; the rest are counted
ROW_NUMBERING = "__row__"  # a column mapping that numbers the rows instead (ids a file does not have)
AUTO_COLUMNS = ("city_id", "source", "licence")  # filled by the import itself
FORMATS = (".geojson", ".json", ".gpkg", ".zip", ".parquet", ".geoparquet", ".csv")
LON_NAMES = ("lon", "lng", "long", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")

PROBLEM_TEXT = {  # English; the page shows data/i18n.toml's "problem.<code>" in the UI language
    "too_large": "the file is {size_mb} MB; the limit is {limit_mb} MB",
    "empty_file": "the file is empty or holds no features",
    "unknown_format": "'{name}' is not a format the Atlas reads (GeoJSON, GeoPackage, zipped Shapefile, "
                      "GeoParquet, CSV, OSM extract)",
    "not_utf8": "the text is not UTF-8 (first bad byte on line {line}); save the file as UTF-8",
    "malformed": "the file cannot be read: it is truncated or not valid {format} ({detail})",
    "zip_unsafe_path": "the zip member '{member}' would be written outside the upload folder",
    "zip_too_big": "the zip would inflate to {size_mb} MB or by {ratio}x; refused as a possible zip bomb",
    "zip_too_many": "the zip holds {count} members; at most {limit} are accepted",
    "zip_no_shapefile": "the zip holds no complete Shapefile (.shp with .shx and .dbf)",
    "no_crs": "the file does not say its coordinate system; choose it (e.g. EPSG:4326 or the city's UTM zone)",
    "bad_crs": "'{crs}' is not a known coordinate system",
    "no_geometry": "no geometry: a CSV needs longitude and latitude columns or a WKT column",
    "bad_coordinate": "row {row}, column '{column}': '{value}' is not a coordinate",
    "bad_wkt": "row {row}, column '{column}': not valid WKT",
    "missing_column": "required column '{column}' is missing; map one of the file's columns to it",
    "empty_value": "row {row}, column '{column}': a value is required",
    "not_a_number": "row {row}, column '{column}': '{value}' is not a number",
    "not_a_boolean": "row {row}, column '{column}': '{value}' is not yes/no (true/false, 1/0)",
    "below_min": "row {row}, column '{column}': {value} is below the minimum {limit} {unit}",
    "above_max": "row {row}, column '{column}': {value} is above the maximum {limit} {unit}",
    "fraction_for_percent": "column '{column}' looks like fractions (largest {largest}), not percentages: "
                            "multiply by 100 first",
    "empty_geometry": "row {row}: the geometry is empty",
    "wrong_geometry": "row {row}: geometry {found}, but this layer takes {expected}",
    "invalid_geometry": "row {row}: the geometry is invalid and cannot be repaired safely ({reason})",
    "outside_city": "row {row}: lies outside {city} (more than {km} km from its boundary)",
    "duplicate": "row {row}: the same feature as row {first}",
    "more": "… and {count} more problems",
    "repaired": "row {row}: invalid geometry repaired ({reason})",
}


@dataclass(frozen=True)
class Problem:
    """One finding: a code (its text in PROBLEM_TEXT and data/i18n.toml) and where it is."""
    code: str
    params: dict = field(default_factory=dict)

    def english(self) -> str:
        return PROBLEM_TEXT[self.code].format(**self.params)


class ImportRejected(AtlasError):
    """The file cannot become a layer; `problems` says every reason, with rows and columns."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.english() for p in problems[:5]))


@dataclass
class Prepared:
    """A checked import: the layer as it would be stored, the repairs made, and the problems (empty: ready)."""
    frame: gpd.GeoDataFrame
    problems: list[Problem]
    repairs: list[Problem]


# -- reading ------------------------------------------------------------------------------------------------
def read_file(name: str, content: bytes, declared_crs: str = "") -> gpd.GeoDataFrame:
    """The file's features with their own columns, in WGS84; ImportRejected saying why not."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportRejected([Problem("too_large", {"size_mb": round(len(content) / 1e6), "limit_mb":
                                                    round(MAX_UPLOAD_BYTES / 1e6)})])
    if not content.strip():
        raise ImportRejected([Problem("empty_file")])
    suffix = Path(name.lower()).suffix
    if suffix not in FORMATS:
        raise ImportRejected([Problem("unknown_format", {"name": name})])
    if suffix == ".csv":
        frame = _read_csv(content, declared_crs)
    elif suffix in (".parquet", ".geoparquet"):
        frame = _read_parquet(content)
    elif suffix == ".zip":
        frame = _read_zip(content)
    else:
        if suffix in (".geojson", ".json"):
            _require_utf8(content)
        frame = _read_ogr(content, suffix, "GeoPackage" if suffix == ".gpkg" else "GeoJSON")
    if frame.empty:
        raise ImportRejected([Problem("empty_file")])
    return _to_wgs84(frame, declared_crs)


def _require_utf8(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected([Problem("not_utf8", {"line": content[:exc.start].count(b"\n") + 1})]) from None


def _read_ogr(content: bytes, suffix: str, format_name: str) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return _read_path(path, format_name)


def _read_path(path: Path, format_name: str) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():  # GDAL's warnings about a broken file: the error below says it
            warnings.simplefilter("ignore", RuntimeWarning)
            return pyogrio.read_dataframe(path, on_invalid="ignore")
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, FieldError, ValueError...
        detail = str(exc).replace(str(path), path.name).splitlines()[0][:160]
        raise ImportRejected([Problem("malformed", {"format": format_name, "detail": detail})]) from None


def _read_parquet(content: bytes) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(io.BytesIO(content))
    except Exception as exc:  # pyarrow's ArrowInvalid/OSError, geopandas' ValueError (no geo metadata)
        detail = str(exc).splitlines()[0][:160]
        raise ImportRejected([Problem("malformed", {"format": "GeoParquet", "detail": detail})]) from None


def _read_zip(content: bytes) -> gpd.GeoDataFrame:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRejected([Problem("malformed", {"format": "zip", "detail": str(exc)[:160]})]) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRejected([Problem("zip_too_many", {"count": len(members), "limit": MAX_ZIP_MEMBERS})])
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
        if path.is_absolute() or ".." in path.parts or is_link or ":" in member.filename:
            raise ImportRejected([Problem("zip_unsafe_path", {"member": member.filename})])
    total = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if total > MAX_UNZIPPED_BYTES or ratio > MAX_ZIP_RATIO:
        raise ImportRejected([Problem("zip_too_big", {"size_mb": round(total / 1e6), "ratio": round(ratio)})])
    files = {PurePosixPath(m.filename).name.lower(): m for m in members if not m.is_dir()}
    shapes = [n for n in files if n.endswith(".shp")]
    if len(shapes) != 1 or not {shapes[0][:-4] + ".shx", shapes[0][:-4] + ".dbf"} <= set(files):
        raise ImportRejected([Problem("zip_no_shapefile")])
    stem = shapes[0][:-4]
    with tempfile.TemporaryDirectory() as folder:
        for extension in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            member = files.get(stem + extension)
            if member is not None:  # written under a fixed name: nothing from the archive chooses a path
                try:
                    (Path(folder) / f"upload{extension}").write_bytes(archive.read(member))
                except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                    raise ImportRejected([Problem("malformed", {"format": "zip", "detail": str(exc)[:160]})]) from None
        return _read_path(Path(folder) / "upload.shp", "Shapefile")


def _read_csv(content: bytes, declared_crs: str) -> gpd.GeoDataFrame:
    text = _require_utf8(content)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ImportRejected([Problem("malformed", {"format": "CSV", "detail": str(exc).splitlines()[0][:160]})]) \
            from None
    lower = {c.strip().lower(): c for c in table.columns}
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    wkt = next((lower[n] for n in WKT_NAMES if n in lower), None)
    problems = []
    if lon and lat:
        xs = pd.to_numeric(table[lon].str.strip(), errors="coerce")
        ys = pd.to_numeric(table[lat].str.strip(), errors="coerce")
        for column, values, raw in ((lon, xs, table[lon]), (lat, ys, table[lat])):
            for i in np.flatnonzero(values.isna().to_numpy())[:MAX_LISTED]:
                problems.append(Problem("bad_coordinate", {"row": int(i) + 1, "column": column, "value": raw.iloc[i]}))
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
        raise ImportRejected([Problem("no_geometry")])
    if problems:
        raise ImportRejected(problems)
    frame = gpd.GeoDataFrame(rest, geometry=gpd.GeoSeries(geometry), crs=None)
    if crs:
        frame = frame.set_crs(_crs(crs))
    return frame


def _crs(text: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise ImportRejected([Problem("bad_crs", {"crs": text})]) from None


def _to_wgs84(frame: gpd.GeoDataFrame, declared_crs: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        if not declared_crs:
            raise ImportRejected([Problem("no_crs")])
        frame = frame.set_crs(_crs(declared_crs))
    return frame.to_crs(STORAGE_CRS)


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
    """Map the file's columns onto the layer, check every row, repair what is safe; nothing is written."""
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
        numbers = pd.to_numeric(values.where(~blank), errors="coerce")
        for i in np.flatnonzero((numbers.isna() & ~blank).to_numpy())[:MAX_LISTED]:
            problems.append(Problem("not_a_number", {"row": int(i) + 1, "column": column,
                                                     "value": str(values.iloc[i])[:40]}))
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


# -- the whole import ---------------------------------------------------------------------------------------
def import_file(store: LayerStore, editor: Editor, city: City, layer_id: str, name: str, content: bytes,
                licence: str, mapping: dict[str, str] | None = None,
                declared_crs: str = "") -> tuple[Version, Prepared]:
    """Check a file and, only if it passes, store it as the city's new layer version (one transaction)."""
    store.require_editor(editor, city.id)
    raw = read_file(name, content, declared_crs)
    boundary = store.read_layer("boundary", city.id).geometry.iloc[0]
    prepared = prepare(raw, layer_id, city, boundary, mapping if mapping is not None else
                       default_mapping(raw, layer_id), f"{name}, imported by {editor.username}", licence)
    if prepared.problems:
        raise ImportRejected(prepared.problems)
    return store.commit(layer_id, city.id, prepared.frame, editor, name), prepared
