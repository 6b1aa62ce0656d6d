"""Serve the Atlas: `streamlit run serve.py` (app.py is the app itself; `streamlit run app.py` also works).

At start the shared caches fill in a background thread, so the first visitor after a restart waits no longer
than the next; static files (Streamlit's scripts, Leaflet) go out compressed once with brotli or gzip and are kept
by the browser for a year where their URL names their content (components/static_files.py); other responses over
1 kB go out gzip-compressed.
"""
import threading
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from components.static_files import PrecompressedStatic, precompress_all
from geo.settings import settings


PRECOMPRESSED_DIR = settings().user_dir / ".precompressed"


@asynccontextmanager
async def lifespan(_app):
    from components.warm import warm_caches
    threading.Thread(target=warm_caches, name="atlas-warm-caches", daemon=True).start()
    threading.Thread(target=precompress_all, args=(PRECOMPRESSED_DIR,), name="atlas-precompress", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan, middleware=[Middleware(PrecompressedStatic, cache_dir=PRECOMPRESSED_DIR),
                                                       Middleware(GZipMiddleware, minimum_size=1024)])
