"""Water quality: a sampling-point schema, a validated CSV import, and judgement against WHO drinking-water
guideline values. The embedded data has no openly licensed water measurements; this path is for a city's own."""
from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.errors import ImportRejected, WaterDataError
from geo.guidelines import WATER_GUIDELINES
from geo.layers import STORAGE_CRS
from geo.problems import ANONYMOUS_LIMITS, Limits, Problem, text_problems
from geo.readers.csv_table import read_csv_table

WATER_COLUMNS = ["site_id", "site_name", "lon", "lat", "date", "parameter", "value", "unit"]
EARLIEST_SAMPLE = pd.Timestamp("1900-01-01")
# Above these a value is a typing or unit error, not a measurement (100 g/L is brine; 1e9 CFU is sewage).
MAX_PLAUSIBLE = {"mg/L": 100_000.0, "CFU/100 mL": 1e9}
# Units accepted per guideline unit, with the factor that converts them to it.
UNIT_FACTORS = {"mg/L": {"mg/L": 1.0, "mg/l": 1.0, "µg/L": 0.001, "ug/L": 0.001, "ug/l": 0.001, "µg/l": 0.001},
                "CFU/100 mL": {"CFU/100 mL": 1.0, "CFU/100mL": 1.0, "MPN/100 mL": 1.0, "MPN/100mL": 1.0}}


def read_water_csv(content: bytes, source_name: str = "file", limits: Limits = ANONYMOUS_LIMITS) -> pd.DataFrame:
    """Parse and validate a sampling CSV (columns WATER_COLUMNS); values converted to the guideline unit.

    Raises WaterDataError naming every problem by row (as numbered in the file, header = row 1) and column.
    The check needs no sign-in, so its limits are the tight ANONYMOUS_LIMITS, checked before decoding.
    """
    def refuse(code: str, **params) -> WaterDataError:
        return WaterDataError(source_name, [Problem(code, params)])

    if len(content) > limits.upload_bytes:
        raise refuse("water_too_large", size_mb=round(len(content) / 1e6), limit_mb=round(limits.upload_bytes / 1e6))
    if not content.strip():
        raise refuse("water_empty")
    try:
        raw = read_csv_table(content, limits)
    except ImportRejected as rejected:
        raise WaterDataError(source_name, [_data_row_numbers(p) for p in rejected.problems]) from None
    raw.columns = [c.lower() for c in raw.columns]
    missing = [c for c in WATER_COLUMNS if c not in raw.columns]
    if missing:
        raise refuse("water_missing_columns", missing=", ".join(missing), expected=", ".join(WATER_COLUMNS))
    if raw.empty:
        raise refuse("water_no_rows")
    today = pd.Timestamp.today().normalize()
    problems: list[Problem] = []
    rows = []
    for index, record in enumerate(raw.to_dict("records")):
        row = index + 2
        row_problems = [Problem(p.code, {**p.params, "row": row}) for column in ("site_id", "site_name")
                        for p in text_problems(record[column], row, column, limits)]

        def add(code: str, **params) -> None:
            row_problems.append(Problem(code, {"row": row, **params}))
        parameter = re.sub(r"[^a-z0-9]+", "_", record["parameter"].strip().lower()).strip("_")
        guideline = WATER_GUIDELINES.get(parameter)
        if guideline is None:
            add("water_unknown_parameter", value=repr(record["parameter"][:40]), known=", ".join(WATER_GUIDELINES))
        number = {}
        for column in ("lon", "lat", "value"):
            try:
                number[column] = float(record[column].replace(",", "."))
                if not math.isfinite(number[column]):
                    raise ValueError
            except ValueError:
                add("water_not_a_number", column=column, value=repr(record[column][:40]))
        if "lon" in number and not -180 <= number["lon"] <= 180:
            add("water_lon_range", value=number["lon"])
        if "lat" in number and not -90 <= number["lat"] <= 90:
            add("water_lat_range", value=number["lat"])
        if "value" in number and number["value"] < 0:
            add("water_negative", value=number["value"])
        when = _sample_date(record["date"])
        if when is None:
            add("water_not_a_date", value=repr(record["date"][:40]))
        elif when > today:
            add("water_future", date=str(when.date()))
        elif when < EARLIEST_SAMPLE:
            add("water_too_early", date=str(when.date()), year=EARLIEST_SAMPLE.year)
        factor = None
        if guideline is not None:
            factor = UNIT_FACTORS[guideline.unit].get(record["unit"].strip())
            if factor is None:
                add("water_unit", value=repr(record["unit"][:40]), unit=guideline.unit, parameter=parameter)
            elif "value" in number and number["value"] * factor > MAX_PLAUSIBLE[guideline.unit]:
                add("water_implausible", value=record["value"][:40], given=record["unit"].strip(),
                    limit=f"{MAX_PLAUSIBLE[guideline.unit]:g}", unit=guideline.unit)
        if not record["site_id"].strip():
            add("water_empty_site")
        if row_problems:
            problems += row_problems
            continue
        rows.append({"site_id": record["site_id"].strip(), "site_name": record["site_name"].strip(),
                     "lon": number["lon"], "lat": number["lat"], "date": when, "parameter": parameter,
                     "value": number["value"] * factor, "unit": guideline.unit})
    if problems:
        raise WaterDataError(source_name, problems)
    samples = pd.DataFrame(rows)
    samples["date"] = pd.to_datetime(samples["date"])
    duplicated = samples.duplicated(["site_id", "date", "parameter"], keep=False)
    if duplicated.any():
        first = samples[duplicated].iloc[0]
        raise refuse("water_duplicates", count=int(duplicated.sum()), site=first["site_id"],
                     date=str(first["date"].date()), parameter=first["parameter"])
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


