"""The analysts' command line: CSV of every indicator of a city; unknown stays empty; bad city fails clearly."""
import csv
import io

import pytest


def test_indicators_of_a_city_as_csv_with_empty_unknowns(geo_cli):
    result = geo_cli("indicators", "--city", "almaty", "--year", "2022")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.text)))
    assert {"indicator_id", "city_id", "year", "value", "unit", "level", "source"} <= set(rows[0])
    by_id = {r["indicator_id"]: r for r in rows}
    assert by_id["pm25_annual_mean"]["value"] == "26.1" and by_id["pm25_annual_mean"]["year"] == "2022"
    assert by_id["life_expectancy"]["level"] == "city"
    assert by_id["district_poverty_rate"]["value"] == ""  # unknown: empty, never 0
    shymkent = {r["indicator_id"]: r for r in csv.DictReader(io.StringIO(geo_cli("indicators", "--city",
                                                                                  "shymkent").text))}
    assert shymkent["health_facilities_osm"]["value"] == ""  # no OpenStreetMap facilities for Shymkent
    assert {r["year"] for r in rows} <= {"2022", ""}


def test_unknown_city_fails_with_a_clear_message(geo_cli):
    result = geo_cli("indicators", "--city", "atlantis")
    assert result.returncode == 2
    assert "error: unknown city 'atlantis'; known cities: bishkek" in result.stderr
    assert result.stdout == b""


@pytest.mark.slow
def test_batch_refuses_an_unknown_city_before_starting_and_reports_what_it_did(geo_cli, tmp_path):
    store = {"ATLAS_USER_DIR": str(tmp_path)}
    refused = geo_cli("batch", "--cities", "osh,atlantis", env=store)
    assert refused.returncode == 2 and "unknown city 'atlantis'" in refused.stderr
    first = geo_cli("batch", "--cities", "osh,jalal-abad", "--workers", "1", env=store)
    assert first.returncode == 0, first.stderr
    assert "computed 2, skipped 0" in first.text and "[2/2]" in first.stderr
    again = geo_cli("batch", "--cities", "osh,jalal-abad", "--workers", "1", env=store)
    assert "computed 0, skipped 2 (inputs unchanged), failed 0" in again.text
