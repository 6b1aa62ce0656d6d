"""Validated imports: a user's file (GeoJSON, GeoPackage, zipped Shapefile, GeoParquet, CSV with lon/lat or WKT)
becomes a city's layer only when every check passes; otherwise the import is rejected with every problem said,
with its row and column, and nothing is written. Geometry repairs that are safe are made and reported.

Hostile input is harmless: size limits, zip members that would escape the folder or inflate to gigabytes are
refused before anything is unpacked, text is kept as text (maps escape it, CSV exports neutralise formulas).
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
import secrets
import struct
import sys
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pyproj
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
    "utf16": "the text is UTF-16, not UTF-8; save the file as UTF-8 (in Excel: CSV UTF-8)",
    "too_many_rows": "the file has {count} rows; at most {limit} are accepted in one import",
    "too_many_columns": "the file has {count} columns; at most {limit} are accepted",
    "too_many_vertices": "row {row}: the geometry has {count} vertices; at most {limit} are accepted (simplify it)",
    "text_too_long": "row {row}, column '{column}': the text has {count} characters; at most {limit} are accepted",
    "control_character": "row {row}, column '{column}': the text holds the control character {code} (NUL, "
                         "bell, direction override...); remove it",
    "not_text": "row {row}, column '{column}': a list or an object where a single value belongs",
    "raw_control_character": "line {line}: a raw control character {code} inside the JSON text (a NUL would "
                             "silently cut the name it is in); remove it",
    "nested_too_deep": "the file nests lists or objects more than {limit} levels deep; no GeoJSON needs that",
    "not_finite": "row {row}, column '{column}': {value} is not a finite number",
    "not_an_integer": "row {row}, column '{column}': {value} is not a whole number (a count)",
    "out_of_range": "row {row}: longitude {lon} / latitude {lat} is not a place on Earth (longitude −180…180, "
                    "latitude −90…90); check the coordinate system",
    "not_earth_crs": "'{crs}' is a coordinate system of another celestial body, not of the Earth",
    "duplicate_column": "the column '{column}' appears twice (also as '{other}'); keep one",
    "wrong_field_count": "row {row} has {found} fields, the header has {expected}",
    "several_layers": "the file holds {count} layers ({names}); import a file with the one layer meant",
    "zip_ambiguous": "the zip holds several Shapefiles ({members}); zip the one meant on its own",
    "zip_unsupported": "the zip member '{member}' is encrypted or compressed in a way the Atlas cannot read (method {method}); re-zip it without a password, with ordinary compression",
    "shapefile_parts_disagree": "the Shapefile '{member}' is inconsistent: its .shp/.shx hold {shapes} shapes and "
                                "its .dbf {records} records; export it again",
    "unexpected": "the file could not be checked because of an unexpected error (reference {reference}); "
                  "the administrators can find it in the server log",
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
    # OpenStreetMap extracts and the Overpass API (geo/osm.py)
    "osm_missing": "{name}: the file is empty or missing",
    "osm_unreadable": "{name}: not a readable OpenStreetMap extract ({detail})",
    "osm_no_features": "{name}: no OpenStreetMap features with the tags the Atlas uses",
    "osm_wrong_suffix": "{name}: an OpenStreetMap extract must end in .osm.pbf or .osm",
    "osm_too_large": "{name}: {size_mb} MB is over the {limit_mb} MB limit",
    "osm_not_on_earth": "{name}: some coordinates are not places on Earth (NaN, Infinity or out of range)",
    "osm_no_bbox": "{name}: the extract declares no bounding box",
    "overpass_unreachable": "the Overpass API at {url} cannot be reached (no internet?): {detail}",
    "overpass_no_answer": "the Overpass API gave no usable answer ({detail})",
    # the city's own entries in its application dossier (geo/dossier.py)
    "dossier_unknown_section": "'{section}' is not a section of the application",
    "dossier_text_too_long": "{what}: the text has {count} characters; at most {limit} are accepted",
    "dossier_bad_text": "{what}: the text holds the control character {code}; remove it",
    "dossier_too_many_figures": "{count} figures; at most {limit} are accepted",
    "dossier_unknown_indicator": "figure {figure}: '{indicator}' is not an indicator of this section",
    "dossier_no_label": "figure {figure}: say what it is (an indicator, or a name for another item)",
    "dossier_not_a_number": "figure {figure}: {value} is not a number",
    "dossier_bad_year": "figure {figure}: the year {year} is not between {first_year} and {last_year}",
    "dossier_no_source": "figure {figure}: name its source",
    # the water-quality sampling check (geo/water.py)
    "water_too_large": "{size_mb} MB is over the {limit_mb} MB limit of this check",
    "water_empty": "the file is empty",
    "water_missing_columns": "missing column(s) {missing}; expected {expected}",
    "water_no_rows": "the file has a header but no rows",
    "water_unknown_parameter": "row {row}, column parameter: unknown parameter {value}; known: {known}",
    "water_not_a_number": "row {row}, column {column}: {value} is not a number",
    "water_lon_range": "row {row}, column lon: {value} is outside -180…180",
    "water_lat_range": "row {row}, column lat: {value} is outside -90…90",
    "water_negative": "row {row}, column value: {value} is negative",
    "water_not_a_date": "row {row}, column date: {value} is not a date (use YYYY-MM-DD)",
    "water_future": "row {row}, column date: {date} is in the future",
    "water_too_early": "row {row}, column date: {date} is before {year}",
    "water_unit": "row {row}, column unit: {value} cannot be converted to {unit} for {parameter}",
    "water_implausible": "row {row}, column value: {value} {given} is implausible (above {limit} {unit})",
    "water_empty_site": "row {row}, column site_id: empty",
    "water_duplicates": "{count} rows repeat a site, date and parameter, e.g. {site} {date} {parameter}",
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


# -- limits -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """What one import may cost, checked as early as the format allows (file size and zip headers before
    unpacking, Parquet metadata and the CSV header before decoding, GeoJSON while parsing)."""
    upload_bytes: int = MAX_UPLOAD_BYTES
    rows: int = 200_000
    columns: int = 200
    text_chars: int = 10_000  # per cell: a name, an address, a note
    vertices: int = 500_000  # per geometry: a detailed city boundary has some 50,000
    decoded_bytes: int = 1_000_000_000  # a Parquet file's uncompressed size


EDITOR_LIMITS = Limits()
ANONYMOUS_LIMITS = Limits(upload_bytes=5_000_000, rows=20_000, columns=40, text_chars=1_000, vertices=10_000,
                          decoded_bytes=50_000_000)  # the water check needs no sign-in

LOG = logging.getLogger(__name__)


def unexpected_problem(exc: BaseException, what: str) -> Problem:
    """An error no check foresaw: logged on the server with its traceback under a short reference, and said to
    the user as that reference only (no paths, no library internals)."""
    reference = secrets.token_hex(4)
    LOG.error("unexpected error %s while %s", reference, what, exc_info=exc)
    return Problem("unexpected", {"reference": reference})


def _refuse(code: str, **params) -> ImportRejected:
    return ImportRejected([Problem(code, params)])


def _mb(size: int) -> int:
    return round(size / 1e6)


# -- reading ------------------------------------------------------------------------------------------------
def read_file(name: str, content: bytes, declared_crs: str = "", limits: Limits | None = None) -> gpd.GeoDataFrame:
    """The file's features with their own columns, in WGS84; ImportRejected saying why not (never another
    error: one that no check foresaw becomes an "unexpected" problem with a reference, logged). `limits`:
    EDITOR_LIMITS unless said."""
    try:
        return _read_file(name, content, declared_crs, limits or EDITOR_LIMITS)
    except ImportRejected:
        raise
    except Exception as exc:  # every library's own error, turned into a problem; the log has the traceback
        raise ImportRejected([unexpected_problem(exc, f"reading {name!r}")]) from None


def _read_file(name: str, content: bytes, declared_crs: str, limits: Limits) -> gpd.GeoDataFrame:
    if len(content) > limits.upload_bytes:
        raise _refuse("too_large", size_mb=_mb(len(content)), limit_mb=_mb(limits.upload_bytes))
    if not content.strip():
        raise _refuse("empty_file")
    suffix = Path(name.lower()).suffix
    if suffix not in FORMATS:
        raise _refuse("unknown_format", name=name)
    if suffix == ".csv":
        frame = _read_csv(content, declared_crs, limits)
    elif suffix in (".parquet", ".geoparquet"):
        frame = _read_parquet(content, limits)
    elif suffix == ".zip":
        frame = _read_zip(content, limits)
    elif suffix == ".gpkg":
        frame = _read_ogr(content, suffix, "GeoPackage", limits)
    else:
        check_geojson(decode_text(content), limits)
        frame = _read_ogr(content, suffix, "GeoJSON", limits)
    if frame.empty:
        raise _refuse("empty_file")
    check_frame(frame, limits)
    return _to_wgs84(frame, declared_crs)


def decode_text(content: bytes) -> str:
    """UTF-8 text (a BOM allowed); UTF-16 and other encodings refused, saying which line broke."""
    head = content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or max(head[0::2].count(0), head[1::2].count(0)) > len(head) / 8:
        raise _refuse("utf16")  # a BOM, or every other byte NUL: UTF-16 text (a stray NUL is found later)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse("not_utf8", line=content[:exc.start].count(b"\n") + 1) from None


def check_geojson(text: str, limits: Limits) -> None:
    """GeoJSON checked while Python parses it, before GDAL does: non-finite numbers (NaN, Infinity, 1e400),
    property values that are lists or objects, text too long, too many features or vertices."""
    problems: list[Problem] = []
    try:
        document = json.loads(text)  # NaN and Infinity become floats, found below with their row and column
    except RecursionError:  # nesting deeper than the parser's stack: said as such, GDAL never sees it
        raise _refuse("nested_too_deep", limit=sys.getrecursionlimit()) from None
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
        raise _refuse("too_many_rows", count=len(features), limit=limits.rows)
    for row, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties") or {}
        if len(properties) > limits.columns:
            raise _refuse("too_many_columns", count=len(properties), limit=limits.columns)
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


def text_problems(value: str, row: int, column: str, limits: Limits) -> list[Problem]:
    """Text that is too long, or holds NUL or other control characters (a NUL silently cuts text in C
    libraries; others hide or reorder what a reader sees), lone surrogates or non-characters (no XML, so no DOCX,
    can hold them); tabs and line breaks are text."""
    if len(value) > limits.text_chars:
        return [Problem("text_too_long", {"row": row, "column": column, "count": len(value),
                                          "limit": limits.text_chars})]
    bad = next((c for c in value if c not in KEPT_CONTROLS and (unicodedata.category(c) in ("Cc", "Cs")
                                                                 or c in BIDI_CONTROLS or c in NON_CHARACTERS)), None)
    if bad is not None:
        return [Problem("control_character", {"row": row, "column": column, "code": f"U+{ord(bad):04X}"})]
    return []


BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
KEPT_CONTROLS = set("\t\n\r")  # a spreadsheet's cell holds line breaks and tabs: text, kept as they are
NON_CHARACTERS = {chr(c) for c in (*range(0xFDD0, 0xFDF0), 0xFFFE, 0xFFFF)}  # XML (so DOCX) cannot hold them


def check_frame(frame: gpd.GeoDataFrame, limits: Limits) -> None:
    """Limits and inert text for a frame as any reader gave it: rows, columns, text cells, geometries."""
    if len(frame) > limits.rows:
        raise _refuse("too_many_rows", count=len(frame), limit=limits.rows)
    if frame.shape[1] > limits.columns:
        raise _refuse("too_many_columns", count=frame.shape[1], limit=limits.columns)
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


def _read_ogr(content: bytes, suffix: str, format_name: str, limits: Limits) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return _read_path(path, format_name, limits)


def _read_path(path: Path, format_name: str, limits: Limits) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():  # GDAL's warnings about a broken file: the error below says it
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(path)
            if len(layers) > 1:
                raise _refuse("several_layers", count=len(layers), names=", ".join(str(n) for n, _ in layers[:10]))
            info = pyogrio.read_info(path, force_feature_count=True)
            if info["features"] > limits.rows:
                raise _refuse("too_many_rows", count=int(info["features"]), limit=limits.rows)
            if len(info["fields"]) > limits.columns:
                raise _refuse("too_many_columns", count=len(info["fields"]), limit=limits.columns)
            return pyogrio.read_dataframe(path, on_invalid="ignore")
    except ImportRejected:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, FieldError, ValueError...
        detail = str(exc).replace(str(path.parent) + "/", "").replace(str(path), path.name).splitlines()[0][:160]
        raise _refuse("malformed", format=format_name, detail=detail) from None


def _read_parquet(content: bytes, limits: Limits) -> gpd.GeoDataFrame:
    try:
        metadata = pq.ParquetFile(io.BytesIO(content)).metadata
    except Exception as exc:  # pyarrow's ArrowInvalid/OSError on a truncated or foreign file
        raise _refuse("malformed", format="GeoParquet", detail=str(exc).splitlines()[0][:160]) from None
    decoded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if metadata.num_rows > limits.rows:
        raise _refuse("too_many_rows", count=metadata.num_rows, limit=limits.rows)
    if metadata.num_columns > limits.columns:
        raise _refuse("too_many_columns", count=metadata.num_columns, limit=limits.columns)
    if decoded > limits.decoded_bytes:
        raise _refuse("too_large", size_mb=_mb(decoded), limit_mb=_mb(limits.decoded_bytes))
    try:
        return gpd.read_parquet(io.BytesIO(content))
    except (ValueError, OSError, pa.ArrowException) as exc:  # no geo metadata, or a column it cannot decode
        raise _refuse("malformed", format="GeoParquet", detail=str(exc).splitlines()[0][:160]) from None
    except Exception:  # metadata of the wrong shape makes geopandas fail inside (AttributeError, KeyError...)
        raise _refuse("malformed", format="GeoParquet", detail="its 'geo' metadata is not valid GeoParquet") from None


SUPPORTED_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def _read_zip(content: bytes, limits: Limits) -> gpd.GeoDataFrame:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse("malformed", format="zip", detail=str(exc)[:160]) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise _refuse("zip_too_many", count=len(members), limit=MAX_ZIP_MEMBERS)
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
        if path.is_absolute() or ".." in path.parts or is_link or ":" in member.filename:
            raise _refuse("zip_unsafe_path", member=member.filename)
        if member.flag_bits & 0x1 or member.compress_type not in SUPPORTED_ZIP_METHODS:
            method = "encrypted" if member.flag_bits & 0x1 else member.compress_type
            raise _refuse("zip_unsupported", member=member.filename, method=method)
    total = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if total > MAX_UNZIPPED_BYTES or ratio > MAX_ZIP_RATIO:
        raise _refuse("zip_too_big", size_mb=_mb(total), ratio=round(ratio))
    shapes = [m.filename for m in members if m.filename.lower().endswith(".shp") and not m.is_dir()]
    if len(shapes) > 1:
        raise _refuse("zip_ambiguous", members=", ".join(shapes[:10]))
    if not shapes:
        raise _refuse("zip_no_shapefile")
    stem = shapes[0][:-4]
    parts = {m.filename[len(stem):].lower(): m for m in members if m.filename[:len(stem)] == stem
             and m.filename[len(stem):].lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg")}
    if not {".shp", ".shx", ".dbf"} <= set(parts):
        raise _refuse("zip_no_shapefile")
    with tempfile.TemporaryDirectory() as folder:
        for extension, member in parts.items():  # written under a fixed name: nothing from the archive chooses a path
            try:
                (Path(folder) / f"upload{extension}").write_bytes(archive.read(member))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise _refuse("malformed", format="zip", detail=str(exc)[:160]) from None
        _check_shapefile_parts(Path(folder), shapes[0])
        return _read_path(Path(folder) / "upload.shp", "Shapefile", limits)


def _check_shapefile_parts(folder: Path, member: str) -> None:
    """The .shx index and the .dbf table must count the same records, else GDAL reads the shorter silently."""
    shx, dbf = (folder / "upload.shx").read_bytes(), (folder / "upload.dbf").read_bytes()
    if len(shx) < 100 or len(dbf) < 32:
        raise _refuse("malformed", format="Shapefile", detail=f"{member}: .shx or .dbf is truncated")
    shapes = (len(shx) - 100) // 8
    (records,) = struct.unpack_from("<I", dbf, 4)
    if shapes != records:
        raise _refuse("shapefile_parts_disagree", member=member, shapes=shapes, records=records)


def read_csv_table(content: bytes, limits: Limits) -> pd.DataFrame:
    """A CSV file as a table of text, each row checked to have the header's number of fields, the header's
    names unique (ignoring case and spaces), columns and rows within limits before anything is decoded."""
    text = decode_text(content)
    first_line = text.split("\n", 1)[0]
    if first_line.count(",") + 1 > limits.columns:
        raise _refuse("too_many_columns", count=first_line.count(",") + 1, limit=limits.columns)
    if text.count("\n") > limits.rows + 1:
        raise _refuse("too_many_rows", count=text.count("\n") - 1, limit=limits.rows)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise _refuse("malformed", format="CSV", detail=str(exc)[:160]) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise _refuse("empty_file")
    header, body = [c.strip() for c in rows[0]], rows[1:]
    seen: dict[str, str] = {}
    for name in header:
        if name.lower() in seen:
            raise _refuse("duplicate_column", column=name, other=seen[name.lower()])
        seen[name.lower()] = name
    problems = [Problem("wrong_field_count", {"row": i, "found": len(r), "expected": len(header)})
                for i, r in enumerate(body, start=1) if len(r) != len(header)]
    if problems:
        raise ImportRejected(problems[:MAX_LISTED])
    return pd.DataFrame(body, columns=header, dtype=object)


def _read_csv(content: bytes, declared_crs: str, limits: Limits) -> gpd.GeoDataFrame:
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
        raise _refuse("no_geometry")
    if problems:
        problems.sort(key=lambda p: p.params.get("row", 0))
        raise ImportRejected(problems)
    frame = gpd.GeoDataFrame(rest, geometry=gpd.GeoSeries(geometry), crs=None)
    if crs:
        frame = frame.set_crs(_crs(crs))
    return frame


EARTH_RADIUS_RANGE_M = (6_350_000, 6_400_000)  # an ellipsoid outside this is another body's (Mars, the Moon)


def _crs(text: str) -> CRS:
    try:
        crs = CRS.from_user_input(text)
    except (CRSError, ValueError, TypeError):
        raise _refuse("bad_crs", crs=text[:80]) from None
    _require_earth(crs, text)
    return crs


def _require_earth(crs: CRS, text: str) -> None:
    ellipsoid = crs.ellipsoid
    if ellipsoid is None or not EARTH_RADIUS_RANGE_M[0] <= ellipsoid.semi_major_metre <= EARTH_RADIUS_RANGE_M[1]:
        raise _refuse("not_earth_crs", crs=text[:80])


def _to_wgs84(frame: gpd.GeoDataFrame, declared_crs: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        if not declared_crs:
            raise _refuse("no_crs")
        frame = frame.set_crs(_crs(declared_crs))
    _require_earth(frame.crs, frame.crs.to_string())
    try:
        projected = frame.to_crs(STORAGE_CRS)
    except (CRSError, pyproj.exceptions.ProjError, ValueError):
        raise _refuse("bad_crs", crs=frame.crs.to_string()[:80]) from None
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
