"""Static files for a weak link: precompressed once (brotli, gzip), the encoding the browser accepts, a year's
cache where the URL names the content, maps published as pages named by their content, and nothing outside the
static folders served."""
import asyncio
import gzip
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest

from components.assets import LOCAL_ASSETS, VENDOR_DIR, asset_url, content_version, install_static_assets
from components.static_files import (
    A_YEAR,
    ICON_FONT,
    MAPS_DIR,
    PRECOMPRESSED_DIR,
    REVALIDATE,
    STREAMLIT_STATIC,
    TEXT_FONT,
    TEXT_FONT_RANGES,
    IndexPageHead,
    PrecompressedStatic,
    icon_font_subset,
    icon_names,
    precompress_all,
    precompressed,
    prune_old_files,
    publish_map,
    text_font_subset,
)


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


def test_streamlits_fonts_are_kept_a_year_and_sent_as_they_are(client):
    """A return visit fetched the 170 kB text font again: the fonts' names carry their hash like the scripts', so
    they are kept too (woff2 is compressed already: sent as it is, or as its cut). The icon font: below."""
    http, packed = client
    for font in (STREAMLIT_STATIC / "static" / "media").glob("*.woff2"):
        if ICON_FONT.match(font.name):
            continue
        answer = http.get("/static/media/" + font.name, headers={"Accept-Encoding": "br, gzip"})
        assert answer.headers["cache-control"] == A_YEAR and "content-encoding" not in answer.headers, font.name
        assert answer.body == (text_font_subset(font, packed) if TEXT_FONT.match(font.name) else font).read_bytes()


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


def test_a_published_map_is_served_compressed_and_kept_a_year_and_each_content_has_its_own_url():
    """The page's map travels as a URL (the websocket carries ~60 bytes); the browser fetches the page once and
    keeps it, and a changed map (another language, a new layer) is another URL, so nothing stale is shown."""
    http = Client(PrecompressedStatic(_the_app, cache_dir=PRECOMPRESSED_DIR))
    page = "<!DOCTYPE html><html><body><script>var layer = " + "[1, 2, 3], " * 400 + "0;</script></body></html>"
    url = publish_map(page, "/")
    assert url.startswith("/app/maps/") and url == publish_map(page, "/")
    assert publish_map(page.replace("[1, 2, 3]", "[1, 2, 4]"), "/") != url
    made = sorted(p.stat().st_mtime_ns for p in PRECOMPRESSED_DIR.iterdir())
    for accepted, encoding in (("gzip, deflate, br", "br"), ("gzip", "gzip"), ("", None)):
        answer = http.get(url, headers={"Accept-Encoding": accepted})
        assert answer.status_code == 200 and answer.headers.get("content-encoding") == encoding
        assert answer.content.decode() == page and answer.headers["content-type"].startswith("text/html")
        assert answer.headers["cache-control"] == A_YEAR
    assert sorted(p.stat().st_mtime_ns for p in PRECOMPRESSED_DIR.iterdir()) == made  # made once, at publishing
    assert publish_map(page, "/atlas/").startswith("/atlas/app/maps/")  # under a server.baseUrlPath


def test_a_map_page_is_served_under_the_apps_base_path(monkeypatch):
    from streamlit import config
    http = Client(PrecompressedStatic(_the_app, cache_dir=PRECOMPRESSED_DIR))
    url = publish_map("<html><body>a map under /atlas/</body></html>", "/atlas/")
    monkeypatch.setattr(config, "get_option", lambda name: "atlas" if name == "server.baseUrlPath" else None)
    assert http.get(url).content == b"<html><body>a map under /atlas/</body></html>"
    assert http.get("/atlas/app/maps/../../serve.py").status_code == 404


def test_only_map_pages_named_by_their_content_are_kept_a_year(tmp_path):
    http = Client(PrecompressedStatic(_the_app, cache_dir=PRECOMPRESSED_DIR))
    MAPS_DIR.mkdir(parents=True, exist_ok=True)
    (MAPS_DIR / "handmade.html").write_text("<html></html>")
    assert http.get("/app/maps/handmade.html").headers["cache-control"] == REVALIDATE


def test_old_map_pages_are_removed_at_start_and_come_back_when_a_page_shows_them_again(tmp_path):
    maps, packed = tmp_path / "maps", tmp_path / "packed"
    old = publish_map("<html>" + "old map " * 200 + "</html>", "/", maps, packed)
    old_file, old_copies = maps / old.rsplit("/", 1)[1], list(packed.iterdir())
    new = publish_map("<html>" + "new map " * 200 + "</html>", "/", maps, packed)
    new_copies = set(packed.iterdir()) - set(old_copies)
    week_ago = old_file.stat().st_mtime - 8 * 86400
    for path in (old_file, *old_copies):  # made eight days ago
        os.utime(path, (week_ago, week_ago))
    assert prune_old_files(7, maps, packed) == 3
    assert not old_file.exists() and (maps / new.rsplit("/", 1)[1]).exists()
    assert set(packed.iterdir()) == new_copies and len(new_copies) == 2
    assert publish_map("<html>" + "old map " * 200 + "</html>", "/", maps, packed) == old and old_file.exists()


