"""The network views at 22 and at 1,800 cities. Run on demand: `python benchmarks/bench_network_ui.py`.

For each size, in a fresh process (caches cold): a layer store seeded with the embedded data and, at 1,800, a
GENERATED catalogue (the 22 real cities plus 1,778 generated ones named "Generated NNNN (generated)", random
points over Kazakhstan with a 3 km circle as boundary and a random population; written to a temporary file
named by $ATLAS_CATALOGUE, never shipped, never in data/). Through Streamlit's AppTest: the Overview's first run
(every city's figures computed) and its rerun, and Compare's first run and rerun; then the bytes of the maps the
Overview sends (its map and the network map, rendered as the page renders them).
The last line reads `overview_bytes_22=… overview_bytes_1800=… overview_rerun_ms_22=… overview_rerun_ms_1800=…
compare_rerun_ms_22=… compare_rerun_ms_1800=…`.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (22, 1800)
KZ_BOX = ((41.0, 54.5), (48.0, 86.0))  # lat, lon ranges the generated points fall in


def generated_catalogue(path: Path, count: int) -> list[dict]:
    """Write the real catalogue plus `count` generated cities to `path`; return the generated ones."""
    import numpy as np

    rng = np.random.default_rng(1800)
    regions = ["Akmola Region", "Pavlodar Region", "Karaganda Region", "Kostanay Region", "Almaty Region"]
    cities = []
    lines = [(ROOT / "data" / "cities.toml").read_text(encoding="utf-8")]
    for i in range(count):
        lat, lon = rng.uniform(*KZ_BOX[0]), rng.uniform(*KZ_BOX[1])
        city = {"id": f"generated-{i:04d}", "lat": round(lat, 5), "lon": round(lon, 5),
                "population": int(rng.integers(10_000, 500_000)), "region": regions[i % len(regions)]}
        cities.append(city)
        lines.append(f'''
[[city]]
id = "{city['id']}"
country = "KZ"
name = {{ en = "Generated {i:04d} (generated)", ru = "Сгенерированный {i:04d}" }}
region = "{city['region']}"
centre = {{ lat = {city['lat']}, lon = {city['lon']} }}
crs = "EPSG:32642"
timezone = "Asia/Almaty"
population = {{ value = {city['population']}, source = "GENERATED for the benchmark", year = "" }}
boundary_quality = "approximate"
boundary_source = "generated"
boundary_match = {{ id = "{city['id']}" }}
''')
    path.write_text("".join(lines), encoding="utf-8")
    return cities


def seed_generated(folder: Path, cities: list[dict]) -> None:
    """Seed the store ($ATLAS_USER_DIR) with the embedded data and the generated cities' boundaries and centres."""
    import geopandas as gpd
    import shapely

    from geo.layers import LAYERS, validate_layer
    from geo.layerstore import LayerStore

    store = LayerStore()
    store.seed()
    if not cities:
        return
    points = gpd.points_from_xy([c["lon"] for c in cities], [c["lat"] for c in cities], crs="EPSG:4326")
    ids = [c["id"] for c in cities]
    names = [f"Generated {c['id'][-4:]} (generated)" for c in cities]
    circles = gpd.GeoSeries(points, crs="EPSG:4326").to_crs("EPSG:3857").buffer(3000, 8).to_crs("EPSG:4326")
    layers = {
        "boundary": gpd.GeoDataFrame({"city_id": ids, "name": names, "boundary_quality": "approximate",
                                      "area_km2": 28.1, "source": "GENERATED", "licence": "none (generated)"},
                                     geometry=shapely.set_precision(circles.values, 1e-5), crs="EPSG:4326"),
        "city_centres": gpd.GeoDataFrame({"city_id": ids, "name": names,
                                          "population": [c["population"] for c in cities],
                                          "source": "GENERATED", "licence": "none (generated)"},
                                         geometry=points, crs="EPSG:4326"),
    }
    manifest = {}
    for layer_id, frame in layers.items():
        validate_layer(frame, LAYERS[layer_id]).to_parquet(folder / f"{layer_id}.parquet", index=False)
        manifest[layer_id] = {"rows": len(frame), "per_city": dict.fromkeys(ids, 1)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    store.seed(folder, layer_ids=tuple(layers))


def child(size: int) -> dict:
    """One size, in this (fresh) process: server times through AppTest and the Overview's map bytes."""
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["ATLAS_USER_DIR"] = str(folder / "user")
        cities = []
        if size > 22:
            os.environ["ATLAS_CATALOGUE"] = str(folder / "generated_cities.toml")
            cities = generated_catalogue(folder / "generated_cities.toml", size - 22)
        (folder / "embedded").mkdir()
        seed_generated(folder / "embedded", cities)
        from geo.cities import member_cities
        assert len(member_cities()) == size, len(member_cities())

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1200)
        at.query_params.update({"city": "bishkek", "lang": "en"})
        # The whole page: what sits below its first map (table, network map) runs as it does once the session's
        # map frame has released it (components/widgets.after_map); AppTest has no map frame to do so.
        from components.widgets import CHARTS_RELEASED_KEY
        at.session_state[CHARTS_RELEASED_KEY] = True
        figures = {}
        for name, step in (("overview_first", lambda: at.run()), ("overview_rerun", lambda: at.run()),
                           ("compare_first", lambda: at.switch_page("pages/compare.py").run()),
                           ("compare_rerun", lambda: at.run())):
            start = time.perf_counter()
            step()
            figures[f"{name}_ms"] = (time.perf_counter() - start) * 1000
            assert not at.exception, [e.message for e in at.exception]

        from components import data, network_views
        overview = data.overview_map_html("en", "/")
        years = data.indicator_years("pm25_annual_mean")
        network = network_views.built_network_map("pm25_annual_mean", years[-1], "en", "/")[0]
        figures["overview_map_bytes"] = len(overview.encode())
        figures["network_map_bytes"] = len(network.encode())
        figures["cities"] = size
    return figures


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
        return
    results = {}
    for size in SIZES:
        env = {k: v for k, v in os.environ.items() if k not in ("ATLAS_CATALOGUE", "ATLAS_USER_DIR")}
        done = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=3600)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        results[size] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{'cities':>7} {'Overview first':>15} {'rerun':>8} {'Compare first':>14} {'rerun':>8} "
          f"{'Overview map':>13} {'network map':>12}")
    for size, r in results.items():
        print(f"{size:>7} {r['overview_first_ms']:>13.0f}ms {r['overview_rerun_ms']:>6.0f}ms "
              f"{r['compare_first_ms']:>12.0f}ms {r['compare_rerun_ms']:>6.0f}ms "
              f"{r['overview_map_bytes'] / 1e6:>11.2f}MB {r['network_map_bytes'] / 1e6:>10.2f}MB")
    small, large = results[SIZES[0]], results[SIZES[1]]
    print(f"(1,778 of the {SIZES[1]} cities are GENERATED; aim at 1,800: Overview maps under 2 MB together, "
          "reruns under 300 ms)")
    print(f"overview_bytes_22={small['overview_map_bytes'] + small['network_map_bytes']} "
          f"overview_bytes_1800={large['overview_map_bytes'] + large['network_map_bytes']} "
          f"overview_rerun_ms_22={small['overview_rerun_ms']:.0f} overview_rerun_ms_1800={large['overview_rerun_ms']:.0f} "
          f"compare_rerun_ms_22={small['compare_rerun_ms']:.0f} compare_rerun_ms_1800={large['compare_rerun_ms']:.0f}")


if __name__ == "__main__":
    main()
