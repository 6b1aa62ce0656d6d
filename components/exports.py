"""Exports a presenter can take away: a map as one offline HTML file or a PNG, a chart as PNG or SVG.

Every export carries its title, the date it was made, and the sources and licences of what it shows.
"""
from __future__ import annotations

import copy
import datetime as dt
import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import folium
import plotly.graph_objects as go

from components.assets import asset_text
from components.maps import LeafletScript, MapLayer, descendants, js_literal
from geo.i18n import format_date, translate_text

EXPORT_SIZE_PX = (1600, 1000)
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def export_caption(title: str, credits: list[str], made_with: str, lang: str) -> str:
    """'Title — 23 Nov 2026 · Healthy Cities Atlas. Sources: …' as escaped HTML, date and credits in `lang`."""
    today = format_date(dt.date.today(), lang)
    credits = [translate_text(credit, lang) for credit in credits]
    return (f"<b>{html.escape(title)}</b><br>{html.escape(today)} · {html.escape(made_with)}<br>"
            f"{html.escape('; '.join(dict.fromkeys(credits)))}")


def standalone_map_html(m: folium.Map, layers: list[MapLayer], title: str, made_with: str, lang: str) -> str:
    """The map as one HTML file with Leaflet inlined: it opens from disk with no network."""
    m = copy.deepcopy(m)
    scripts, styles = [], []
    for element in (m, *descendants(m)):
        for attr, bucket in (("default_js", scripts), ("default_css", styles)):
            for name, _url in getattr(element, attr, None) or []:
                bucket.append(name)
            if getattr(element, attr, None):
                setattr(element, attr, [])
    header = m.get_root().header
    for name in dict.fromkeys(styles):
        header.add_child(folium.Element(f"<style>{asset_text(name)}</style>"))
    for name in dict.fromkeys(scripts):
        header.add_child(folium.Element(f"<script>{asset_text(name)}</script>"))
    header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    caption = export_caption(title, [layer.credit or layer.spec.attribution for layer in layers], made_with, lang)
    m.add_child(LeafletScript(
        "var box = L.control({position: 'topright'}); box.onAdd = function () {"
        " var d = L.DomUtil.create('div'); d.style.cssText = 'background:white;padding:6px 10px;max-width:420px;"
        "font:13px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)';"
        f" d.innerHTML = {js_literal(caption)}; return d; }}; box.addTo(map);"))
    return m.get_root().render()


def browser_path() -> str | None:
    """A headless-capable Chromium on this machine, for PNG exports (Debian: `apt-get install chromium`)."""
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def html_to_png(page_html: str, size: tuple[int, int] = EXPORT_SIZE_PX) -> bytes:
    """Render an offline HTML page to PNG with headless Chromium; RuntimeError when none is installed."""
    browser = browser_path()
    if browser is None:
        raise RuntimeError("PNG export needs Chromium on the server (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        page, picture = Path(folder) / "map.html", Path(folder) / "map.png"
        page.write_text(page_html, encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--disable-background-networking", "--no-first-run", f"--user-data-dir={folder}/profile",
                        f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=4000",
                        f"--screenshot={picture}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        return picture.read_bytes()


def chart_image(fig: go.Figure, fmt: str, title: str, made_with: str, lang: str) -> bytes:
    """A chart as PNG or SVG (plotly + kaleido), titled and dated in `lang`; its source note is already under it."""
    fig = go.Figure(fig)
    today = html.escape(format_date(dt.date.today(), lang))
    fig.update_layout(title=f"{title}<br><sup>{today} · {made_with}</sup>", template="plotly_white")
    return fig.to_image(format=fmt, width=EXPORT_SIZE_PX[0], height=900)