def _icon_font():
    return next(p for p in (STREAMLIT_STATIC / "static" / "media").iterdir() if ICON_FONT.match(p.name))


def _ligatures(font) -> dict[str, str]:
    """Icon name -> the glyph its ligature draws, read from the font's substitution table."""
    letters = {glyph: chr(code) for code, glyph in font.getBestCmap().items()}
    found = {}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for table in lookup.SubTable:
            for first, ligatures in (table.ExtSubTable if lookup.LookupType == 7 else table).ligatures.items():
                for ligature in ligatures:
                    found[letters[first] + "".join(letters[g] for g in ligature.Component)] = ligature.LigGlyph
    return found


def test_the_icon_font_is_cut_to_the_icons_shown_and_draws_them_as_the_full_font_does(tmp_path):
    from fontTools.ttLib import TTFont
    full_path = _icon_font()
    names = icon_names()
    assert {"download", "public", "keyboard_double_arrow_left", "expand_more"} <= names  # the Atlas's and Streamlit's
    cut_path = icon_font_subset(full_path, tmp_path)
    assert cut_path.stat().st_size < 0.1 * full_path.stat().st_size
    full, cut = TTFont(full_path), TTFont(cut_path)
    full_ligatures, cut_ligatures = _ligatures(full), _ligatures(cut)
    assert set(cut_ligatures) == names & set(full_ligatures) and len(cut_ligatures) >= 80
    for name in cut_ligatures:  # the same outline and advance as in the full font
        mine, theirs = cut["glyf"][cut_ligatures[name]], full["glyf"][full_ligatures[name]]
        assert mine.getCoordinates(cut["glyf"])[0] == theirs.getCoordinates(full["glyf"])[0], name
        assert cut["hmtx"][cut_ligatures[name]] == full["hmtx"][full_ligatures[name]], name
    assert icon_font_subset(full_path, tmp_path) == cut_path  # made once


def test_the_browser_gets_the_cut_icon_font_and_asks_again_each_visit():
    """Its URL is Streamlit's (named by the full font), while the icons the Atlas shows may change: not kept."""
    http = Client(PrecompressedStatic(_the_app, cache_dir=PRECOMPRESSED_DIR))
    answer = http.get("/static/media/" + _icon_font().name, headers={"Accept-Encoding": "br, gzip"})
    assert answer.status_code == 200 and answer.headers["cache-control"] == REVALIDATE
    assert answer.body == icon_font_subset(_icon_font(), PRECOMPRESSED_DIR).read_bytes()
    assert answer.headers["content-type"] == "font/woff2"


def test_the_text_font_keeps_every_letter_of_the_four_languages_with_the_same_outlines(tmp_path):
    from fontTools.ttLib import TTFont

    from geo.i18n import translate
    full_path = next(p for p in (STREAMLIT_STATIC / "static" / "media").iterdir() if TEXT_FONT.match(p.name)
                     and "Upright" in p.name)
    cut_path = text_font_subset(full_path, tmp_path)
    assert cut_path.stat().st_size < 0.6 * full_path.stat().st_size
    full, cut = TTFont(full_path), TTFont(cut_path)
    full_map, cut_map = full.getBestCmap(), cut.getBestCmap()
    written = "".join(translate(key, lang) for lang in ("kk", "ky", "ru", "en")
                      for key in ("nav.overview", "nav.city", "nav.compare", "nav.access", "sidebar.about"))
    written += "ӘәҒғҚқҢңӨөҰұҮүҺһІі ЁёЩщ №₸≤→·µ²°…–—«»"  # Kazakh and Kyrgyz letters, the signs the figures use
    for character in set(written):
        if ord(character) in full_map:
            assert ord(character) in cut_map, repr(character)
    for code in list(cut_map)[::25]:  # same outlines (the default instance) and advances
        mine, theirs = cut["glyf"][cut_map[code]], full["glyf"][full_map[code]]
        assert mine.getCoordinates(cut["glyf"])[0] == theirs.getCoordinates(full["glyf"])[0], chr(code)
        assert cut["hmtx"][cut_map[code]] == full["hmtx"][full_map[code]], chr(code)
    assert "fvar" in cut and [a.axisTag for a in cut["fvar"].axes] == [a.axisTag for a in full["fvar"].axes]
    assert all(any(low <= code <= high for low, high in TEXT_FONT_RANGES) for code in cut_map)


