"""What a person waits for in the browser. Run on demand: `python benchmarks/bench_browser.py`.

Starts the Atlas as the README serves it (`streamlit run serve.py`: caches warmed at start, gzip) and a minimal
Streamlit page with one st_folium map of the same Bishkek layers (its boundary
and 540 health facilities, drawn by the Atlas's own map builder, so both serve Leaflet offline), in one run,
on loopback. Then, in headless Chromium with every non-local request refused and a fresh browser context per
load (cold browser cache), warm server:
0. the first visitor after a restart (once the start-up warming has finished: the server's CPU is idle);
1. time from navigation to the first drawn map (a Leaflet path in a map frame), bytes received, the script
   runs the load caused (full runs + fragment runs) and the server's CPU time per load, for the minimal page
   and each Atlas page with a map, over 5 interleaved rounds (medians; the ratio is taken within each round);
2. a load run: 1, 5, 10 and 20 sessions opening the City page (Bishkek) at once, with errors, the median first
   map, the server's resident memory and who used the machine's CPU (browsers, servers, harness, the host);
   the minimal page gets the same run first, so its own 20-session ratio shows what this machine allows;
3. the servers alone: the same 1, 5, 10 and 20 sessions opened over the websocket without a browser, each
   timed until the server has sent the map's element (what the server adds to a first map under load).
The last line reads `worst_ratio=… city_ms=… baseline_ms=… p20_over_p1=…` (ratios against the minimal page
and the single session measured in the same run), after the runs per load (full+fragment).
"""
from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from tests.streamlit_wire import FRAGMENT_RUN, script_finished, session_load  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {"overview": "/", "city_bishkek": "/city?city=bishkek", "city_almaty": "/city?city=almaty",
         "profile": "/profile?city=almaty", "compare": "/compare", "access": "/access?city=bishkek",
         "siting": "/siting?city=bishkek", "air_almaty": "/air?city=almaty",
         "summit": "/summit"}  # every page with a map at its first visit (Water and Data: after an import)
