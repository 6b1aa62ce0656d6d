"""The one place a map reaches the page: its HTML (rendered once where the map is cached) published as a page named
by its content (components/static_files.publish_map) and shown in an iframe of its own, so the browser fetches
it once and keeps it, starts Leaflet as soon as it arrives, and panning never reruns the script.

A session's first map carries Leaflet inside its page: on a first visit over a weak link the linked files would
wait behind twenty of Streamlit's scripts (about two seconds at 1 Mbit/s), and a return visit has that page in its
cache. Later maps link Leaflet's files, which the browser fetches once and keeps."""
from __future__ import annotations

import hashlib

import folium
import streamlit as st

from components.maps import inline_assets, map_html
from components.static_files import publish_map

MAP_HEIGHT_PX = 560
INLINED_KEY = "_atlas_maps_with_leaflet_inside"  # the session's first map (by content): the same page on every run


def show_map(m: folium.Map | str, title: str, height: int = MAP_HEIGHT_PX) -> None:
    """A map, or the HTML of a cached one; `title` names the frame for screen readers."""
    page, root = m if isinstance(m, str) else map_html(m), base_url()
    key = hashlib.sha256(page.encode("utf-8")).hexdigest()
    inlined = st.session_state.setdefault(INLINED_KEY, [])
    if not inlined:
        inlined.append(key)
    st.iframe(publish_map(inline_assets(page, root) if key in inlined else page, root), height=height, alt=title)


def base_url() -> str:
    """The app's root path, so the map's asset URLs work under a server.baseUrlPath too."""
    path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}/" if path else "/"
