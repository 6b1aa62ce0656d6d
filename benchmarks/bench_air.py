"""Benchmark of the air-quality path. Run on demand: `python benchmarks/bench_air.py`.

Prints (1) the time to load and aggregate the largest hourly file against a plain pandas read of the same
file, and (2) the server time of the Air quality page for the city with the most measurements, cold and
after a pollutant or city change, against the light Data & sources page, all in this one process.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from geo.air import hourly_profile, read_airdata_hourly, station_years  # noqa: E402
from geo.embedded import read_table  # noqa: E402
from geo.paths import RAW_DIR  # noqa: E402

REPEATS = 3


def best_of(fn, repeats=REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def hourly_benchmark() -> None:
    path = RAW_DIR / "airdata_kz/astana/pm25.csv.gz"
    rows = len(pd.read_csv(path, usecols=["station_id"]))
    baseline = best_of(lambda: pd.read_csv(path))

    def atlas():
        hourly = read_airdata_hourly(path, "Asia/Almaty")
        station_years(hourly)
        hourly_profile(hourly, "astana")
    atlas_s = best_of(atlas)
    print(f"hourly file: {path.name} ({path.stat().st_size / 1e6:.1f} MB, {rows:,} rows)")
    print(f"  plain pandas read:            {baseline * 1000:8.0f} ms")
    print(f"  Atlas read + QC + aggregate:  {atlas_s * 1000:8.0f} ms  (ratio {atlas_s / baseline:.2f}x the plain read)")



def timed_run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return time.perf_counter() - start


def page_benchmark() -> None:
    daily = read_table("air_daily")
    city = daily["city_id"].value_counts().idxmax()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["_atlas_charts_released"] = True  # the whole page, charts included (no browser to release them)
    at.query_params["city"] = city
    at.run()
    at.switch_page("pages/air.py")
    cold = timed_run(at)
    warm = statistics.median(timed_run(at) for _ in range(REPEATS))
    first_visits, pollutant_changes = [], []
    for pollutant in ("pm10", "no2", "pm25"):
        at.session_state["air_pollutant"] = pollutant
        first_visits.append(timed_run(at))
    for pollutant in ("pm10", "no2", "pm25"):  # the same changes again, now cached
        at.session_state["air_pollutant"] = pollutant
        pollutant_changes.append(timed_run(at))
    at.selectbox(key="city_id").set_value("astana")
    first_visits.append(timed_run(at))
    city_changes = []
    for other in (city, "astana", city):
        at.selectbox(key="city_id").set_value(other)
        city_changes.append(timed_run(at))
    at.switch_page("pages/sources.py")
    timed_run(at)
    baseline = statistics.median(timed_run(at) for _ in range(REPEATS))
    print(f"Air quality page, {city} ({(daily['city_id'] == city).sum():,} daily rows), server time per run:")
    print(f"  first run (cold caches):      {cold * 1000:8.0f} ms")
    print(f"  rerun, same view:             {warm * 1000:8.0f} ms")
    print(f"  first view of another pollutant or city (median): {statistics.median(first_visits) * 1000:.0f} ms")
    print(f"  pollutant change, cached (median): {statistics.median(pollutant_changes) * 1000:6.0f} ms")
    print(f"  city change, cached (median):      {statistics.median(city_changes) * 1000:6.0f} ms")
    print(f"  baseline, Data & sources rerun:{baseline * 1000:7.0f} ms  "
          f"(air rerun = {warm / baseline:.1f}x the baseline)")
    print(f"air_page_warm_ms={warm * 1000:.0f} pollutant_change_ms={statistics.median(pollutant_changes) * 1000:.0f} "
          f"city_change_ms={statistics.median(city_changes) * 1000:.0f}")


if __name__ == "__main__":
    hourly_benchmark()
    page_benchmark()
