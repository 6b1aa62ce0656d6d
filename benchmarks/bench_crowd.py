"""A weak link and a summit crowd. Run on demand: `python benchmarks/bench_crowd.py` (about 20 minutes;
`--part a` or `--part b` runs one half).

Part (a), the weak link: in headless Chromium (offline but for loopback) with the network throttled by CDP's
Network.emulateNetworkConditions to 1 Mbit/s down, 0.5 Mbit/s up and 300 ms round trip, and to Lighthouse's
slow-4G profile as DevTools applies it (562.5 ms, 1.47 Mbit/s down, 0.69 up; network only, no CPU slowdown), each
page is opened in a fresh browser context (first visit: empty cache) and then again in that same context (return
visit: its cache kept): seconds to the page's title, to its first drawn map (a Leaflet path in a map frame), and
the bytes received by then (HTTP bodies and headers as sent, plus websocket frames as decoded: an upper bound where
the websocket is deflate-compressed). The Atlas is served by the
README's command (`streamlit run serve.py`), the minimal page (one st_folium map of Bishkek's boundary and health
facilities, benchmarks/bench_browser.MINIMAL_PAGE) the plain way (`streamlit run`), both warmed first.

Part (b) of issue 33: 1, 10, 25 and 50 sessions opening the City page (Bishkek) at once over Streamlit's
websocket, without browsers (tests/streamlit_wire.session_load: the time until the server has sent the page's map
element), against one Atlas process (`streamlit run serve.py`) and against two behind HAProxy
(`scripts/serve-many.sh 2`), each warmed first (its start-up cache warming finished). Per level: median and 95th
percentile time to the map element, errors (a session that closed, failed or drew no map), the servers' CPU
per load (counted until they fall idle again, the script runs finished) and their resident memory growth after
warming. A session closes once its map element has arrived. Loopback only, bounded to 50 sessions.

The last line reads `weak_first_ms=… weak_return_ms=… weak_ratio=… p95_50_ms=… errors=… cpu_per_load_ms=…
scale_2proc=…`: the City map's first and return visit on 1 Mbit/s, the worst map page's first visit over the
minimal page's, the server CPU per whole City page load in a browser (unthrottled: the map, the charts released
after it, every request); p95_50_ms of one process; scale_2proc = the two processes' 95th percentile at
50 sessions over one process's, in the same run. A half not run reads n/a.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
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

from playwright.async_api import async_playwright

from benchmarks.bench_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_DRAWN_SCRIPT,
    OFFLINE,
    atlas_and_minimal,
    first_map,
    free_port,
    median_and_errors,
    process_cpu_s,
    server,
    wait_until_idle,
)
from tests.streamlit_wire import session_load

LEVELS = (1, 10, 25, 50)
PAGE, QUERY = "city", "city=bishkek"
# CDP Network.emulateNetworkConditions: latency in ms, throughputs in bytes per second
WEAK_LINK = {"latency": 300, "downloadThroughput": 1_000_000 / 8, "uploadThroughput": 500_000 / 8}
SLOW_4G = {"latency": 150 * 3.75, "downloadThroughput": 1.6 * 1024 * 0.9 * 1024 / 8,  # Lighthouse's mobileSlow4G
           "uploadThroughput": 750 * 0.9 * 1024 / 8}
MINIMAL = "minimal st_folium page"
MAP_PAGES = {"City (Bishkek)": "/city?city=bishkek", "Overview": "/", "Profile (Almaty)": "/profile?city=almaty",
             "Compare": "/compare", "Access (Bishkek)": "/access?city=bishkek",
             "Where to build (Bishkek)": "/siting?city=bishkek", "Air quality (Almaty)": "/air?city=almaty",
             "Summit": "/summit"}  # every page with a map at its first visit (Water and Data draw one after an import)
SLOW_4G_PAGES = ("City (Bishkek)", "Overview", "Air quality (Almaty)")
TITLE_SHOWN_SCRIPT = """(() => {
  if (window !== window.top) return;
  const timer = setInterval(() => {
    if (!document.querySelector("h1")) return;
    clearInterval(timer);
    window.atlasTitleShown(Date.now());
  }, 20);
})();"""


async def throttled_visit(context, url: str, conditions: dict) -> tuple[float, float, int]:
    """(seconds to the title, seconds to the first drawn map, bytes received by then) of one visit in `context`
    with the network throttled; NaN for what did not come within 120 s."""
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
    loop, received = asyncio.get_running_loop(), [0]
    shown = {"title": loop.create_future(), "map": loop.create_future()}
    context.atlas_futures = shown  # the context's bindings stamp the futures of the page being visited
    cdp.on("Network.loadingFinished", lambda event: received.__setitem__(0, received[0] + event["encodedDataLength"]))

    def frame(event: dict) -> None:
        payload = event["response"]["payloadData"]
        size = len(base64.b64decode(payload)) if event["response"]["opcode"] == 2 else len(payload.encode())
        received[0] += size
    cdp.on("Network.webSocketFrameReceived", frame)
    start = time.time()
    await page.goto(url, wait_until="commit", timeout=120_000)
    title_s = map_s = float("nan")
    with contextlib.suppress(asyncio.TimeoutError):
        title_s = await asyncio.wait_for(asyncio.shield(shown["title"]), 120) / 1000 - start
        map_s = await asyncio.wait_for(shown["map"], 120 - (time.time() - start)) / 1000 - start
    by_then = received[0]
    await page.wait_for_timeout(3000)  # what loads after the map (charts) reaches the cache for the return visit
    await page.close()
    return title_s, map_s, by_then


async def weak_link_table(pages: dict[str, str], label: str, conditions: dict, names: tuple[str, ...]) -> dict:
    """Each page's first and return visit under `conditions`; prints the table, returns {name: (first, return)}."""
    print(f"\n{label}")
    print(f"{'page':<26} {'title':>7} {'first map':>10} {'bytes by then':>14} {'return title':>13} {'return map':>11}"
          f" {'return bytes':>13}")
    rows = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, proxy=OFFLINE)
        for name in names:
            context = await browser.new_context(viewport={"width": 1366, "height": 768})
            for binding, key in (("atlasTitleShown", "title"), ("atlasMapDrawn", "map")):
                await context.expose_binding(binding, lambda _source, ms, key=key, context=context: (
                    context.atlas_futures[key].done() or context.atlas_futures[key].set_result(ms)))
            await context.add_init_script(TITLE_SHOWN_SCRIPT)
            await context.add_init_script(MAP_DRAWN_SCRIPT)
            first = await throttled_visit(context, pages[name], conditions)
            again = await throttled_visit(context, pages[name], conditions)
            await context.close()
            rows[name] = (first, again)
            print(f"{name:<26} {first[0]:6.1f}s {first[1]:9.1f}s {first[2] / 1e6:12.2f}MB {again[0]:12.1f}s"
                  f" {again[1]:10.1f}s {again[2] / 1e6:11.2f}MB", flush=True)
        await browser.close()
    return rows


