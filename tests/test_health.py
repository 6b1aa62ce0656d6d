"""Health in Healthy Cities: the official series by city, oblast or region, recomputed from the raw files by
another path (the SDMX XML, the platform's own CSV, the standard library), and the deaths attributable to PM2.5
against a case computed by hand."""
import csv
import io
import math
import xml.etree.ElementTree as ET

import pytest

from geo.cities import get_city
from geo.embedded import read_table
from geo.health import attributable_deaths, attributable_fraction, avoidable_deaths
from geo.paths import RAW_DIR
from tests.test_indicators import latest_for, values_for


def _sdmx(path, series: str, area: str, breakdown: str) -> dict[int, float]:
    """Values of one series of a Kyrgyz SDMX 2.1 file, both sexes, all ages, by year."""
    values = {}
    for node in ET.parse(RAW_DIR / path).getroot().iter("Series"):
        a = node.attrib
        if (a["SERIES"], a["REF_AREA"], a["COMPOSITE_BREAKDOWN"], a["SEX"], a["AGE"]) == (
                series, area, breakdown, "_T", "_T"):
            values |= {int(o.attrib["TIME_PERIOD"]): float(o.attrib["OBS_VALUE"]) for o in node.iter("Obs")}
    return values


def test_bishkeks_death_rates_are_the_sdmx_files():
    xml = _sdmx("sdg_platforms/kg/sdmx_xml/3.4.1.xml", "SH_DTH_NCOM", "KG11", "NCD_CARDIO")
    values = values_for("bishkek").query("indicator_id == 'deaths_circulatory_per_100k'").set_index("year")["value"]
    assert len(values) == 17 and {int(y): v for y, v in values.items()} == pytest.approx(xml)
    osh = _sdmx("sdg_platforms/kg/sdmx_xml/3.4.1.xml", "SH_DTH_NCOM", "KG21", "NCD_CRESPD")
    mine = values_for("osh").query("indicator_id == 'deaths_chronic_respiratory_per_100k' and year == 2023")
    assert mine["value"].iloc[0] == pytest.approx(osh[2023]) and mine["level"].iloc[0] == "city"
    # Jalal-Abad's are its oblast's, said so: never the city's
    jalal_abad = latest_for("jalal-abad").loc["deaths_circulatory_per_100k"]
    assert jalal_abad["level"] == "region" and "regional" in jalal_abad["flags"]


