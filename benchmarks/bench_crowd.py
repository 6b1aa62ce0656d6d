"""A summit crowd on the servers alone. Run on demand: `python benchmarks/bench_crowd.py` (about 5 minutes).

Part (b) of issue 33: 1, 10, 25 and 50 sessions opening the City page (Bishkek) at once over Streamlit's
websocket, without browsers (tests/streamlit_wire.session_load: the time until the server has sent the page's map
element), against one Atlas process (`streamlit run serve.py`) and against two behind HAProxy
(`scripts/serve-many.sh 2`), each warmed first (its start-up cache warming finished). Per level: median and 95th
percentile time to the map element, errors (a session that closed, failed or drew no map), the servers' CPU
per load (counted until they fall idle again, the script runs finished) and their resident memory growth after
warming. A session closes once its map element has arrived. Loopback only, bounded to 50 sessions.

Not yet measured here: part (a), the weak-link table in a throttled browser (issue 33 stays open); its fields in
the last line read `n/a`. The last line reads `weak_first_ms=… weak_return_ms=… weak_ratio=… p95_50_ms=… errors=…
cpu_per_load_ms=… scale_2proc=…` (p95_50_ms and cpu_per_load_ms of one process; scale_2proc = the two processes'
95th percentile at 50 sessions over one process's, in the same run).
"""
from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil

from benchmarks.bench_browser import free_port, median_and_errors, server
from tests.streamlit_wire import session_load

LEVELS = (1, 10, 25, 50)
PAGE, QUERY = "city", "city=bishkek"


def idle(processes: list[psutil.Process], timeout_s: float = 600) -> float:
    """Seconds until every server's CPU has fallen idle (start-up warming done)."""
    start = time.perf_counter()
    for p in processes:
        p.cpu_percent(None)
    while time.perf_counter() - start < timeout_s:
        time.sleep(2)
        if sum(p.cpu_percent(None) for p in processes) < 5:
            break
    return time.perf_counter() - start


def cpu_s(processes: list[psutil.Process]) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in processes)


def rss_mib(processes: list[psutil.Process]) -> float:
    return sum(p.memory_info().rss for p in processes) / 2**20


def crowd(url: str, processes: list[psutil.Process], label: str) -> dict[int, tuple[float, float, int, float]]:
    """Each level: (median s, 95th percentile s, errors, CPU ms per load); prints the table with RSS growth."""
    warmed = idle(processes)
    rss_start, results = rss_mib(processes), {}
    print(f"\n{label}: warmed in {warmed:.0f} s, RSS {rss_start:,.0f} MiB")
    print("  sessions  median_s  p95_s  errors  cpu_ms_per_load  rss_growth_mib")
    for count in LEVELS:
        cpu_before = cpu_s(processes)

        async def together(count: int = count) -> list:
            return await asyncio.gather(*(session_load(url, PAGE, QUERY) for _ in range(count)),
                                        return_exceptions=True)
        seconds = asyncio.run(together())
        idle(processes, 60)  # the runs the sessions started finish too: their CPU counts
        median, errors = median_and_errors(seconds)
        times = sorted(s for s in seconds if not isinstance(s, BaseException) and not math.isnan(s))
        p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)] if times else float("nan")
        per_load = (cpu_s(processes) - cpu_before) / count * 1000
        results[count] = (median, p95, errors, per_load)
        growth = rss_mib(processes) - rss_start
        print(f"  {count:>8} {median:9.2f} {p95:6.2f} {errors:7} {per_load:16,.0f} {growth:15,.0f}")
    return results


@contextlib.contextmanager
def balanced(user_dir: str):
    """`bash scripts/serve-many.sh 2 PORT`; yields (URL, the two Streamlit processes)."""
    port = free_port()
    log = open(Path(user_dir) / "serve-many.log", "w")  # noqa: SIM115  (closed when the processes stop)
    started = subprocess.Popen(["bash", "scripts/serve-many.sh", "2", str(port)], cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "ATLAS_USER_DIR": user_dir, "ATLAS_BACKEND_PORT": str(free_port())})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            time.sleep(0.5)
        run_dir = Path((Path(user_dir) / "serve-many.log").read_text().split("logs and pids: ")[1].split(")")[0])
        yield url, [psutil.Process(int((run_dir / f"atlas{i}.pid").read_text())) for i in (1, 2)]
    finally:
        os.killpg(started.pid, signal.SIGTERM)
        started.wait(timeout=30)
        log.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, server(ROOT / "serve.py", folder) as (url, proc):
        one = crowd(url, [psutil.Process(proc.pid)], "one process (streamlit run serve.py)")
    with tempfile.TemporaryDirectory() as folder, balanced(folder) as (url, processes):
        two = crowd(url, processes, "two processes behind HAProxy (scripts/serve-many.sh 2)")
    scale = two[50][1] / one[50][1] if one[50][1] else float("nan")
    errors = sum(r[2] for r in one.values()) + sum(r[2] for r in two.values())
    print(f"weak_first_ms=n/a weak_return_ms=n/a weak_ratio=n/a p95_50_ms={one[50][1] * 1000:.0f} errors={errors} "
          f"cpu_per_load_ms={statistics.median(r[3] for r in one.values()):.0f} scale_2proc={scale:.2f}")


if __name__ == "__main__":
    main()
