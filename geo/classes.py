"""Class breaks of a map's values: quantiles (up to a number of classes, fewer when values repeat), the one
classification every choropleth of the Atlas uses."""
from __future__ import annotations

import numpy as np
import pandas as pd


def quantile_breaks(values: pd.Series, classes: int) -> np.ndarray:
    """Ascending breaks (classes + 1 at most) of the known values; empty when none is known."""
    known = values.dropna()
    k = min(classes, known.nunique())
    if k == 0:
        return np.array([])
    breaks = np.unique(np.quantile(known, np.linspace(0, 1, k + 1)))
    return breaks if len(breaks) >= 2 else np.array([known.min(), known.max() + 1e-9])


def class_codes(values: pd.Series, breaks: np.ndarray) -> pd.Series:
    """The class (0-based) of each value between the breaks; NaN where the value is unknown."""
    return pd.Series(pd.cut(values, breaks, include_lowest=True, labels=False), index=values.index)
