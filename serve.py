"""Serve the Atlas: `streamlit run serve.py` (app.py is the app itself; `streamlit run app.py` also works).

At start the shared caches fill in a background thread, so the first visitor after a restart waits no longer
than the next; responses over 1 kB go out gzip-compressed (Streamlit's own 2.7 MB of scripts as ~0.8 MB).
"""
import threading
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware


@asynccontextmanager
async def lifespan(_app):
    from components.warm import warm_caches
    threading.Thread(target=warm_caches, name="atlas-warm-caches", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan, middleware=[Middleware(GZipMiddleware, minimum_size=1024)])
