"""Urban HEART-style equity within a city: each district's value of a district indicator against the median of
the city's own districts, said as better, near (within EQUITY_MARGIN of it), worse or neutral (no direction)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.indicators import INDICATORS

EQUITY_MARGIN = 0.10  # within ±10 % of the reference counts as "near"


@dataclass(frozen=True)
class EquityMatrix:
    values: pd.DataFrame  # district × indicator (the registry's order)
    status: pd.DataFrame  # the same shape: better | near | worse | neutral
    reference: pd.Series  # per indicator: the median of the city's districts
    lower_bounds: tuple[tuple[str, str], ...]  # (district, indicator) whose value rests on a lower-bound population


def reference_status(value: float, reference: float, direction: str) -> str:
    """How a value stands against the reference, given whether higher or lower is better."""
    if pd.isna(value) or direction == "neutral" or pd.isna(reference):
        return "neutral"
    if abs(value - reference) <= EQUITY_MARGIN * abs(reference):
        return "near"
    better = value < reference if direction == "lower_is_better" else value > reference
    return "better" if better else "worse"


def district_equity(values: pd.DataFrame) -> EquityMatrix | None:
    """The matrix of a city's district values (geo.indicators.city_values rows), or None with fewer than two
    districts to compare."""
    districts = values[(values["level"] == "district") & values["value"].notna()]
    if districts["area"].nunique() < 2:
        return None
    reference = districts.groupby("indicator_id")["value"].median()
    matrix = districts.pivot_table(index="area", columns="indicator_id", values="value")
    matrix = matrix[[i for i in INDICATORS if i in matrix.columns]]
    status = pd.DataFrame({c: [reference_status(v, reference[c], INDICATORS[c].direction) for v in matrix[c]]
                           for c in matrix.columns}, index=matrix.index)
    lower = districts[districts["note_key"] == "note.population_lower_bound"]
    return EquityMatrix(matrix, status, reference[matrix.columns],
                        tuple(zip(lower["area"], lower["indicator_id"])))
