"""Fill the caches every session shares when the server starts (serve.py), so no visitor pays for them."""
from __future__ import annotations

import gc
import logging
import time

from components import data
from components.map_view import base_url
from components.maps import inline_assets
from components.shared_charts import annual_figure
from components.static_files import publish_map
from geo.cities import member_cities
from geo.i18n import LANGUAGES

LOG = logging.getLogger("atlas.warm")


def publish_map_pages(page: str, root: str) -> None:
    """Both pages a session may ask for: Leaflet inside (its first map) and linked (any later one)."""
    publish_map(page, root)
    publish_map(inline_assets(page, root), root)


def warm_caches() -> None:
    """What a first visit reads, cheapest and most shared first: the tables, then per language the Overview and
    every City page (its map's HTML, published as a page with its compressed copies, with and without Leaflet
    inside (components/map_view.show_map), key figures and PM2.5 chart), for as many cities as the caches hold."""
    # Streamlit warns on every cache call made outside a script run; here that is the point, not a mistake.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    started = time.perf_counter()
    cities = member_cities()[:data.CITY_CACHE_ENTRIES]
    root = base_url()
    data.all_values()
    for city in cities:
        data.city_figures_table(city.id)
    for lang in LANGUAGES:
        publish_map_pages(data.overview_map_html(lang, root), root)
        data.overview_table(lang)
        for city in cities:
            publish_map_pages(data.city_map_html(city.id, lang, root), root)
            if len(data.city_annual(city.id, "pm25")):
                annual_figure(city.id, "pm25", lang)
    # The warmed caches live as long as the server: out of the collector's generations, the full collection
    # Streamlit runs after every script run (runner.postScriptGC) no longer walks them on each page load.
    gc.collect()
    gc.freeze()
    LOG.info("caches warm: %d cities in %d languages in %.1f s", len(cities), len(LANGUAGES),
             time.perf_counter() - started)
