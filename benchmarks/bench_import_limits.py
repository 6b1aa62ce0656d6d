"""Import-check limits benchmark. Run on demand: `python benchmarks/bench_import_limits.py [--plain-timeout 120]`.

For the largest legitimate file in ../shared/data and for the bounded hostile cases of tests/hostile_inputs.py
(a zip bomb, a Parquet file decoding to 4 million rows, a CSV with a million columns), it prints the time and
the peak resident memory of the Atlas's import check (geo.imports.read_file, which refuses the hostile ones)
against a plain read of the same bytes (geopandas/pandas with no limits), each in a fresh process so the peaks
do not mix. A plain read that passes --plain-timeout is stopped and shown as such.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cases() -> dict[str, tuple[str, bytes]]:
    from benchmarks.bench_import import largest_shared_file
    from tests import hostile_inputs as h
    largest = largest_shared_file()
    bomb = h.zipped({"a.shp": b"\0" * 200_000_000, "a.shx": b"x", "a.dbf": b"x"})
    return {"largest legitimate file": (largest.name, largest.read_bytes()),
            "zip bomb (200 MB of zeros)": ("bomb.zip", bomb),
            "Parquet decoding to 4 million rows": ("bomb.parquet", h.parquet_bomb(4_000_000)),
            "CSV with a million columns": ("wide.csv", h.million_columns_csv(1_000_000))}


def plain_read(name: str, path: Path):
    """What a reader without limits does with the file."""
    import zipfile

    import geopandas as gpd
    import pandas as pd
    if name.endswith(".parquet"):
        return gpd.read_parquet(path)
    if name.endswith(".csv"):
        return pd.read_csv(path)
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
            archive.extractall(folder)
            return sum(p.stat().st_size for p in Path(folder).iterdir())
    return gpd.read_file(path)


def peak_resident_mb() -> float:
    """This process's peak resident size (VmHWM: reset at exec, unlike ru_maxrss, which a child started by a
    big parent inherits)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, name: str, path: Path) -> None:
    """One measurement in this fresh process: prints seconds, peak RSS (MB) and the outcome as JSON."""
    from geo.errors import ImportRejected
    from geo.readers import read_file
    content = path.read_bytes()
    start = time.perf_counter()
    try:
        if mode == "check":
            outcome = f"accepted, {len(read_file(name, content))} rows"
        else:
            result = plain_read(name, path)
            outcome = f"read, {len(result)} rows" if hasattr(result, "__len__") else f"read, {result / 1e6:.0f} MB"
    except ImportRejected as rejected:
        outcome = f"refused: {rejected.problems[0].code}"
    seconds = time.perf_counter() - start
    peak_mb = peak_resident_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "outcome": outcome}))


def measure(mode: str, name: str, path: Path, timeout: float) -> dict:
    try:
        done = subprocess.run([sys.executable, __file__, "--child", mode, name, str(path)], capture_output=True,
                              text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "peak_mb": float("nan"), "outcome": f"stopped after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"seconds": float("nan"), "peak_mb": float("nan"),
                "outcome": f"failed: {done.stderr.strip().splitlines()[-1][:80]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plain-timeout", type=float, default=120.0)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "NAME", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]))
        return
    idle = measure("check", "empty.csv", Path(__file__), 60)  # a process that only imports the Atlas
    print(f"baseline process (imports only): peak {idle['peak_mb']:.0f} MB")
    worst_check_mb = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for label, (name, content) in cases().items():
            path = Path(folder) / name
            path.write_bytes(content)
            check = measure("check", name, path, 600)
            plain = measure("plain", name, path, args.plain_timeout)
            worst_check_mb = max(worst_check_mb, check["peak_mb"])
            print(f"{label} ({len(content) / 1e6:.1f} MB on disk): check {check['seconds'] * 1000:.0f} ms, "
                  f"peak {check['peak_mb']:.0f} MB, {check['outcome']} | plain read {plain['seconds'] * 1000:.0f} ms, "
                  f"peak {plain['peak_mb']:.0f} MB, {plain['outcome']} | time ratio "
                  f"{check['seconds'] / plain['seconds']:.2f}")
    print(f"worst_check_peak_mb={worst_check_mb:.0f} baseline_peak_mb={idle['peak_mb']:.0f}")


if __name__ == "__main__":
    main()
