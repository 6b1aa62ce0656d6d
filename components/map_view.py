"""The one place a map reaches the page: its HTML (rendered once where the map is cached) in an iframe of its own,
so the browser starts Leaflet as soon as the element arrives, and panning never reruns the script."""
from __future__ import annotations

import folium
import streamlit as st

from components.maps import map_html

MAP_HEIGHT_PX = 560


def show_map(m: folium.Map | str, title: str, height: int = MAP_HEIGHT_PX) -> None:
    """A map, or the HTML of a cached one; `title` names the frame for screen readers."""
    st.iframe(m if isinstance(m, str) else map_html(m), height=height, alt=title)


def base_url() -> str:
    """The app's root path, so the map's asset URLs work under a server.baseUrlPath too."""
    path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}/" if path else "/"