def test_kazakh_road_deaths_are_the_platforms_own_file():
    with open(RAW_DIR / "sdg_platforms/kz/data/indicator_3-6-1.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["REF_AREA"] == "KZNS" and not r["SEX"] and not r["URBANISATION"]]
    raw = {int(r["Year"]): float(r["Value"]) for r in rows}
    mine = values_for("astana").query("indicator_id == 'road_deaths_per_100k'").set_index("year")["value"]
    assert raw and {int(y): v for y, v in mine.items()} == pytest.approx(raw)


def test_bus_passengers_per_resident_divide_one_territory_by_itself():
    with open(RAW_DIR / "official_stats/kz_bus_passengers_by_region_2003_2022.csv", encoding="utf-8") as f:
        carried = next(float(r["value"]) for r in csv.DictReader(f) if r["measure"] == "bus_passengers_carried"
                       and r["region_ru"] == "г.Алматы" and r["year"] == "2022")
    with open(RAW_DIR / "official_stats/kz_population_by_region_2000_2023_kazpop.csv", encoding="utf-8") as f:
        residents = next(float(r["Население"]) for r in csv.DictReader(f)
                         if r["Область"].strip() == "г. Алматы" and r["Год"] == "2022")
    mine = values_for("almaty").query("indicator_id == 'bus_passengers_per_resident' and year == 2022")
    assert mine["value"].iloc[0] == pytest.approx(carried * 1e6 / residents, abs=0.05)
    before = values_for("almaty").query("indicator_id == 'bus_passengers_per_resident' and year == 2019")
    assert "series_break" in before["flags"].iloc[0]  # BNS: do not compare across 2019-2020


def test_survey_and_model_of_transport_access_are_both_shown_and_a_gap_is_flagged():
    osh = values_for("osh").query("year == 2020 and indicator_id.str.startswith('transport_access')",
                                  engine="python").set_index("indicator_id")
    assert osh.loc["transport_access_modelled", "value"] == 39.6 and "modelled" in osh.loc[
        "transport_access_modelled", "flags"]
    assert osh.loc["transport_access_survey", "value"] > 90
    assert all("sources_differ" in f for f in osh["flags"])  # 93 % said, 40 % modelled


def test_attributable_deaths_match_a_case_computed_by_hand():
    """Bishkek 2022: annual mean 34.8 µg/m³; circulatory 208.6 and chronic respiratory 4.9 deaths per 100,000;
    1,113,800 residents. RR = RR10^((34.8 - 5) / 10): 1.11^2.98 = 1.3648; AF = 1 - 1/RR = 0.2673."""
    rr_central = 1.11 ** 2.98
    af = 1 - 1 / rr_central
    assert af == pytest.approx(0.2673, abs=1e-4)
    per_100k = af * 208.6 + af * 4.9
    estimate = attributable_deaths(34.8, {"deaths_circulatory_per_100k": 208.6,
                                          "deaths_chronic_respiratory_per_100k": 4.9}, 1_113_800)
    assert estimate.per_100k[0] == pytest.approx(per_100k) == pytest.approx(57.07, abs=0.01)
    assert estimate.deaths[0] == pytest.approx(per_100k * 11.138) == pytest.approx(635.6, abs=0.1)
    low = (1 - 1 / 1.09 ** 2.98) * 208.6 + (1 - 1 / 1.05 ** 2.98) * 4.9
    high = (1 - 1 / 1.14 ** 2.98) * 208.6 + (1 - 1 / 1.17 ** 2.98) * 4.9
    assert estimate.per_100k[1:] == pytest.approx((low, high))
    assert estimate.share[0] == pytest.approx(af)  # one relative risk for both causes: the fraction itself
    assert attributable_fraction(5.0, 1.11) == 0 == attributable_fraction(3.0, 1.11)  # nothing below 5 µg/m³
    scenarios = {name: level for name, level, _ in avoidable_deaths(34.8, {"deaths_circulatory_per_100k": 208.6,
                                                                          "deaths_chronic_respiratory_per_100k": 4.9},
                                                                     1_113_800)}
    assert scenarios["half_gap"] == pytest.approx(19.9) and "IT-1" not in scenarios and "IT-2" in scenarios


def test_the_indicator_path_gives_bishkeks_estimate_with_bounds_and_says_it_is_a_lower_bound():
    rows = values_for("bishkek").query("indicator_id == 'pm25_attributable_deaths'").set_index("year")
    assert set(rows.index) == {2021, 2022}  # 2020: no population of that year from the NSC
    row = rows.loc[2022]
    assert row["value"] == 636 and row["note_params"]["low"] < 636 < row["note_params"]["high"]
    assert "lower_bound" in row["flags"] and "covid_years" in rows.loc[2021, "flags"]
    per_100k = values_for("bishkek").query("indicator_id == 'pm25_attributable_deaths_per_100k'")
    assert set(per_100k["year"]) == {2020, 2021, 2022}
    assert math.isnan(latest_for("almaty").loc["pm25_attributable_deaths", "value"])  # no baseline: said why
    assert latest_for("almaty").loc["pm25_attributable_deaths", "note_key"] == "note.airq_missing"


def test_the_command_line_gives_bishkeks_health_series_with_level_year_source_and_licence(capsys):
    from geo.__main__ import main
    assert main(["indicators", "--city", "bishkek"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    for indicator_id in ("deaths_circulatory_per_100k", "road_deaths_per_100k", "under5_mortality",
                         "doctors_per_10k", "improved_water_share", "sewerage_share", "green_space_ha_per_1000",
                         "transport_access_survey", "transport_access_modelled", "pm25_attributable_deaths"):
        mine = [r for r in rows if r["indicator_id"] == indicator_id and r["value"]]
        assert mine, indicator_id
        assert all(r["level"] == "city" and r["year"] and r["source"] and r["licence"] for r in mine), indicator_id
    child = next(r for r in rows if r["indicator_id"] == "under5_mortality" and r["year"] == "2023")
    assert "counting_change" in child["flags"]  # counted where the death occurred from 2023


def test_the_rivers_of_astana_are_the_2006_survey_and_dated():
    with open(RAW_DIR / "water_quality_kz/seed_city_rivers_april_2006.csv", encoding="utf-8") as f:
        raw = [r for r in csv.DictReader(f) if r["seed_city_context"] in get_city("astana").surface_water]
    table = read_table("surface_water").query("city_id == 'astana'")
    assert len(table) == len(raw) == 4
    assert sorted(table["mpc_multiple"]) == sorted(float(r["multiplicity_of_exceeding_the_mpc"]) for r in raw)
    assert set(table["measured"]) == {"2006-04"}
    limits = read_table("kz_water_limits").set_index("parameter")["mpc_mgl"]
    assert limits["arsenic"] == 0.05 and limits["nitrate"] == 45  # beside WHO's 0.01 and 50 mg/L
