"""CSV that spreadsheets open safely: a text cell starting with =, +, -, @, tab or carriage return would be
run as a formula (CSV injection), so it gets a leading apostrophe; numbers stay numbers."""
from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame, **to_csv) -> str:
    """The frame as CSV text with formula-like text cells neutralised (geometry, if any, as WKT)."""
    table = pd.DataFrame(frame).copy()
    if "geometry" in table:
        table["geometry"] = [g.wkt if g is not None else None for g in table["geometry"]]
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = [neutralise(v) for v in table[column]]
    return table.to_csv(index=False, **to_csv)