FULL_LOADS = 6


async def cpu_per_full_load(pages: dict[str, tuple[str, subprocess.Popen]]) -> dict[str, float]:
    """Server CPU seconds per whole page load in a browser, unthrottled (fresh context each time; the map, the
    charts released after it, every request until two seconds after the map), the median of FULL_LOADS."""
    per_load = {name: [] for name in pages}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, proxy=OFFLINE)
        for _ in range(FULL_LOADS):
            for name, (url, proc) in pages.items():
                before = process_cpu_s(proc)
                await first_map(browser, url)
                per_load[name].append(process_cpu_s(proc) - before)
        await browser.close()
    return {name: statistics.median(seconds) for name, seconds in per_load.items()}


def weak_link() -> tuple[float, float, float, float]:
    """Part (a): the tables and the server CPU per full page load; returns (City first visit s, City return visit
    s, worst map page first / minimal, server CPU s per City page load)."""
    with atlas_and_minimal() as ((atlas, atlas_proc), (baseline, baseline_proc)):
        wait_until_idle(atlas_proc)
        pages = {MINIMAL: baseline, **{name: atlas + path for name, path in MAP_PAGES.items()}}
        asyncio.run(weak_link_table(pages, "warming (unthrottled, not counted)", {"latency": 0,
                    "downloadThroughput": -1, "uploadThroughput": -1}, tuple(pages)))
        weak = asyncio.run(weak_link_table(pages, "1 Mbit/s down, 0.5 up, 300 ms round trip", WEAK_LINK,
                                           tuple(pages)))
        asyncio.run(weak_link_table(pages, "Lighthouse slow 4G (562.5 ms, 1.47 Mbit/s down, 0.69 up)", SLOW_4G,
                                    (MINIMAL, *SLOW_4G_PAGES)))
        cpu = asyncio.run(cpu_per_full_load({MINIMAL: (baseline, baseline_proc),
                                             "City (Bishkek)": (pages["City (Bishkek)"], atlas_proc)}))
    print("\nserver CPU per whole page load in a browser (unthrottled, median of "
          f"{FULL_LOADS}): " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in cpu.items()))
    minimal_first = weak[MINIMAL][0][1]
    worst = max(weak[name][0][1] / minimal_first for name in MAP_PAGES)
    city_first, city_return = weak["City (Bishkek)"][0][1], weak["City (Bishkek)"][1][1]
    print(f"worst map page's first visit over the minimal page's: {worst:.2f}")
    return city_first, city_return, worst, cpu["City (Bishkek)"]


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("a", "b", "all"), default="all")
    part = parser.parse_args().part
    fields = dict.fromkeys(("weak_first_ms", "weak_return_ms", "weak_ratio", "p95_50_ms", "errors", "cpu_per_load_ms",
                            "scale_2proc"), "n/a")
    if part in ("a", "all"):
        first, again, worst, cpu_s = weak_link()
        fields.update(weak_first_ms=f"{first * 1000:.0f}", weak_return_ms=f"{again * 1000:.0f}",
                      weak_ratio=f"{worst:.2f}", cpu_per_load_ms=f"{cpu_s * 1000:.0f}")
    if part in ("b", "all"):
        with tempfile.TemporaryDirectory() as folder, server(ROOT / "serve.py", folder) as (url, proc):
            one = crowd(url, [psutil.Process(proc.pid)], "one process (streamlit run serve.py)")
        with tempfile.TemporaryDirectory() as folder, balanced(folder) as (url, processes):
            two = crowd(url, processes, "two processes behind HAProxy (scripts/serve-many.sh 2)")
        fields.update(p95_50_ms=f"{one[50][1] * 1000:.0f}",
                      errors=str(sum(r[2] for r in one.values()) + sum(r[2] for r in two.values())),
                      scale_2proc=f"{two[50][1] / one[50][1]:.2f}" if one[50][1] else "nan")
    print(" ".join(f"{key}={value}" for key, value in fields.items()))


if __name__ == "__main__":
    main()
