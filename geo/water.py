"""Water quality: a sampling-point schema, a validated CSV import, and judgement against WHO drinking-water
guideline values. The embedded data has no openly licensed water measurements; this path is for a city's own."""
from __future__ import annotations

import math
import re

import geopandas as gpd
import pandas as pd

from geo.errors import AtlasError
from geo.guidelines import WATER_GUIDELINES
from geo.imports import ANONYMOUS_LIMITS, ImportRejected, Limits, Problem, read_csv_table, text_problems
from geo.layers import STORAGE_CRS

WATER_COLUMNS = ["site_id", "site_name", "lon", "lat", "date", "parameter", "value", "unit"]
EARLIEST_SAMPLE = pd.Timestamp("1900-01-01")
# Above these a value is a typing or unit error, not a measurement (100 g/L is brine; 1e9 CFU is sewage).
MAX_PLAUSIBLE = {"mg/L": 100_000.0, "CFU/100 mL": 1e9}
# Units accepted per guideline unit, with the factor that converts them to it.
UNIT_FACTORS = {"mg/L": {"mg/L": 1.0, "mg/l": 1.0, "µg/L": 0.001, "ug/L": 0.001, "ug/l": 0.001, "µg/l": 0.001},
                "CFU/100 mL": {"CFU/100 mL": 1.0, "CFU/100mL": 1.0, "MPN/100 mL": 1.0, "MPN/100mL": 1.0}}


class WaterDataError(AtlasError):
    """A water-quality file the Atlas cannot take; `problems` lists each one with its row and column."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else ""))
        self.problems = problems


def read_water_csv(content: bytes, source_name: str = "file", limits: Limits = ANONYMOUS_LIMITS) -> pd.DataFrame:
    """Parse and validate a sampling CSV (columns WATER_COLUMNS); values converted to the guideline unit.

    Raises WaterDataError naming every problem by row (as numbered in the file, header = row 1) and column.
    The check needs no sign-in, so its limits are the tight ANONYMOUS_LIMITS, checked before decoding.
    """
    if len(content) > limits.upload_bytes:
        raise WaterDataError([f"{source_name}: {len(content) / 1e6:.0f} MB is over the "
                              f"{limits.upload_bytes / 1e6:.0f} MB limit of this check"])
    if not content.strip():
        raise WaterDataError([f"{source_name} is empty"])
    try:
        raw = read_csv_table(content, limits)
    except ImportRejected as rejected:
        raise WaterDataError([f"{source_name}: {_data_row_numbers(p).english()}" for p in rejected.problems]) from None
    raw.columns = [c.lower() for c in raw.columns]
    missing = [c for c in WATER_COLUMNS if c not in raw.columns]
    if missing:
        raise WaterDataError([f"{source_name}: missing column(s) {', '.join(missing)}; "
                              f"expected {', '.join(WATER_COLUMNS)}"])
    if raw.empty:
        raise WaterDataError([f"{source_name} has a header but no rows"])
    today = pd.Timestamp.today().normalize()
    problems: list[str] = []
    rows = []
    for index, record in enumerate(raw.to_dict("records")):
        where = f"row {index + 2}"
        row_problems = [f"{where}, {p.english().split(', ', 1)[1]}" for column in ("site_id", "site_name")
                        for p in text_problems(record[column], index + 2, column, limits)]
        parameter = re.sub(r"[^a-z0-9]+", "_", record["parameter"].strip().lower()).strip("_")
        guideline = WATER_GUIDELINES.get(parameter)
        if guideline is None:
            row_problems.append(f"{where}, column parameter: unknown parameter {record['parameter'][:40]!r}; "
                                f"known: {', '.join(WATER_GUIDELINES)}")
        number = {}
        for column in ("lon", "lat", "value"):
            try:
                number[column] = float(record[column].replace(",", "."))
                if not math.isfinite(number[column]):
                    raise ValueError
            except ValueError:
                row_problems.append(f"{where}, column {column}: {record[column][:40]!r} is not a number")
        if "lon" in number and not -180 <= number["lon"] <= 180:
            row_problems.append(f"{where}, column lon: {number['lon']} is outside -180…180")
        if "lat" in number and not -90 <= number["lat"] <= 90:
            row_problems.append(f"{where}, column lat: {number['lat']} is outside -90…90")
        if "value" in number and number["value"] < 0:
            row_problems.append(f"{where}, column value: {number['value']} is negative")
        when = _sample_date(record["date"])
        if when is None:
            row_problems.append(f"{where}, column date: {record['date'][:40]!r} is not a date (use YYYY-MM-DD)")
        elif when > today:
            row_problems.append(f"{where}, column date: {when.date()} is in the future")
        elif when < EARLIEST_SAMPLE:
            row_problems.append(f"{where}, column date: {when.date()} is before {EARLIEST_SAMPLE.year}")
        factor = None
        if guideline is not None:
            factor = UNIT_FACTORS[guideline.unit].get(record["unit"].strip())
            if factor is None:
                row_problems.append(f"{where}, column unit: {record['unit'][:40]!r} cannot be converted to "
                                    f"{guideline.unit} for {parameter}")
            elif "value" in number and number["value"] * factor > MAX_PLAUSIBLE[guideline.unit]:
                row_problems.append(f"{where}, column value: {record['value'][:40]} {record['unit'].strip()} is "
                                    f"implausible (above {MAX_PLAUSIBLE[guideline.unit]:g} {guideline.unit})")
        if not record["site_id"].strip():
            row_problems.append(f"{where}, column site_id: empty")
        if row_problems:
            problems += row_problems
            continue
        rows.append({"site_id": record["site_id"].strip(), "site_name": record["site_name"].strip(),
                     "lon": number["lon"], "lat": number["lat"], "date": when, "parameter": parameter,
                     "value": number["value"] * factor, "unit": guideline.unit})
    if problems:
        raise WaterDataError(problems)
    samples = pd.DataFrame(rows)
    samples["date"] = pd.to_datetime(samples["date"])
    duplicated = samples.duplicated(["site_id", "date", "parameter"], keep=False)
    if duplicated.any():
        first = samples[duplicated].iloc[0]
        raise WaterDataError([f"{source_name}: {int(duplicated.sum())} rows repeat a site, date and parameter, "
                              f"e.g. {first['site_id']} {first['date'].date()} {first['parameter']}"])
    return samples


def _data_row_numbers(problem: Problem) -> Problem:
    """A problem of the CSV reader (rows counted from the first data row) with rows as numbered in the file."""
    if "row" not in problem.params:
        return problem
    return Problem(problem.code, {**problem.params, "row": problem.params["row"] + 1})


def _sample_date(text: str) -> pd.Timestamp | None:
    """The sampling date as written (a time zone, if any, is dropped: the date is the local one); None if the
    text is no date."""
    try:
        when = pd.Timestamp(text.strip())
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(when):
        return None
    return when.tz_localize(None).normalize() if when.tzinfo else when.normalize()


def samples_layer(samples: pd.DataFrame, city_id: str, source: str, licence: str) -> gpd.GeoDataFrame:
    """Checked samples as the city's "water_samples" layer (one point per sample, dates as YYYY-MM-DD)."""
    return gpd.GeoDataFrame({
        "city_id": city_id, "site_id": samples["site_id"], "site_name": samples["site_name"].replace("", None),
        "date": samples["date"].dt.strftime("%Y-%m-%d"), "parameter": samples["parameter"],
        "value": samples["value"].astype(float), "unit": samples["unit"], "source": source, "licence": licence,
    }, geometry=gpd.points_from_xy(samples["lon"], samples["lat"]), crs=STORAGE_CRS)


