"""Static files for a weak link: precompressed once (brotli, gzip), the encoding the browser accepts, a year's
cache where the URL names the content, and nothing outside the static folders served."""
import asyncio
import gzip
from dataclasses import dataclass

import brotli
import pytest

from components.assets import LOCAL_ASSETS, VENDOR_DIR, asset_url, content_version, install_static_assets
from components.static_files import A_YEAR, REVALIDATE, STREAMLIT_STATIC, PrecompressedStatic, precompress_all


@dataclass
class Answer:
    status_code: int
    headers: dict
    body: bytes

    @property
    def content(self) -> bytes:
        """The body as the browser runs it: brotli or gzip undone."""
        encoding = self.headers.get("content-encoding")
        return brotli.decompress(self.body) if encoding == "br" else gzip.decompress(self.body) \
            if encoding == "gzip" else self.body


async def _the_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"the app"})


class Client:
    """GET requests straight into the ASGI middleware, as the server hands them over."""

    def __init__(self, middleware: PrecompressedStatic):
        self.middleware = middleware

    def get(self, url: str, headers: dict | None = None) -> Answer:
        path, _, query = url.partition("?")
        scope = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "root_path": "",
                 "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}
        sent, asked = [], []

        async def receive():  # the request once, then nothing until the response is done (no disconnect)
            if asked:
                await asyncio.Event().wait()
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)
        asyncio.run(self.middleware(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return Answer(start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body)


@pytest.fixture()
def client(tmp_path):
    install_static_assets()
    return Client(PrecompressedStatic(_the_app, cache_dir=tmp_path / "packed")), tmp_path / "packed"


def streamlit_bundle():
    """Streamlit's largest script, as the browser asks for it."""
    path = max((STREAMLIT_STATIC / "static" / "js").glob("index.*.js"), key=lambda p: p.stat().st_size)
    return path, "/static/js/" + path.name


def test_the_browser_gets_the_encoding_it_accepts_and_the_same_bytes(client):
    http, _ = client
    path, url = streamlit_bundle()
    original = path.read_bytes()
    for accepted, encoding in (("gzip, deflate, br", "br"), ("gzip", "gzip"), ("", None)):
        answer = http.get(url, headers={"Accept-Encoding": accepted})
        assert answer.status_code == 200 and answer.headers.get("content-encoding") == encoding
        assert answer.content == original  # brotli and gzip undone: what the browser runs is the file
        assert answer.headers["cache-control"] == A_YEAR and answer.headers["vary"] == "Accept-Encoding"
        assert answer.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    packed = http.get(url, headers={"Accept-Encoding": "br"}).headers["content-length"]
    assert int(packed) < len(original) / 3  # brotli at quality 11: Streamlit's scripts shrink to under a third


def test_compressed_once_not_per_request(client):
    http, cache_dir = client
    _, url = streamlit_bundle()
    http.get(url, headers={"Accept-Encoding": "br"})
    made = {p: p.stat().st_mtime_ns for p in cache_dir.iterdir()}
    for _ in range(3):
        http.get(url, headers={"Accept-Encoding": "br"})
    assert {p: p.stat().st_mtime_ns for p in cache_dir.iterdir()} == made and len(made) == 1


def test_leaflet_is_kept_a_year_only_under_its_content_named_url(client):
    http, _ = client
    url = asset_url("leaflet", "/")
    assert url.endswith("?v=" + content_version(VENDOR_DIR / LOCAL_ASSETS["leaflet"]))
    assert http.get(url).headers["cache-control"] == A_YEAR
    assert http.get(url.split("?")[0]).headers["cache-control"] == REVALIDATE  # no version: asked again each time
    assert http.get(url.split("?")[0] + "?v=0123456789ab").headers["cache-control"] == REVALIDATE


def test_only_the_static_folders_are_served(client):
    http, _ = client
    for url in ("/app/static/../../serve.py", "/static/../../__init__.py", "/city", "/_stcore/health",
                "/app/static/vendor/leaflet/missing.js"):
        answer = http.get(url)
        assert answer.status_code == 404 and answer.body == b"the app", url


def test_precompressing_at_start_covers_every_file_both_ways(tmp_path, monkeypatch):
    """Over the Atlas's own static folder (Streamlit's 23 MB take about 40 s: the server does it in the
    background at start), every compressible file of 1 kB or more, brotli and gzip, each undone to the file."""
    from components import static_files
    install_static_assets()
    monkeypatch.setattr(static_files, "ROOTS", (("/app/static/", static_files.STATIC_DIR),))
    count = precompress_all(tmp_path)
    files = [p for p in static_files.STATIC_DIR.rglob("*") if p.is_file() and p.suffix in static_files.COMPRESSIBLE
             and p.stat().st_size >= static_files.MIN_BYTES]
    assert count == len(files) >= 3 and len(list(tmp_path.iterdir())) == 2 * count
    leaflet = (VENDOR_DIR / LOCAL_ASSETS["leaflet"]).read_bytes()
    unpacked = {gzip.decompress(p.read_bytes()) for p in tmp_path.glob("*.gz")}
    unpacked |= {brotli.decompress(p.read_bytes()) for p in tmp_path.glob("*.br")}
    assert leaflet in unpacked
