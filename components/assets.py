"""Leaflet's files served by the app itself (Streamlit static serving), so maps draw with no internet."""
from __future__ import annotations

import base64
import functools
import hashlib
import re
import shutil
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster

from geo.paths import REPO_DIR

STATIC_DIR = REPO_DIR / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
PACKAGES = {"leaflet": Path(xs_leaflet.BASE_DIR), "markercluster": Path(xs_markercluster.BASE_DIR)}

# folium's asset names -> file under static/vendor/. Assets of folium's default Map that the Atlas does
# not use (jQuery, Bootstrap, awesome-markers, Font Awesome) are dropped instead of loaded from a CDN.
LOCAL_ASSETS = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
}
UNUSED_ASSETS = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
                 "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css"}


def install_static_assets(vendor_dir: Path = VENDOR_DIR) -> Path:
    """Copy Leaflet and MarkerCluster from their PyPI packages under static/vendor/ (once per version)."""
    for name, package_dir in PACKAGES.items():
        target = vendor_dir / name
        stamp = target / ".source"
        if stamp.exists() and stamp.read_text() == str(package_dir):
            continue
        shutil.copytree(package_dir, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.map", "*-src.*", "__pycache__"))
        stamp.write_text(str(package_dir))
    return vendor_dir


@functools.lru_cache(maxsize=64)
def content_version(path: Path) -> str:
    """The first 12 hex digits of the file's SHA-256: the ?v= that makes its URL name its content (and lets the
    browser keep it for a year, components/static_files.py)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(name: str, base_url: str) -> str:
    """URL of a served asset, named by its content; `base_url` is the app's root path ("/" or "/atlas/")."""
    version = content_version(VENDOR_DIR / LOCAL_ASSETS[name])
    return f"{base_url.rstrip('/')}/app/static/vendor/{LOCAL_ASSETS[name]}?v={version}"



@functools.lru_cache(maxsize=16)
def asset_text(name: str) -> str:
    """An asset's text, ready to sit inside the page: a stylesheet with the images it points at inlined."""
    package, filename = LOCAL_ASSETS[name].split("/", 1)
    path = PACKAGES[package] / filename
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":  # images the stylesheet points at travel inside it
        def inline(match: re.Match) -> str:
            image = path.parent / match.group(1)
            return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()})"
        text = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, text)
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{name} cannot be inlined: it would close its tag")
    return text
