"""What is wrong with input, in one vocabulary: a Problem (a code, its English text here and its text in every
language in the catalogue, and where: row, column, member), the limits every input is held to, and the check of
text every reader and form applies. The bottom of the core: it imports nothing of the Atlas."""
from __future__ import annotations

import logging
import secrets
import unicodedata
from dataclasses import dataclass, field

MAX_UPLOAD_BYTES = 50_000_000
MAX_LISTED = 50  # problems listed in full; the rest are counted
LOG = logging.getLogger(__name__)

PROBLEM_TEXT = {  # English; the page shows the catalogue's "problem.<code>" in the UI language
    "too_large": "the file is {size_mb} MB; the limit is {limit_mb} MB",
    "empty_file": "the file is empty or holds no features",
    "no_sites_inside": "none of the file's {count} places lies inside {city}: candidate sites must stand in the city",
    "too_many_sites": "the file lists {count} places; at most {limit} candidate sites are weighed",
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
    """One finding: a code (its text in PROBLEM_TEXT and in the catalogue, data/locale/) and where it is."""
    code: str
    params: dict = field(default_factory=dict)

    def english(self) -> str:
        return PROBLEM_TEXT[self.code].format(**self.params)




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


def unexpected_problem(exc: BaseException, what: str) -> Problem:
    """An error no check foresaw: logged on the server with its traceback under a short reference, and said to
    the user as that reference only (no paths, no library internals)."""
    reference = secrets.token_hex(4)
    LOG.error("unexpected error %s while %s", reference, what, exc_info=exc)
    return Problem("unexpected", {"reference": reference})

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

