"""The one place a map reaches the page: its HTML (rendered once where the map is cached) published as a page named
by its content (components/static_files.publish_map) and shown in an iframe of its own, so the browser fetches
it once and keeps it, starts Leaflet as soon as it arrives, and panning never reruns the script."""
from __future__ import annotations

import folium
import streamlit as st

from components.maps import map_html
from components.static_files import publish_map

MAP_HEIGHT_PX = 560


def show_map(m: folium.Map | str, title: str, height: int = MAP_HEIGHT_PX) -> None:
    """A map, or the HTML of a cached one; `title` names the frame for screen readers."""
    st.iframe(publish_map(m if isinstance(m, str) else map_html(m), base_url()), height=height, alt=title)


def base_url() -> str:
    """The app's root path, so the map's asset URLs work under a server.baseUrlPath too."""
    path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}/" if path else "/"
