"""Display formatting for figures: unknown values read as "no data", never as 0 or a blank."""
from __future__ import annotations

import math

import pandas as pd

from geo.i18n import translate


def format_value(value: float, unit: str, lang: str) -> str:
    """'1,234.5 km²', or the translated 'no data' for NaN/None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return translate("common.no_data", lang)
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{number} {unit}".strip()


def formatted(table: pd.DataFrame, units: dict[str, str], lang: str) -> pd.DataFrame:
    """Copy of `table` with the columns named in `units` as display strings."""
    out = table.copy()
    for column, unit in units.items():
        out[column] = [format_value(v, unit, lang) for v in out[column]]
    return out
