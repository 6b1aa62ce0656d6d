"""The analysts' command line: CSV of every indicator of a city; unknown stays empty; bad city fails clearly."""
import csv
import io
import os
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


def test_batch_refuses_an_unknown_city_before_starting_and_reports_what_it_did(tmp_path):
    def env_run(*args):
        return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, env={**os.environ, "ATLAS_USER_DIR": str(tmp_path)})
    refused = env_run("batch", "--cities", "osh,atlantis")
    assert refused.returncode == 2 and "unknown city 'atlantis'" in refused.stderr
    first = env_run("batch", "--cities", "osh,jalal-abad", "--workers", "1")
    assert first.returncode == 0, first.stderr
    assert "computed 2, skipped 0" in first.stdout and "[2/2]" in first.stderr
    again = env_run("batch", "--cities", "osh,jalal-abad", "--workers", "1")
    assert "computed 0, skipped 2 (inputs unchanged), failed 0" in again.stdout
