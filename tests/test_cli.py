"""The analysts' command line: CSV of every indicator of a city; unknown stays empty; bad city fails clearly."""
import csv
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_indicators_of_a_city_as_csv_with_empty_unknowns():
    result = run("indicators", "--city", "almaty", "--year", "2022")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"indicator_id", "city_id", "year", "value", "unit", "level", "source"} <= set(rows[0])
    by_id = {r["indicator_id"]: r for r in rows}
    assert by_id["pm25_annual_mean"]["value"] == "26.1" and by_id["pm25_annual_mean"]["year"] == "2022"
    assert by_id["life_expectancy"]["level"] == "city"
    assert by_id["district_poverty_rate"]["value"] == ""  # unknown: empty, never 0
    shymkent = {r["indicator_id"]: r for r in csv.DictReader(io.StringIO(run("indicators", "--city", "shymkent").stdout))}
    assert shymkent["health_facilities_osm"]["value"] == ""  # no OpenStreetMap facilities for Shymkent
    assert {r["year"] for r in rows} <= {"2022", ""}


def test_unknown_city_fails_with_a_clear_message():
    result = run("indicators", "--city", "atlantis")
    assert result.returncode == 2
    assert "error: unknown city 'atlantis'; known cities: bishkek" in result.stderr
    assert result.stdout == ""
