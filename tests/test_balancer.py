"""Several Atlas processes behind HAProxy (scripts/serve-many.sh): one command starts them; a browser's cookie
pins every request (pages, the websocket of its session, uploads) to one process; when that process stops, the
browser is sent to another, where its page opens again as a new session."""
import asyncio
import http.cookies
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.streamlit_wire import session_load
from tests.test_browser import free_port

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("haproxy") is None,
                                                    reason="haproxy is not installed (scripts/install-system-deps.sh)")]
REPO = Path(__file__).resolve().parent.parent


def answer(url: str, cookie: str = "", method: str = "GET") -> tuple[int, str, str]:
    """(status, the process that answered, the cookie the balancer set) for one request through the balancer."""
    request = urllib.request.Request(url, method=method, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as refused:
        status, headers = refused.code, refused.headers
    jar = http.cookies.SimpleCookie(headers.get("Set-Cookie", ""))
    return status, headers.get("X-Atlas-Process", ""), jar["ATLAS_PROCESS"].value if "ATLAS_PROCESS" in jar else ""


@pytest.fixture()
def balanced(tmp_path):
    """`bash scripts/serve-many.sh 2 PORT` as the README says, on free ports with its own store folder; yields
    the balancer's URL and the folder of the processes' pid files."""
    port, first = free_port(), free_port()
    env = {**os.environ, "ATLAS_USER_DIR": str(tmp_path), "ATLAS_BACKEND_PORT": str(first)}
    env.pop("ATLAS_DATABASE_URL", None)
    with (tmp_path / "serve-many.log").open("w") as log:
        started = subprocess.Popen(["bash", "scripts/serve-many.sh", "2", str(port)], cwd=REPO, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        waiting = [url, f"http://127.0.0.1:{first}", f"http://127.0.0.1:{first + 1}"]  # the balancer, each process
        while waiting and time.monotonic() < deadline:
            try:
                if answer(waiting[0] + "/_stcore/health")[0] == 200:
                    waiting.pop(0)
                    continue
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(1)
        while not waiting and time.monotonic() < deadline:  # until the balancer's checks have seen both up
            if {answer(url + "/_stcore/health")[1] for _ in range(4)} == {"atlas1", "atlas2"}:
                break
            time.sleep(1)
        else:
            pytest.fail(f"{waiting[:1] or 'a process'} never answered: "
                        + (tmp_path / "serve-many.log").read_text()[-2000:])
        run_dir = Path((tmp_path / "serve-many.log").read_text().split("logs and pids: ")[1].split(")")[0])
        yield url, run_dir
    finally:
        os.killpg(started.pid, signal.SIGTERM)
        started.wait(timeout=30)


def test_one_browser_stays_on_one_process_and_moves_when_it_stops(balanced):
    url, run_dir = balanced
    status, process, cookie = answer(url + "/?city=bishkek")
    assert status == 200 and process in ("atlas1", "atlas2") and cookie == process
    pinned = f"ATLAS_PROCESS={cookie}"
    for _ in range(5):  # reloads, and the upload endpoint: the same process every time
        assert answer(url + "/?city=bishkek", pinned)[1] == process
        assert answer(url + "/_stcore/upload_file/session/file", pinned, method="PUT")[1] == process
    for _ in range(2):  # two sessions in a row (reruns of the page) on the pinned process draw the map
        assert asyncio.run(session_load(url, "city", "city=bishkek", {"Cookie": pinned})) < 60
    other = "atlas2" if process == "atlas1" else "atlas1"
    assert {answer(url + "/?city=osh")[1] for _ in range(4)} == {"atlas1", "atlas2"}  # new browsers: both serve
    os.kill(int((run_dir / f"{process}.pid").read_text()), signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and answer(url + "/?city=bishkek", pinned)[1] != other:
        time.sleep(0.5)
    status, moved_to, _ = answer(url + "/?city=bishkek", pinned)
    assert status == 200 and moved_to == other  # the stopped process's browser is served by the other one
    assert asyncio.run(session_load(url, "city", "city=bishkek", {"Cookie": pinned})) < 60  # and its page opens
