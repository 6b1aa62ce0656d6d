"""Static files as a weak link wants them: compressed once with brotli and gzip (not per request) and cached by
the browser for a year where the URL names the content, so a return visit fetches none of them again; Streamlit's
two fonts on every first visit's critical path cut to what the Atlas shows: the icon font to its icons (10 kB
instead of 375 kB), the text font to the Latin and Cyrillic of its four languages (85 kB instead of 170 kB).

Streamlit's own scripts and styles (/static/…, their names carry a content hash), the Atlas's Leaflet files
(/app/static/vendor/…, asked for with ?v=<content hash>, components/assets.asset_url) and the maps' pages
(/app/maps/<content hash>.html, written by publish_map: a map travels once, not inline with every visit) go
through here; every other request goes on to the app unchanged."""
from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

import brotli
import streamlit
from fontTools import subset
from fontTools.ttLib import TTFont
from starlette.datastructures import Headers
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit import config

from components.assets import STATIC_DIR, content_version
from geo.paths import REPO_DIR
from geo.settings import settings

STREAMLIT_STATIC = Path(streamlit.__file__).parent / "static"
CACHE_DIR_NAME = ".precompressed"
PRECOMPRESSED_DIR = settings().cache_dir / CACHE_DIR_NAME
MAPS_DIR = settings().cache_dir / ".maps"  # both shared by every process of one Atlas (scripts/serve-many.sh)
MAPS_PREFIX = "/app/maps/"
ROOTS = (("/static/", STREAMLIT_STATIC / "static"), ("/app/static/", STATIC_DIR), (MAPS_PREFIX, MAPS_DIR))
MAP_FILE = re.compile(r"^[0-9a-f]{24}\.html$")
MAP_BROTLI_QUALITY = 10  # within 2 % of 11's size in a third of its time (the City maps: 0.2 s instead of 0.7 s)
MAPS_KEPT_DAYS = 7  # map pages (and compressed copies) older than this are removed at start (prune_old_files)
COMPRESSIBLE = (".js", ".css", ".json", ".svg", ".html", ".txt", ".map")
# Streamlit's bundles, fonts and images name their content: index.C1JORDN2.css, SourceSansVF-Upright.ttf.BsWL4Kly.woff2
HASHED_NAME = re.compile(r"\.[A-Za-z0-9_-]{8}\.[a-z0-9]+$")
A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
MIN_BYTES = 1024


def write_atomically(target: Path, write) -> Path:
    """`write(path)` into a file of its own beside `target`, then moved onto it: a request never reads half a
    file, and processes or threads making the same file at once (serve-many's processes start together) never
    write into each other's."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        write(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)  # a failed write leaves nothing behind
    return target


def precompressed(path: Path, encoding: str, cache_dir: Path, brotli_quality: int = 11) -> Path:
    """The file compressed with `encoding` ("br" or "gzip"), made once beside the others in `cache_dir` and kept
    while the original is unchanged (the name holds its size and modification time)."""
    stat = path.stat()
    key = hashlib.sha256(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    target = cache_dir / f"{key}.{'br' if encoding == 'br' else 'gz'}"
    if not target.exists():
        data = path.read_bytes()
        packed = brotli.compress(data, quality=brotli_quality) if encoding == "br" else gzip.compress(data, 9, mtime=0)
        write_atomically(target, lambda partial: partial.write_bytes(packed))
    return target


def precompress_all(cache_dir: Path) -> int:
    """Compress every servable file once, both ways (at server start, in the background); returns how many."""
    count = 0
    for _, root in ROOTS:
        for path in root.rglob("*"):
            if path.suffix in COMPRESSIBLE and path.is_file() and path.stat().st_size >= MIN_BYTES \
                    and CACHE_DIR_NAME not in path.parts:
                for encoding in ("br", "gzip"):
                    precompressed(path, encoding, cache_dir)
                count += 1
    return count


ICON_FONT = re.compile(r"^MaterialSymbols-Rounded\.[A-Za-z0-9_-]{8}\.woff2$")
TEXT_FONT = re.compile(r"^SourceSansVF-(Upright|Italic)\.ttf\.[A-Za-z0-9_-]{8}\.woff2$")
# Latin with its supplements and Extended-A, Cyrillic with its supplement (Kazakh, Kyrgyz), punctuation, currency
# (₸, ₽), letterlike (№), arrows and mathematical operators (≤): what the four languages write. Any other character
# is drawn by the system's font, as it would be without this one.
TEXT_FONT_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x400, 0x52F), (0x2000, 0x206F), (0x20A0, 0x20CF),
                    (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF))
ICON_NAME = re.compile(r":material/([a-z0-9_]+):")
ICON_SOURCES = ("app.py", "pages/*.py", "components/*.py")  # where the Atlas names its icons


@functools.cache
def icon_names() -> frozenset[str]:
    """Every Material icon Streamlit's scripts or the Atlas's pages can show (":material/<name>:"); read once per
    process (23 MB of scripts: 80 ms, which a profile of the served app found on every page load)."""
    names: set[str] = set()
    for path in [*(STREAMLIT_STATIC / "static" / "js").glob("*.js"),
                 *(p for pattern in ICON_SOURCES for p in REPO_DIR.glob(pattern))]:
        names |= set(ICON_NAME.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return frozenset(names)


def _cut_font(font: Path, cache_dir: Path, kind: str, cut) -> Path:
    """`font` through `cut(loaded font) -> (glyphs, unicodes)` and fontTools' subsetter, made once per font and
    cut: the file under `cache_dir` (key: the font's path, size and time, and `kind`)."""
    stat = font.stat()
    key = hashlib.sha256(f"{font}|{stat.st_size}|{stat.st_mtime_ns}|{kind}".encode()).hexdigest()[:24]
    target = cache_dir / f"{key}.cut.woff2"
    if target.exists():
        return target
    loaded = TTFont(font)
    glyphs, unicodes = cut(loaded)
    options = subset.Options(layout_features=["*"], name_IDs=["*"], notdef_outline=True, flavor="woff2")
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=glyphs, unicodes=unicodes)
    subsetter.subset(loaded)
    return write_atomically(target, lambda partial: subset.save_font(loaded, str(partial), options))


