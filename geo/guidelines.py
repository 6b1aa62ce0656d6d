"""Reference values: WHO Global Air Quality Guidelines (2021) and WHO drinking-water guideline values.

AQG 2021 (WHO, 2021, Table 0.1 / Executive summary): guideline level (AQG) and interim targets IT-1…IT-4.
The 24-hour levels are 99th percentiles: 3–4 exceedance days a year are compatible with the guideline.
"""
from __future__ import annotations

from dataclasses import dataclass

WHO_AQG_SOURCE = "WHO global air quality guidelines: particulate matter (PM2.5 and PM10), ozone, nitrogen " \
                 "dioxide, sulfur dioxide and carbon monoxide (World Health Organization, 2021)"
WHO_GDWQ_SOURCE = "WHO Guidelines for drinking-water quality, 4th edition incorporating the 1st and 2nd addenda " \
                  "(World Health Organization, 2022)"


@dataclass(frozen=True)
class Pollutant:
    id: str
    label: str
    plausible_max_ugm3: float  # above this a daily or hourly value is treated as a sensor or unit fault
    urban_median_range_ugm3: tuple[float, float] | None = None  # a city series outside it is suspect


@dataclass(frozen=True)
class GuidelineLevels:
    pollutant: str
    averaging: str  # "annual" | "24h" | "8h" | "peak_season"
    unit: str  # "µg/m³" | "mg/m³"
    aqg: float
    interim: tuple[float | None, float | None, float | None, float | None]  # IT-1 … IT-4 (None: not defined)

    def in_ugm3(self, value: float) -> float:
        return value * 1000 if self.unit == "mg/m³" else value

    @property
    def aqg_ugm3(self) -> float:
        return self.in_ugm3(self.aqg)

    def levels_ugm3(self) -> list[tuple[str, float]]:
        """(name, level in µg/m³) from the loosest interim target to the guideline."""
        named = [(f"IT-{i + 1}", self.in_ugm3(v)) for i, v in enumerate(self.interim) if v is not None]
        return named + [("AQG", self.aqg_ugm3)]


POLLUTANTS: dict[str, Pollutant] = {p.id: p for p in (
    Pollutant("pm25", "PM2.5", 1000.0, (3.0, 100.0)),
    Pollutant("pm10", "PM10", 2000.0, (5.0, 200.0)),
    Pollutant("no2", "NO2", 2000.0),
    Pollutant("so2", "SO2", 3000.0),
    Pollutant("co", "CO", 100_000.0),
    Pollutant("o3", "O3", 1000.0),
)}

AQG_2021: dict[tuple[str, str], GuidelineLevels] = {(g.pollutant, g.averaging): g for g in (
    GuidelineLevels("pm25", "annual", "µg/m³", 5, (35, 25, 15, 10)),
    GuidelineLevels("pm25", "24h", "µg/m³", 15, (75, 50, 37.5, 25)),
    GuidelineLevels("pm10", "annual", "µg/m³", 15, (70, 50, 30, 20)),
    GuidelineLevels("pm10", "24h", "µg/m³", 45, (150, 100, 75, 50)),
    GuidelineLevels("o3", "peak_season", "µg/m³", 60, (100, 70, None, None)),
    GuidelineLevels("o3", "8h", "µg/m³", 100, (160, 120, None, None)),
    GuidelineLevels("no2", "annual", "µg/m³", 10, (40, 30, 20, None)),
    GuidelineLevels("no2", "24h", "µg/m³", 25, (120, 50, None, None)),
    GuidelineLevels("so2", "24h", "µg/m³", 40, (125, 50, None, None)),
    GuidelineLevels("co", "24h", "mg/m³", 4, (7, None, None, None)),
)}

# Bands of an annual (or 24-hour) value against the guideline and interim targets, cleanest first.
BANDS = ("meets_aqg", "meets_it4", "meets_it3", "meets_it2", "meets_it1", "above_it1")
BAND_COLOURS = {  # ColorBrewer YlOrRd: lightness falls monotonically, readable with colour-vision deficiencies
    "meets_aqg": "#ffffb2", "meets_it4": "#fed976", "meets_it3": "#feb24c", "meets_it2": "#fd8d3c",
    "meets_it1": "#f03b20", "above_it1": "#bd0026",
}


def guideline(pollutant: str, averaging: str) -> GuidelineLevels | None:
    return AQG_2021.get((pollutant, averaging))


def short_term_guideline_ugm3(pollutant: str) -> float:
    """The pollutant's WHO short-term guideline in µg/m³: the 24-hour level, or O3's 8-hour one."""
    levels = guideline(pollutant, "24h") or guideline(pollutant, "8h")
    return levels.aqg_ugm3


def defined_bands(pollutant: str) -> list[str]:
    """The bands an annual mean of `pollutant` can fall in: the guideline and the interim targets WHO defines for
    it (NO2 has no IT-4; a pollutant without an annual guideline has none), cleanest first."""
    levels = guideline(pollutant, "annual")
    if levels is None:
        return []
    interim = [f"meets_it{i + 1}" for i in (3, 2, 1, 0) if levels.interim[i] is not None]
    return ["meets_aqg", *interim, "above_it1"]


def who_band(value_ugm3: float, levels: GuidelineLevels) -> str:
    """The cleanest band whose level `value_ugm3` does not exceed; interim targets not defined are skipped."""
    if value_ugm3 <= levels.aqg_ugm3:
        return "meets_aqg"
    for index in (3, 2, 1, 0):  # IT-4 … IT-1
        level = levels.interim[index]
        if level is not None and value_ugm3 <= levels.in_ugm3(level):
            return f"meets_it{index + 1}"
    return "above_it1"


@dataclass(frozen=True)
class WaterGuideline:
    parameter: str
    value: float
    unit: str
    note: str = ""


# WHO GDWQ guideline values for chemicals of health significance and the microbial criterion.
WATER_GUIDELINES: dict[str, WaterGuideline] = {g.parameter: g for g in (
    WaterGuideline("arsenic", 0.01, "mg/L", "provisional"),
    WaterGuideline("lead", 0.01, "mg/L", "provisional"),
    WaterGuideline("cadmium", 0.003, "mg/L"),
    WaterGuideline("mercury", 0.006, "mg/L", "inorganic mercury"),
    WaterGuideline("chromium", 0.05, "mg/L", "total chromium, provisional"),
    WaterGuideline("nickel", 0.07, "mg/L"),
    WaterGuideline("copper", 2.0, "mg/L"),
    WaterGuideline("uranium", 0.03, "mg/L", "provisional"),
    WaterGuideline("fluoride", 1.5, "mg/L"),
    WaterGuideline("nitrate", 50.0, "mg/L", "as nitrate ion (NO3-), short-term exposure"),
    WaterGuideline("nitrite", 3.0, "mg/L", "as nitrite ion (NO2-), short-term exposure"),
    WaterGuideline("manganese", 0.08, "mg/L", "provisional health-based value (2022)"),
    WaterGuideline("e_coli", 0.0, "CFU/100 mL", "must not be detectable in any 100 mL sample"),
)}
