"""Serve the Atlas: `streamlit run serve.py` (app.py is the app itself; `streamlit run app.py` also works).

At start the shared caches fill in a background thread, so the first visitor after a restart waits no longer
than the next; static files (Streamlit's scripts, Leaflet, the maps' pages) go out compressed once with brotli or gzip and are
kept by the browser for a year where their URL names their content (components/static_files.py); other responses
over 1 kB go out gzip-compressed.
"""
import threading
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from components.static_files import (
    PRECOMPRESSED_DIR,
    STREAMLIT_STATIC,
    IndexPageHead,
    PrecompressedStatic,
    cut_font,
    precompress_all,
    prune_old_files,
)


def prepare_static_files() -> None:
    """Old map pages out, Streamlit's fonts cut to what the Atlas shows, every static file compressed (once: kept
    across restarts)."""
    prune_old_files()
    for font in (STREAMLIT_STATIC / "static" / "media").glob("*.woff2"):
        cut_font(font, PRECOMPRESSED_DIR)
    precompress_all(PRECOMPRESSED_DIR)


@asynccontextmanager
async def lifespan(_app):
    from components.warm import warm_caches
    threading.Thread(target=warm_caches, name="atlas-warm-caches", daemon=True).start()
    threading.Thread(target=prepare_static_files, name="atlas-static-files", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan, middleware=[Middleware(PrecompressedStatic, cache_dir=PRECOMPRESSED_DIR),
                                                       Middleware(GZipMiddleware, minimum_size=1024),
                                                       Middleware(IndexPageHead)])