def icon_font_subset(font: Path, cache_dir: Path, names: frozenset[str] | None = None) -> Path:
    """Streamlit's icon font (375 kB, 4,300 icons drawn from their names by ligatures, loaded by every first visit
    before the map) with only the ligatures of `names` (default: icon_names()) and the glyphs they draw: about
    10 kB; the same icons look the same."""
    names = icon_names() if names is None else names

    def keep_named(loaded: TTFont) -> tuple[list[str], list[int]]:
        letters = {glyph: chr(code) for code, glyph in loaded.getBestCmap().items()}
        kept: set[str] = set()
        for lookup in loaded["GSUB"].table.LookupList.Lookup:
            for table in lookup.SubTable:
                ligatures = (table.ExtSubTable if lookup.LookupType == 7 else table).ligatures
                for first in list(ligatures):
                    ligatures[first] = [ligature for ligature in ligatures[first] if letters.get(first, "")
                                        + "".join(letters.get(g, "\0") for g in ligature.Component) in names]
                    kept |= {ligature.LigGlyph for ligature in ligatures[first]}
                    if not ligatures[first]:
                        del ligatures[first]
        return sorted(kept), [ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789_ "]
    return _cut_font(font, cache_dir, "icons:" + ",".join(sorted(names)), keep_named)


def text_font_subset(font: Path, cache_dir: Path) -> Path:
    """Streamlit's text font (a variable font, every weight) with the characters of TEXT_FONT_RANGES only."""
    return _cut_font(font, cache_dir, f"text:{TEXT_FONT_RANGES}",
                     lambda _loaded: ([], [c for low, high in TEXT_FONT_RANGES for c in range(low, high + 1)]))


def cut_font(path: Path, cache_dir: Path) -> Path | None:
    """The cut served in place of one of Streamlit's fonts, or None for a file served as it is."""
    if ICON_FONT.match(path.name):
        return icon_font_subset(path, cache_dir)
    if TEXT_FONT.match(path.name):
        return text_font_subset(path, cache_dir)
    return None


def publish_map(html: str, base_url: str = "/", maps_dir: Path | None = None,
                cache_dir: Path | None = None) -> str:
    """The URL of a map's page, written once under MAPS_DIR with its compressed copies and named by its content:
    the browser fetches it once and keeps it (a year), so a return visit draws the map from its cache, and the
    page's websocket carries the URL instead of the map. Every run publishes its maps again (a hash and a stat),
    so a page removed by prune_old_files comes back at the next run."""
    maps_dir, cache_dir = maps_dir or MAPS_DIR, cache_dir or PRECOMPRESSED_DIR
    data = html.encode("utf-8")
    name = f"{hashlib.sha256(data).hexdigest()[:24]}.html"
    path = maps_dir / name
    if not path.exists():
        write_atomically(path, lambda partial: partial.write_bytes(data))
        if len(data) >= MIN_BYTES:
            for encoding in ("br", "gzip"):
                precompressed(path, encoding, cache_dir, MAP_BROTLI_QUALITY)
    return f"{base_url.rstrip('/')}{MAPS_PREFIX}{name}"


def prune_old_files(kept_days: float = MAPS_KEPT_DAYS, maps_dir: Path | None = None,
                    cache_dir: Path | None = None) -> int:
    """Remove map pages and compressed copies made more than `kept_days` ago (at server start, before
    precompress_all remakes what is still served): the folders hold what is in use, not every map ever drawn.
    Returns how many files went."""
    cutoff, removed = time.time() - kept_days * 86400, 0
    for folder in (maps_dir or MAPS_DIR, cache_dir or PRECOMPRESSED_DIR):
        for path in folder.iterdir() if folder.is_dir() else ():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def base_path() -> str:
    """The app's path on its server (server.baseUrlPath), as "/" or "/atlas"."""
    return "/" + (config.get_option("server.baseUrlPath") or "").strip("/")


def served_file(url_path: str) -> Path | None:
    """The file under one of ROOTS that a URL path names, or None (outside them, missing, or escaping them)."""
    for prefix, root in ROOTS:
        if url_path.startswith(prefix):
            path = (root / url_path[len(prefix):]).resolve()
            if path.is_file() and root.resolve() in path.parents:
                return path
    return None


def cache_control(path: Path, query: str) -> str:
    """A year where the URL names the content (a hashed file name, or ?v= equal to the content's hash), else
    ask again each time (Starlette's FileResponse answers in full, with no 304: only small files are asked for so)."""
    if (STREAMLIT_STATIC.resolve() in path.parents and HASHED_NAME.search(path.name)) or \
            (path.parent == MAPS_DIR.resolve() and MAP_FILE.match(path.name)):
        return A_YEAR
    version = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("v")
    return A_YEAR if version and version == content_version(path) else REVALIDATE


class PrecompressedStatic:
    """ASGI middleware: GET/HEAD of a static file answered from the precompressed copy the browser accepts
    (brotli before gzip), with its cache header; anything else passed to the app."""

    def __init__(self, app: ASGIApp, cache_dir: Path) -> None:
        self.app, self.cache_dir = app, cache_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            base = base_path()
            url_path = scope["path"]
            path = served_file(url_path[len(base.rstrip("/")):] if url_path.startswith(base) else url_path)
        if path is None:
            await self.app(scope, receive, send)
            return
        accepted = Headers(scope=scope).get("accept-encoding", "")
        headers = {"Cache-Control": cache_control(path, scope.get("query_string", b"").decode("latin-1")),
                   "Vary": "Accept-Encoding"}
        body, media_type = path, None
        if (cut := cut_font(path, self.cache_dir)) is not None:
            body = cut
            if ICON_FONT.match(path.name):  # its URL stays Streamlit's while the icons the Atlas shows change
                headers["Cache-Control"] = REVALIDATE
        elif path.suffix in COMPRESSIBLE and path.stat().st_size >= MIN_BYTES:
            encoding = next((e for e in ("br", "gzip") if re.search(rf"\b{e}\b", accepted)), None)
            if encoding:
                body, headers["Content-Encoding"] = precompressed(path, encoding, self.cache_dir), encoding
                media_type = FileResponse(path).media_type  # the original's type, not the archive's
        response = FileResponse(body, headers=headers, media_type=media_type, stat_result=body.stat())
        await response(scope, receive, send)


STATIC_IMPORT = re.compile(rb'(?:from|import)\s*"\./([\w.-]+\.js)"')
MAP_FRAME_SCRIPT = "IFrame.*.js"  # Streamlit's iframe element, which draws every Atlas map (components/map_view.py)


@functools.cache
def map_frame_preloads() -> bytes:
    """`<link rel="modulepreload">` for Streamlit's iframe element and the scripts it imports that index.html does
    not preload already: Streamlit asks for it only once the page's first delta names it, where on 1 Mbit/s it
    queued 1.5 s behind the sidebar's selectbox scripts before the map's page could even be asked for."""
    scripts = STREAMLIT_STATIC / "static" / "js"
    index = (STREAMLIT_STATIC / "index.html").read_bytes()
    wanted, found = [path.name for path in scripts.glob(MAP_FRAME_SCRIPT)], []
    while wanted:
        name = wanted.pop()
        if name not in found and f"./static/js/{name}".encode() not in index:
            found.append(name)
            wanted += [m.decode() for m in STATIC_IMPORT.findall((scripts / name).read_bytes())]
    return b"".join(b'<link rel="modulepreload" crossorigin href="./static/js/%s">' % name.encode()
                    for name in sorted(found))


async def asgi_get(app: ASGIApp, scope: Scope, path: str) -> tuple[int, bytes]:
    """(status, body) of a GET of `path` asked of `app` inside the server, as a browser's request in `scope`."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def collect(message: dict) -> None:
        sent.append(message)
    await app({**scope, "path": path, "raw_path": path.encode(), "query_string": b"", "headers": []}, receive, collect)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


PAGE_PATH = re.compile(r"^/([^/.]+/?)?$")  # the app's pages (/, /city): Streamlit answers them with its index.html


class IndexPageHead:
    """ASGI middleware: Streamlit's index.html goes out with two additions to its head, so a first map comes sooner:
    map_frame_preloads(), and the server's own address and host configuration in `window.__streamlit` (Streamlit's
    setting for hosts that embed it): its scripts then open the websocket at once instead of first probing
    `<page>/_stcore/health` (a 404 on every page but the first), then `/_stcore/health` and `host-config`, two round
    trips later (0.75 s on 300 ms); they still ask for both in the background, as with that setting they always do.
    Its ETag gains the additions' hash, so a browser's copy is current. A page is asked of Streamlit uncompressed
    (its own gzip sits inside), so the GZip middleware outside this one compresses what was rewritten."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.addition, self.tag = app, b"", b""

    async def head_addition(self, scope: Scope) -> tuple[bytes, bytes]:
        """The preloads and the `window.__streamlit` script, and the ETag's tag for them: made on the first page
        asked for (the host configuration asked of Streamlit then), the same for every page after it."""
        if not self.addition:
            status, host_config = await asgi_get(self.app, scope, base_path().rstrip("/") + "/_stcore/host-config")
            try:
                settings_json = json.dumps({"HOST_CONFIG": json.loads(host_config)}).replace("<", "\\u003c")
            except ValueError:
                status = 0
            addition = map_frame_preloads()
            if status == 200:  # else Streamlit's scripts find their server themselves, as without this setting
                addition += (f'<script>window.__streamlit = Object.assign({settings_json}, '
                             f'{{BACKEND_BASE_URL: new URL(".", location.href).href}});</script>').encode()
            self.addition, self.tag = addition, b"-" + hashlib.sha256(addition).hexdigest()[:12].encode()
        return self.addition, self.tag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        base = base_path()
        path = scope["path"][len(base.rstrip("/")):] if scope.get("path", "").startswith(base) else ""
        if scope["type"] != "http" or scope["method"] != "GET" or not PAGE_PATH.match(path):
            await self.app(scope, receive, send)
            return
        addition, tag = await self.head_addition(scope)
        headers = []
        for key, value in scope["headers"]:
            if key.lower() == b"if-none-match":  # the browser's copy: current only if made with these additions
                if not value.rstrip(b'"').endswith(tag):
                    continue
                value = value.replace(tag, b"")
            if key.lower() != b"accept-encoding":
                headers.append((key, value))
        start: dict = {}

        def tagged(raw: list) -> list:
            return [(k, v.rstrip(b'"') + tag + b'"' if v.endswith(b'"') else v + tag) if k.lower() == b"etag" else (k, v)
                    for k, v in raw]

        async def send_index(message: dict) -> None:
            if message["type"] == "http.response.start":
                found = Headers(raw=message["headers"])
                if message["status"] == 200 and found.get("content-type", "").startswith("text/html") \
                        and "content-encoding" not in found and "content-range" not in found:
                    start.update(message)  # held until the body is known: its length changes
                    return
                if message["status"] == 304:
                    message = {**message, "headers": tagged(message["headers"])}
            elif start and message["type"] == "http.response.body":
                if message.get("more_body"):
                    start.setdefault("_body", []).append(message["body"])
                    return
                body, raw = b"".join(start.pop("_body", [])) + message["body"], start["headers"]
                if b"./static/js/index." in body and b"</head>" in body:
                    body, raw = body.replace(b"</head>", addition + b"</head>", 1), tagged(raw)
                start["headers"] = [(k, v) for k, v in raw if k.lower() != b"content-length"] + \
                    [(b"content-length", str(len(body)).encode())]
                await send(start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await self.app({**scope, "headers": headers}, receive, send_index)
