"""CSV that spreadsheets open safely (CSV injection): a text cell whose first visible character starts a formula
(=, +, -, @), even after leading spaces, tabs or other control characters, gets a leading apostrophe; rows end
in CRLF (RFC 4180), so a cell holding a carriage return or line feed is quoted and cannot start a new row.
Numbers stay numbers."""
from __future__ import annotations

import unicodedata

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@")


def _is_blank_or_control(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def neutralise(value):
    """`value` with an apostrophe in front when a spreadsheet would read it as a formula."""
    if not isinstance(value, str):
        return value
    visible = next((c for c in value if not _is_blank_or_control(c)), "")
    starts_with_control = bool(value) and unicodedata.category(value[0]) in ("Cc", "Cf")  # tab, CR, NUL, ...
    return "'" + value if visible in FORMULA_STARTS or starts_with_control else value


def safe_csv(frame: pd.DataFrame, **to_csv) -> str:
    """The frame as CSV text (CRLF rows, dot decimals) with formula-like text cells neutralised (geometry, if
    any, as WKT)."""
    table = pd.DataFrame(frame).copy()
    if "geometry" in table:
        table["geometry"] = [g.wkt if g is not None else None for g in table["geometry"]]
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = [neutralise(v) for v in table[column]]
    return table.to_csv(index=False, lineterminator="\r\n", **to_csv)


def csv_file_name(stem: str) -> str:
    """The name of a CSV download: it says the file is machine-readable (dot decimals, ISO dates, English
    column names) whatever the UI language it was downloaded in."""
    return f"{stem}.machine-readable.csv"