def samples_from_layer(layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """The stored layer back as samples (the shape read_water_csv gives)."""
    return pd.DataFrame({
        "site_id": layer["site_id"].astype(str), "site_name": layer["site_name"].fillna("").astype(str),
        "lon": layer.geometry.x, "lat": layer.geometry.y, "date": pd.to_datetime(layer["date"]),
        "parameter": layer["parameter"].astype(str), "value": layer["value"].astype(float),
        "unit": layer["unit"].astype(str)})


def judge_samples(samples: pd.DataFrame) -> pd.DataFrame:
    """Each sample with its WHO guideline value and whether it exceeds it (E. coli: any detection)."""
    guideline = samples["parameter"].map(lambda p: WATER_GUIDELINES[p].value)
    return samples.assign(guideline_value=guideline, exceeds=samples["value"] > guideline)


def samples_outside(samples: pd.DataFrame, area: gpd.GeoSeries, buffer_m: float, metric_crs: str) -> list[str]:
    """Site ids farther than `buffer_m` from the city's area: a likely coordinate mix-up (lat/lon swapped)."""
    points = gpd.GeoSeries(gpd.points_from_xy(samples["lon"], samples["lat"]), crs=STORAGE_CRS).to_crs(metric_crs)
    allowed = area.to_crs(metric_crs).union_all().buffer(buffer_m)
    return sorted(set(samples.loc[~points.within(allowed).to_numpy(), "site_id"]))


def sites_frame(judged: pd.DataFrame) -> gpd.GeoDataFrame:
    """One point per sampling site: number of samples, exceedances and the parameters that exceeded."""
    grouped = judged.groupby("site_id")
    sites = pd.DataFrame({
        "site_name": grouped["site_name"].first(), "lon": grouped["lon"].first(), "lat": grouped["lat"].first(),
        "samples": grouped.size(), "exceedances": grouped["exceeds"].sum().astype(int),
        "exceeded": grouped.apply(lambda g: ", ".join(sorted(set(g.loc[g["exceeds"], "parameter"]))),
                                  include_groups=False),
    }).reset_index()
    return gpd.GeoDataFrame(sites.drop(columns=["lon", "lat"]),
                            geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=STORAGE_CRS)