# --- surface-water quality of 2006 and the Kazakh drinking-water limits --------------------------------------

SURFACE_WATER_COLUMNS = ["city_id", "area", "water_body", "type", "pollutant", "concentration_mgl", "mpc_multiple",
                         "wpi_april_2005", "wpi_march_2006", "wpi_april_2006", "water_class", "characteristic",
                         "measured", "source", "licence"]
SURFACE_WATER_SOURCE = ("Kazhydromet state hydrochemical monitoring, surface-water quality in April 2006, via the "
                        "Bureau of National Statistics and Open Data Kazakhstan")
SURFACE_WATER_DATE = "2006-04"
KZ_LIMITS_SOURCE = "Hygienic standards for drinking water of the Republic of Kazakhstan (MPC), via Open Data Kazakhstan"
KZ_LIMITS_LICENCE = "ODC PDDL 1.0"
# WHO guideline parameter -> the substance's name in the Kazakh standard
KZ_LIMIT_NAMES = {"arsenic": "Arsenic (As, total)", "lead": "Plumbum (Pb, total)", "cadmium": "Cadmium (Cd, total)",
                  "mercury": "hydrargyrum (Hg, total)", "chromium": "Chromium (Cr6+)", "nickel": "Nickel (Ni, total)",
                  "copper": "Copper (Cu, total)", "fluoride": "Fluorides (F-)",
                  "nitrate": "Nitrates (according to NO3-)", "nitrite": "Nitrite - ion",
                  "manganese": "Manganese (Mn, total)"}


def read_surface_water(path: Path, context_to_city: dict[str, str]) -> pd.DataFrame:
    """The April 2006 water-quality rows of the water bodies in each seed city's area: pollutant, concentration and
    multiple of the limit, the water pollution index of April 2005, March and April 2006, the class; dated."""
    table = pd.read_csv(path)
    rows = table[table["seed_city_context"].isin(context_to_city)]
    return pd.DataFrame({
        "city_id": rows["seed_city_context"].map(context_to_city), "area": rows["seed_city_context"],
        "water_body": rows["rivers"], "type": rows["type"], "pollutant": rows["ingredients_and_indicators"],
        "concentration_mgl": rows["avg_concentration_mg/l"].astype(float),
        "mpc_multiple": rows["multiplicity_of_exceeding_the_mpc"].astype(float),
        "wpi_april_2005": rows["wpi_april_2005"], "wpi_march_2006": rows["wpi_march_2006"],
        "wpi_april_2006": rows["wpi_april_2006"], "water_class": rows["classes"].str.replace(",", "").str.strip(),
        "characteristic": rows["characteristic"], "measured": SURFACE_WATER_DATE, "source": SURFACE_WATER_SOURCE,
        "licence": KZ_LIMITS_LICENCE})[SURFACE_WATER_COLUMNS].reset_index(drop=True)


KZ_LIMIT_COLUMNS = ["parameter", "mpc_mgl", "substance", "source", "licence"]


def read_kz_limits(path: Path) -> pd.DataFrame:
    """The Kazakh drinking-water limit (MPC, mg/L) of each WHO guideline parameter the standard names."""
    table = pd.read_csv(path)
    limits = dict(zip(table["substance_name"], pd.to_numeric(table["standards_mpc_not_more_than_mg/l"],
                                                              errors="coerce")))
    rows = [{"parameter": parameter, "mpc_mgl": float(limits[name]), "substance": name, "source": KZ_LIMITS_SOURCE,
             "licence": KZ_LIMITS_LICENCE} for parameter, name in KZ_LIMIT_NAMES.items() if pd.notna(limits.get(name))]
    return pd.DataFrame(rows, columns=KZ_LIMIT_COLUMNS)
