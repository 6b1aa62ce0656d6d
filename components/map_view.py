"""The one place a map reaches the page: st_folium in a fragment, returning nothing so panning never reruns."""
from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

MAP_HEIGHT_PX = 560


@st.fragment
def show_map(m: folium.Map, key: str, height: int = MAP_HEIGHT_PX) -> None:
    st_folium(m, key=key, height=height, use_container_width=True, returned_objects=[])


def base_url() -> str:
    """The app's root path, so the map's asset URLs work under a server.baseUrlPath too."""
    path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}/" if path else "/"