def test_the_page_preloads_the_map_frames_scripts_and_names_its_server_in_every_encoding():
    """Streamlit's index.html (gzipped by Streamlit itself when asked, as its own middleware does) reaches the
    browser with a modulepreload of the iframe element's script and its imports that index.html lacks, and with
    Streamlit's host configuration as the server answers it and the server's address in window.__streamlit, under
    the outer GZip too; only those are added; scripts and the components' pages pass as they are."""
    from starlette.middleware.gzip import GZipMiddleware
    index = (STREAMLIT_STATIC / "index.html").read_bytes()
    host_config = {"allowedOrigins": ["https://a.example", "</script><b>x"], "useExternalAuthToken": False}

    async def streamlit_like(scope, receive, send):
        headers = dict(scope["headers"])
        body, kind = index, b"text/html; charset=utf-8"
        if scope["path"] == "/_stcore/host-config":
            body, kind = json.dumps(host_config).encode(), b"application/json"
        elif scope["path"] == "/x.js":
            body, kind = b"x" * 2000, b"text/javascript"
        if headers.get(b"if-none-match") == b'"abc"':
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"abc"')]})
            await send({"type": "http.response.body", "body": b""})
            return
        extra = [(b"etag", b'"abc"')]
        if b"gzip" in headers.get(b"accept-encoding", b""):
            body, extra = gzip.compress(body), extra + [(b"content-encoding", b"gzip")]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())] + extra})
        await send({"type": "http.response.body", "body": body})

    served = Client(GZipMiddleware(IndexPageHead(streamlit_like), minimum_size=1024))
    scripts = STREAMLIT_STATIC / "static" / "js"
    for encoding in ("", "gzip", "gzip, deflate, br, zstd"):
        answer = served.get("/city?city=osh", {"Accept": "text/html,*/*", "Accept-Encoding": encoding})
        page = answer.content
        assert answer.status_code == 200 and int(answer.headers["content-length"]) == len(answer.body)
        assert answer.headers.get("content-encoding") == ("gzip" if encoding else None)
        head, tail = page.split(b"</head>", 1)
        added = head[len(index.split(b"</head>")[0]):]
        assert b"</head>".join((head[:-len(added)], tail)) == index  # only this was added
        linked = [name.decode() for name in re.findall(rb'<link rel="modulepreload" crossorigin '
                                                       rb'href="\./static/js/([^"]+)">', added)]
        frame_script = next(scripts.glob("IFrame.*.js")).name
        imported = set(re.findall(r'"\./([\w.-]+\.js)"', (scripts / frame_script).read_text()))
        assert frame_script in linked and all((scripts / name).is_file() for name in linked)
        assert set(linked) - {frame_script} == {name for name in imported
                                                if f"./static/js/{name}".encode() not in index}
        script = re.search(rb"<script>window\.__streamlit = Object\.assign\((.*), \{BACKEND_BASE_URL: "
                           rb'new URL\("\.", location\.href\)\.href\}\);</script>$', added)
        assert script and b"</script><b>" not in script.group(1)  # the configuration cannot close the script
        assert json.loads(script.group(1)) == {"HOST_CONFIG": host_config}
        etag = answer.headers["etag"]
        assert etag.startswith('"abc-') and etag.endswith('"')
    current = served.get("/city", {"Accept": "text/html", "If-None-Match": etag})
    assert current.status_code == 304 and current.headers["etag"] == etag
    assert served.get("/city", {"Accept": "text/html", "If-None-Match": '"abc"'}).status_code == 200  # made before
    for url in ("/x.js", "/component/folium/index.html"):  # not a page: as Streamlit sent it
        other = served.get(url, {"Accept": "text/html,*/*", "Accept-Encoding": "gzip"})
        assert other.headers["etag"] == '"abc"' and other.headers["content-encoding"] == "gzip"
        assert other.content == (b"x" * 2000 if url == "/x.js" else index)


def test_processes_making_the_same_compressed_copy_at_once_never_write_into_each_others(tmp_path):
    """serve-many's processes start together and compress the same files in the same order: eight makers of one
    copy released at once each finish, and the copy is whole (a shared partial file would be moved from under
    the others, or moved half written)."""
    import threading
    original = tmp_path / "page.html"
    original.write_bytes(b"<p>Healthy Cities</p>" * 20_000)
    packed, start, failures = tmp_path / "packed", threading.Barrier(8), []

    def make():
        start.wait()
        try:
            precompressed(original, "br", packed, brotli_quality=5)
        except OSError as error:
            failures.append(error)
    makers = [threading.Thread(target=make) for _ in range(8)]
    for maker in makers:
        maker.start()
    for maker in makers:
        maker.join()
    copies = list(packed.iterdir())
    assert not failures and len(copies) == 1 and brotli.decompress(copies[0].read_bytes()) == original.read_bytes()


def test_the_cache_folder_is_the_user_folder_unless_set():
    from geo.settings import settings_from
    assert settings_from({"ATLAS_USER_DIR": "/srv/atlas"}).cache_dir == Path("/srv/atlas")
    assert settings_from({"ATLAS_USER_DIR": "/srv/atlas", "ATLAS_CACHE_DIR": "/var/cache/atlas"}).cache_dir == \
        Path("/var/cache/atlas")


def test_a_failed_write_leaves_neither_the_file_nor_a_partial_one(tmp_path):
    from components.static_files import write_atomically

    def fails(partial):
        partial.write_bytes(b"half")
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "copy.br", fails)
    assert list(tmp_path.iterdir()) == []
