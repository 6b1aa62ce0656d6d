"""Map payload benchmark. Run on demand: `python benchmarks/bench_map.py`.

Builds the City map of the city whose raw layers weigh most both ways in this one process: naive folium
(GeoJson of the raw layers, every column, full resolution) and the Atlas builder (registry styles,
geometries simplified in metres, columns trimmed, coordinates rounded). Prints HTML bytes and build time
of each, then the warm server time of the City page after a widget change. The last line reads
`payload_ratio=<naive/atlas> atlas_bytes=<n> naive_bytes=<n> rerun_ms=<ms>`.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
import geopandas as gpd  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from components.maps import build_map  # noqa: E402
from geo.cities import get_city, member_cities  # noqa: E402
from geo.embedded import read_layer  # noqa: E402
from geo.paths import RAW_DIR  # noqa: E402

REPEATS = 5


@lru_cache(maxsize=None)
def raw_file(rel: str) -> gpd.GeoDataFrame:
    return gpd.read_file(RAW_DIR / rel)


def raw_layers(city_id: str) -> dict[str, gpd.GeoDataFrame]:
    """The city's features as they stand in the raw files: full geometry, every attribute."""
    city = get_city(city_id)
    boundary = raw_file(city.boundary_source)
    for column, value in city.boundary_match.items():
        boundary = boundary[boundary[column].astype(str) == value]
    districts = raw_file("prism_kgz/District_KRYG.json" if city.country == "KG"
                         else "geoboundaries_kaz/geoBoundaries-KAZ-ADM2.geojson")
    embedded = read_layer("districts")
    names = set(embedded.loc[embedded["city_id"] == city_id, "name"])
    districts = districts[districts.iloc[:, :6].isin(names).any(axis=1)]
    facilities = raw_file("prism_kgz/hotosm_kgz_health_facilities_points_geojson.json")
    facilities = facilities[facilities.within(boundary.geometry.iloc[0])]
    return {"boundary": boundary, "districts": districts, "health_facilities": facilities}


def heaviest_city() -> tuple[str, dict[str, int]]:
    """The city whose naive map is largest, and every city's naive size."""
    sizes = {city.id: len(naive_map(raw_layers(city.id)).get_root().render().encode()) for city in member_cities()}
    return max(sizes, key=sizes.get), sizes


def naive_map(layers: dict[str, gpd.GeoDataFrame]) -> folium.Map:
    m = folium.Map()
    for name, frame in layers.items():
        if frame.empty:
            continue
        folium.GeoJson(json.loads(frame.to_json(default=str)), name=name,
                       tooltip=folium.GeoJsonTooltip(fields=[c for c in frame.columns if c != "geometry"][:8])
                       ).add_to(m)
    minx, miny, maxx, maxy = layers["boundary"].total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def timed(build) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        html = build().get_root().render()
        times.append(time.perf_counter() - start)
        size = len(html.encode())
    return statistics.median(times), size


def rerun_ms(city_id: str) -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["_atlas_charts_released"] = True  # the whole page, charts included (no browser to release them)
    at.query_params["city"] = city_id
    at.run()
    at.switch_page("pages/city.py").run()
    times = []
    for other in ("almaty", city_id) * 3:  # the widget change: city away and back, caches warm
        at.selectbox(key="city_id").set_value(other)
        start = time.perf_counter()
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        if other == city_id:
            times.append(time.perf_counter() - start)
    return statistics.median(times[1:]) * 1000


def main() -> None:
    from components import (
        data,  # imported late: its caches need no Streamlit session here
    )
    city_id, sizes = heaviest_city()
    raw = raw_layers(city_id)
    bounds = tuple(data.city_layer(city_id, "boundary").total_bounds)
    naive_s, naive_bytes = timed(lambda: naive_map(raw))
    atlas_s, atlas_bytes = timed(lambda: build_map(data.city_map_layers(city_id, "en"), bounds, legend_title="Layers", lang="en"))
    print("naive map bytes per city: " + ", ".join(f"{c} {n // 1000} kB" for c, n in
                                                   sorted(sizes.items(), key=lambda kv: -kv[1])[:6]) + ", ...")
    print(f"heaviest city view: {city_id} "
          f"({', '.join(f'{k} {len(v)}' for k, v in raw.items())})")
    print(f"  naive folium (raw layers):  {naive_bytes:>10,} bytes  {naive_s * 1000:7.1f} ms to build")
    print(f"  Atlas builder:              {atlas_bytes:>10,} bytes  {atlas_s * 1000:7.1f} ms to build")
    rerun = rerun_ms(city_id)
    print(f"  City page warm rerun after a city change and back: {rerun:.0f} ms server time")
    print(f"payload_ratio={naive_bytes / atlas_bytes:.1f} atlas_bytes={atlas_bytes} naive_bytes={naive_bytes} "
          f"rerun_ms={rerun:.0f}")


if __name__ == "__main__":
    main()
