"""Import benchmark. Run on demand: `python benchmarks/bench_import.py [--postgis URL]`.

1. The largest file in ../shared/data (the HOT export of Kazakhstan's populated places, 3.3 MB GeoJSON, 9,899
   points) read and checked as the "settlements" layer of Karaganda (whose boundary is its region), then the
   rows inside stored as a new version; against a plain `geopandas.read_file` of the same file (baseline).
2. The OpenStreetMap demonstration extract (Helsinki.osm.pbf): read with pyosmium, every layer derived and all
   of them stored in one transaction; against a bare pyosmium pass over the file (baseline).
Time is the best of 3 runs; peak memory is Python's allocation peak (tracemalloc) in a separate run, and the
process's peak resident size (GDAL, GEOS and libosmium included) is printed at the end.
Both back ends when a PostGIS URL is given (default: the test database, if it answers).
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import osmium  # noqa: E402

from benchmarks.timing import best_of  # noqa: E402
from geo.cities import get_city  # noqa: E402
from geo.imports import prepare
from geo.layerstore import Editor, LayerStore  # noqa: E402
from geo.osm import derive_layers, read_extract, registry_frame  # noqa: E402
from geo.paths import OSM_DEMO_EXTRACT  # noqa: E402
from geo.readers import read_file
from geo.writes import add_user

SHARED = ROOT.parent / "shared" / "data"
POSTGIS_DEFAULT = "postgresql+psycopg://atlas:atlas@127.0.0.1:5432/atlas_test"
MAPPING = {"osm_id": "osm_id", "name": "name", "kind": "place", "population": "population"}


def largest_shared_file() -> Path:
    files = [p for p in SHARED.rglob("*") if p.is_file() and p.suffix in (".geojson", ".json", ".csv", ".gpkg")]
    return max(files, key=lambda p: p.stat().st_size)


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def bench_editor(store: LayerStore) -> Editor:
    """An editor of every city, signed in on `store` (the store takes writes from no other kind)."""
    if "benchmark" not in store.usernames():
        add_user(store, "benchmark", "benchmark password", "editor", "all")
    return store.sign_in("benchmark", "benchmark password")


def settlements(store: LayerStore, path: Path):
    city = get_city("karaganda")
    boundary = store.read_layer("boundary", city.id).geometry.iloc[0]
    content = path.read_bytes()

    def check():
        raw = read_file(path.name, content)
        return raw, prepare(raw, "settlements", city, boundary, MAPPING, path.name, "ODbL 1.0")

    check_s, (raw, prepared) = best_of(check)
    inside = prepared.frame[prepared.frame.intersects(boundary)].reset_index(drop=True)
    outside = len(raw) - len(inside)
    commit_s, version = best_of(lambda: store.commit("settlements", city.id, inside, bench_editor(store), path.name), repeats=1)
    return check_s, commit_s, len(raw), len(inside), outside, check


def extract(store: LayerStore):
    city = get_city("helsinki-demo")

    def read_and_derive():
        return {k: registry_frame(k, v, city.id) for k, v in derive_layers(read_extract(OSM_DEMO_EXTRACT), "bench").items()}

    derive_s, frames = best_of(read_and_derive)
    commit_s, versions = best_of(lambda: store.commit_many(city.id, frames, bench_editor(store), OSM_DEMO_EXTRACT.name), repeats=1)
    return derive_s, commit_s, sum(len(f) for f in frames.values()), read_and_derive


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgis", default=POSTGIS_DEFAULT)
    args = parser.parse_args()
    path = largest_shared_file()
    baseline_s, _ = best_of(lambda: gpd.read_file(path))
    osm_baseline_s, _ = best_of(lambda: sum(1 for _ in osmium.FileProcessor(str(OSM_DEMO_EXTRACT))))
    print(f"largest file in ../shared/data: {path.relative_to(SHARED)} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"baseline geopandas.read_file: {baseline_s * 1000:.0f} ms; bare pyosmium pass over "
          f"{OSM_DEMO_EXTRACT.name} ({OSM_DEMO_EXTRACT.stat().st_size / 1e6:.1f} MB): {osm_baseline_s * 1000:.0f} ms")
    backends = {"sqlite": None, "postgis": args.postgis}
    summary = {}
    with tempfile.TemporaryDirectory() as folder:
        backends["sqlite"] = f"sqlite:///{folder}/bench.sqlite"
        for name, url in backends.items():
            try:
                store = LayerStore(url)
            except Exception as exc:  # no PostGIS here: say so and go on
                print(f"{name}: not available ({type(exc).__name__})")
                continue
            if name == "postgis":
                store.drop_everything()
            store.seed(layer_ids=("boundary",))
            check_s, commit_s, rows, inside, outside, check = settlements(store, path)
            derive_s, osm_commit_s, osm_rows, derive = extract(store)
            memory = peak_mb(check)
            osm_memory = peak_mb(derive)
            print(f"{name}: settlements read+check {check_s * 1000:.0f} ms ({check_s / baseline_s:.1f}x baseline) "
                  f"for {rows:,} rows ({outside:,} outside Karaganda region reported), store {inside:,} rows "
                  f"{commit_s * 1000:.0f} ms, peak {memory:.0f} MB")
            print(f"{name}: OSM extract read+derive {derive_s * 1000:.0f} ms ({derive_s / osm_baseline_s:.1f}x "
                  f"baseline), store {osm_rows:,} features in 8 layers {osm_commit_s * 1000:.0f} ms, "
                  f"peak {osm_memory:.0f} MB")
            summary[name] = (check_s + commit_s, memory, derive_s + osm_commit_s, osm_memory)
            store.close()
    print(f"process peak resident memory (C libraries included): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    last = summary.get("postgis") or summary["sqlite"]
    print(f"import_s_largest={last[0]:.2f} peak_mb_largest={last[1]:.0f} import_s_osm={last[2]:.2f} "
          f"peak_mb_osm={last[3]:.0f} backend={'postgis' if 'postgis' in summary else 'sqlite'}")


if __name__ == "__main__":
    main()
