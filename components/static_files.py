"""Static files as a weak link wants them: compressed once with brotli and gzip (not per request) and cached by
the browser for a year where the URL names the content, so a return visit fetches none of them again.

Streamlit's own scripts and styles (/static/…, their names carry a content hash) and the Atlas's Leaflet files
(/app/static/vendor/…, asked for with ?v=<content hash>, components/assets.asset_url) go through here; every
other request goes on to the app unchanged."""
from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import streamlit
from starlette.datastructures import Headers
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from components.assets import STATIC_DIR, content_version

STREAMLIT_STATIC = Path(streamlit.__file__).parent / "static"
ROOTS = (("/static/", STREAMLIT_STATIC / "static"), ("/app/static/", STATIC_DIR))
COMPRESSIBLE = (".js", ".css", ".json", ".svg", ".html", ".txt", ".map")
HASHED_NAME = re.compile(r"\.[A-Za-z0-9_-]{8}\.(js|css)$")  # Streamlit's bundles: index.C1JORDN2.css
A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
MIN_BYTES = 1024
CACHE_DIR_NAME = ".precompressed"


def precompressed(path: Path, encoding: str, cache_dir: Path) -> Path:
    """The file compressed with `encoding` ("br" or "gzip"), made once beside the others in `cache_dir` and kept
    while the original is unchanged (the name holds its size and modification time)."""
    stat = path.stat()
    key = hashlib.sha256(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    target = cache_dir / f"{key}.{'br' if encoding == 'br' else 'gz'}"
    if not target.exists():
        data = path.read_bytes()
        packed = brotli.compress(data, quality=11) if encoding == "br" else gzip.compress(data, 9, mtime=0)
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(packed)
        partial.replace(target)  # atomic: a request never reads half a file
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
    ask again each time (the browser still revalidates with the ETag and gets a 304)."""
    if HASHED_NAME.search(path.name):
        return A_YEAR
    version = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("v")
    return A_YEAR if version and version == content_version(path) else REVALIDATE


class PrecompressedStatic:
    """ASGI middleware: GET/HEAD of a static file answered from the precompressed copy the browser accepts
    (brotli before gzip), with its cache header; anything else passed to the app."""

    def __init__(self, app: ASGIApp, cache_dir: Path) -> None:
        self.app, self.cache_dir = app, cache_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = served_file(scope["path"]) if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") else None
        if path is None:
            await self.app(scope, receive, send)
            return
        accepted = Headers(scope=scope).get("accept-encoding", "")
        headers = {"Cache-Control": cache_control(path, scope.get("query_string", b"").decode("latin-1")),
                   "Vary": "Accept-Encoding"}
        body, media_type = path, None
        if path.suffix in COMPRESSIBLE and path.stat().st_size >= MIN_BYTES:
            encoding = next((e for e in ("br", "gzip") if re.search(rf"\b{e}\b", accepted)), None)
            if encoding:
                body, headers["Content-Encoding"] = precompressed(path, encoding, self.cache_dir), encoding
                media_type = FileResponse(path).media_type  # the original's type, not the archive's
        response = FileResponse(body, headers=headers, media_type=media_type, stat_result=body.stat())
        await response(scope, receive, send)
