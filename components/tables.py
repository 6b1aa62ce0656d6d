"""Display formatting for figures: unknown values read as "no data", never as 0 or a blank; every number
through geo.i18n.format_number, so each language reads its own separators."""
from __future__ import annotations

import pandas as pd

from geo.i18n import format_number, translate


def format_value(value: float, unit: str, lang: str, digits: int | None = None) -> str:
    """'1,234.5 km²' (en), '1 234,5 km²' (ru, kk, ky), or the translated 'no data' (no unit) for NaN/None."""
    number = format_number(value, lang, digits)
    return number if number == translate("common.no_data", lang) else f"{number} {unit}".strip()


def population_text(value: float, precision: str, lang: str) -> str:
    """A district's population as the source gives it: "at least 358,000" for a lower bound, "no data" unknown."""
    number = format_number(value, lang, 0)
    return translate("population.at_least", lang, value=number) if precision == "lower_bound" and pd.notna(value) \
        else number


def formatted(table: pd.DataFrame, units: dict[str, str], lang: str) -> pd.DataFrame:
    """Copy of `table` with the columns named in `units` as display strings."""
    out = table.copy()
    for column, unit in units.items():
        out[column] = [format_value(v, unit, lang) for v in out[column]]
    return out


def numbers_as_text(table: pd.DataFrame, digits: dict[str, int | None], lang: str) -> pd.DataFrame:
    """Copy of `table` with the named number columns written as the language writes them (display only)."""
    out = table.copy()
    for column, places in digits.items():
        out[column] = [format_number(v, lang, places) for v in out[column]]
    return out