LOADS = 5  # rounds, each loading every page once
# Offline inside the browser: every request but loopback goes to a closed port (no per-request round trip
# through the harness, which twenty sessions would queue behind).
OFFLINE = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost"}
PLAIN = ("--server.enableWebsocketCompression", "false")  # the minimal page as Streamlit serves by default
SESSIONS = (1, 5, 10, 20)  # the 20 sessions are bounded: one browser, loopback only
MINIMAL_PAGE = '''"""A minimal page: one st_folium map of Bishkek's boundary and health facilities (the benchmark's baseline)."""
import streamlit as st
from streamlit_folium import st_folium

from components import data

st.title("Minimal map")
layers = [layer for layer in data.city_map_layers("bishkek", "en")
          if layer.spec.id in ("boundary", "health_facilities")]
bounds = tuple(data.city_layer("bishkek", "boundary").total_bounds)
from components.maps import build_map
st_folium(build_map(layers, bounds, base_url="/", lang="en"), height=560, use_container_width=True,
          returned_objects=[])
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(script: Path, user_dir: str, options: tuple[str, ...] = ()):
    """A Streamlit server for `script` on a free loopback port (the repository's .streamlit/config.toml, then
    `options`); yields (base URL, process)."""
    port = free_port()
    log = open(Path(user_dir) / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", *options], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ATLAS_USER_DIR": user_dir, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    try:
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def script_runs(statuses: list[int]) -> tuple[int, int]:
    """(full runs, fragment runs) among the script_finished statuses a session received."""
    return sum(s != FRAGMENT_RUN for s in statuses), sum(s == FRAGMENT_RUN for s in statuses)


MAP_DRAWN_SCRIPT = """(() => {
  if (window === window.top) return;  // map frames only: the page's own document has no Leaflet
  const timer = setInterval(() => {  // a check inside the frame; a MutationObserver misses st_folium's map
    if (!document.querySelector("path.leaflet-interactive")) return;
    clearInterval(timer);
    window.atlasMapDrawn(Date.now());
  }, 20);
})();"""


async def first_map(browser, url: str, measure: bool = True) -> tuple[float, int, tuple[int, int]]:
    """Seconds from navigation to the first Leaflet path in a map frame (seen inside the browser, stamped with the
    browser's clock), in a fresh context; with `measure`, also the bytes received and the script runs
    (full, fragment) until two seconds after. The load run leaves those out so the harness stays light."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    drawn = asyncio.get_running_loop().create_future()
    received, statuses = [], []

    def on_frame(payload):
        if (status := script_finished(payload)) is not None:
            statuses.append(status)

    async def finished(request):
        with contextlib.suppress(Exception):
            received.append((await request.sizes())["responseBodySize"])

    await context.expose_binding("atlasMapDrawn", lambda _source, epoch_ms: drawn.done() or drawn.set_result(epoch_ms))
    await context.add_init_script(MAP_DRAWN_SCRIPT)
    page = await context.new_page()
    if measure:
        page.on("requestfinished", lambda request: asyncio.ensure_future(finished(request)))
        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    start = time.time()  # the browser stamps the drawn map with the same wall clock
    seconds = float("nan")
    try:  # a load that fails or never draws within 300 s is an error (NaN), and its context is still closed
        with contextlib.suppress(asyncio.TimeoutError, PlaywrightTimeoutError):
            await page.goto(url, wait_until="commit", timeout=300_000)  # 20 sessions on 2 cores take long
            seconds = await asyncio.wait_for(drawn, timeout=300 - (time.time() - start)) / 1000 - start
        if measure:
            await page.wait_for_timeout(2000)
    finally:
        await context.close()
    return seconds, sum(received), script_runs(statuses)


def median_and_errors(seconds: list) -> tuple[float, int]:
    """The median of the sessions that gave a time, and how many did not (an exception, or NaN: never drawn)."""
    times = [s for s in seconds if not isinstance(s, BaseException) and not math.isnan(s)]
    return (statistics.median(times) if times else float("nan")), len(seconds) - len(times)


def rss_mib(proc: subprocess.Popen) -> float:
    return psutil.Process(proc.pid).memory_info().rss / 2**20


def process_cpu_s(proc: subprocess.Popen) -> float:
    """CPU seconds a server has used so far: per page load, a figure the shared machine's noise barely moves."""
    times = psutil.Process(proc.pid).cpu_times()
    return times.user + times.system


def wait_until_idle(proc: subprocess.Popen, timeout_s: float = 600) -> float:
    """Seconds until the server's CPU falls idle (the start-up cache warming has finished)."""
    server, start = psutil.Process(proc.pid), time.perf_counter()
    server.cpu_percent(None)
    while time.perf_counter() - start < timeout_s:
        if server.cpu_percent(2.0) < 5:
            break
    return time.perf_counter() - start


def machine_cpu_s() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine so far: stolen is time the host gave to other machines."""
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq, getattr(times, "steal", 0.0)


def harness_cpu_s() -> float:
    """CPU seconds used so far by this benchmark's own process and its Playwright driver (node)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "node" in child.name():
                total += sum(child.cpu_times()[:2])
    return total


@contextlib.contextmanager
def atlas_and_minimal():
    """The Atlas as the README serves it and the minimal page the plain way, in one run; yields
    ((Atlas URL, process), (minimal page URL, process))."""
    with tempfile.TemporaryDirectory() as atlas_dir, tempfile.TemporaryDirectory() as minimal_dir:
        minimal = Path(minimal_dir) / "minimal_map.py"
        minimal.write_text(MINIMAL_PAGE, encoding="utf-8")
        (Path(minimal_dir) / "static").symlink_to(ROOT / "static")  # Leaflet's files, served as the Atlas does
        with server(ROOT / "serve.py", atlas_dir) as atlas, server(minimal, minimal_dir, PLAIN) as baseline:
            yield atlas, baseline


async def run() -> None:
    with atlas_and_minimal() as ((atlas, atlas_proc), (baseline, baseline_proc)):
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, proxy=OFFLINE)
            warm_s = wait_until_idle(atlas_proc)
            first_s, _, first_runs = await first_map(browser, atlas + PAGES["city_bishkek"])
            print(f"first visitor after a restart: City map in {first_s * 1000:.0f} ms, runs {first_runs} "
                  f"(start-up warming took {warm_s:.0f} s, server RSS {rss_mib(atlas_proc):.0f} MiB)\n")
            for url in (baseline, *(atlas + path for path in PAGES.values())):  # warm both servers
                await first_map(browser, url)
            pages = {"minimal st_folium page": (baseline, baseline_proc),
                     **{name: (atlas + path, atlas_proc) for name, path in PAGES.items()}}
            loads, server_cpu = {name: [] for name in pages}, dict.fromkeys(pages, 0.0)
            for _ in range(LOADS):  # interleaved: a slow spell of the shared machine hits every page alike
                for name, (url, proc) in pages.items():
                    cpu_before = process_cpu_s(proc)
                    loads[name].append(await first_map(browser, url))
                    server_cpu[name] += (process_cpu_s(proc) - cpu_before) / LOADS
            minimal = [s for s, _, _ in loads["minimal st_folium page"]]
            rows = {name: (statistics.median(s for s, _, _ in runs),
                           statistics.median(s / m for (s, _, _), m in zip(runs, minimal)),
                           statistics.median(b for _, b, _ in runs), max(r for _, _, r in runs))
                    for name, runs in loads.items()}
            base_s = rows["minimal st_folium page"][0]
            print(f"{'page':<24} {'first map':>10} {'/ minimal':>10} {'bytes':>10} {'runs (full, fragment)':>22}"
                  f" {'server CPU':>11}")
            for name, (seconds, ratio, size, runs) in rows.items():
                print(f"{name:<24} {seconds * 1000:>8.0f}ms {ratio:>10.2f} {size / 1e6:>8.2f}MB"
                      f" {str(runs):>22} {server_cpu[name] * 1000:>9.0f}ms")
            print("(/ minimal: the median, over the rounds, of the page's time over the minimal page's in the same"
                  " round)")
            load, floor = {}, {}
            print(f"\n{'sessions':>8} {'page':>8} {'median first map':>17} {'errors':>7} {'server RSS':>11}")
            for count in SESSIONS:
                for name, url, proc, store in (("minimal", baseline, baseline_proc, floor),
                                               ("city", atlas + PAGES["city_bishkek"], atlas_proc, load)):
                    servers_before = process_cpu_s(atlas_proc) + process_cpu_s(baseline_proc)
                    (busy_before, stolen_before), harness_before = machine_cpu_s(), harness_cpu_s()
                    wall_before = time.perf_counter()
                    results = await asyncio.gather(*(first_map(browser, url, measure=False) for _ in range(count)),
                                                   return_exceptions=True)
                    store[count], errors = median_and_errors([r if isinstance(r, BaseException) else r[0]
                                                              for r in results])
                    machine_s = (time.perf_counter() - wall_before) * os.cpu_count()
                    busy, stolen = (now - before for now, before in zip(machine_cpu_s(), (busy_before, stolen_before)))
                    servers = process_cpu_s(atlas_proc) + process_cpu_s(baseline_proc) - servers_before
                    harness = harness_cpu_s() - harness_before
                    browsers = busy - servers - harness  # and whatever else ran: the browsers' processes come and go
                    print(f"{count:>8} {name:>8} {store[count] * 1000:>15.0f}ms {errors:>7} {rss_mib(proc):>9.0f}MiB"
                          f"   of the machine: browsers {browsers / machine_s:.0%}, servers {servers / machine_s:.0%},"
                          f" harness {harness / machine_s:.0%}, taken by the host {stolen / machine_s:.0%}")
            await browser.close()
        wire = {}
        print("\nthe servers alone (sessions opened without a browser): median time to the map's element sent")
        sessions = (("minimal", baseline, "", ""), ("city", atlas, "city", "city=bishkek"))
        for _, url, page_name, query in sessions:  # the first session over the wire sets up the connection path
            await session_load(url, page_name, query)
        for count in SESSIONS:
            for name, url, page_name, query in sessions:
                results = await asyncio.gather(*(session_load(url, page_name, query) for _ in range(count)),
                                               return_exceptions=True)
                wire[name, count], errors = median_and_errors(results)
                print(f"{count:>8} {name:>8} {wire[name, count] * 1000:>15.0f}ms {errors:>7} errors")
    worst = max(ratio for name, (_, ratio, _, _) in rows.items() if name != "minimal st_folium page")
    print(f"\nmachine: {os.cpu_count()} cores, shared with the browsers the benchmark drives")
    print(f"the minimal page's own {SESSIONS[-1]}-session median is {floor[SESSIONS[-1]] / floor[1]:.2f}x its single "
          "session, measured the same way: the reference for p20_over_p1 on this machine and harness")
    print(f"the servers alone: {SESSIONS[-1]} sessions' median map element {wire['city', SESSIONS[-1]] * 1000:.0f} ms "
          f"(Atlas City) and {wire['minimal', SESSIONS[-1]] * 1000:.0f} ms (minimal page): the servers' part of the "
          "load run's first maps")
    print("runs_per_load=" + ",".join(f"{name}:{runs[0]}+{runs[1]}" for name, (_, _, _, runs) in rows.items()))
    print(f"worst_ratio={worst:.2f} city_ms={rows['city_bishkek'][0] * 1000:.0f} baseline_ms={base_s * 1000:.0f} "
          f"p20_over_p1={load[20] / load[1]:.2f}")


if __name__ == "__main__":
    asyncio.run(run())
