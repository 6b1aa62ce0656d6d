"""The map builder: registry-styled layers on a folium map whose Leaflet files come from the app, not a CDN."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

import branca.element
import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from components.assets import LOCAL_ASSETS, UNUSED_ASSETS, asset_text, asset_url
from geo.i18n import translate_text
from geo.layers import LayerSpec

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_TILE_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
AFTER_MAP_KEY = "atlas_after_map"  # the button that releases the charts below a map (components/widgets.after_map)
CLUSTER_ABOVE = 200  # point layers with more features than this are clustered
MAP_CSS = ("<style>.leaflet-container{background:#f2efe9}"  # shown where basemap tiles cannot load (offline)
           # the credit is one line that opens on a click (_CREDIT_TOGGLE); the legend folds (_legend_html)
           ".leaflet-control-attribution{font-size:11px;max-width:calc(100vw - 140px);white-space:nowrap;"
           "overflow:hidden;text-overflow:ellipsis;cursor:pointer}"
           ".leaflet-control-attribution.atlas-open{white-space:normal}"
           ".atlas-legend{background:white;padding:4px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
           "font:12px/1.45 sans-serif;max-height:45vh;overflow:auto}"
           ".atlas-legend summary{font-weight:bold;cursor:pointer}</style>")
PRINT_CSS = ("<style>.atlas-legend{font-size:17px;line-height:1.5;max-height:none;padding:8px 12px}"
             ".atlas-legend summary{list-style:none}.atlas-legend summary::-webkit-details-marker{display:none}"
             ".leaflet-control-attribution{font-size:13px;white-space:normal;max-width:70%}"
             ".leaflet-control-scale-line{font-size:14px}</style>")
_CREDIT_TOGGLE = ("var credit = map.attributionControl.getContainer(); credit.title = credit.textContent;"
                  " credit.addEventListener('click', function (e) {"
                  " if (e.target.tagName !== 'A') { credit.classList.toggle('atlas-open'); } });")
_LEGEND_FOLD = 0.15  # a legend covering more than this share of the map starts folded (its title stays)


class _RenderedText:
    """Stands in for a jinja2 Template on an element made from text: renders that text as it is."""

    def __init__(self, text: str):
        self.text = text

    def render(self, *args, **kwargs) -> str:
        return self.text


def _element_init_without_second_pass(element: branca.element.Element, template: str | None = None,
                                      template_name: str | None = None) -> None:
    """branca's Element(text) compiles the text as a Jinja2 template, and folium makes every rendered element's
    output into such an Element, so text from data (a clinic named "{{ 7*7 }}") was evaluated on the server in
    a second pass. Here text given to an Element is kept as text; class-level and named templates are unchanged."""
    _ELEMENT_INIT(element, None, template_name)
    if template is not None:
        element._template_str = None  # pickling keeps the text (below), not a template to compile again
        element._rendered_text = template
        element._template = _RenderedText(template)


def _element_setstate(element: branca.element.Element, state: dict) -> None:
    _ELEMENT_SETSTATE(element, state)
    if "_rendered_text" in state:
        element._template = _RenderedText(state["_rendered_text"])


if branca.element.Element.__init__ is not _element_init_without_second_pass:  # once, however often imported
    _ELEMENT_INIT, _ELEMENT_SETSTATE = branca.element.Element.__init__, branca.element.Element.__setstate__
    branca.element.Element.__init__ = _element_init_without_second_pass
    branca.element.Element.__setstate__ = _element_setstate


@dataclass(frozen=True)
class MapLayer:
    """One layer ready for the map: registry record, display frame (geo.display), translated labels."""
    spec: LayerSpec
    frame: gpd.GeoDataFrame
    title: str
    tooltip: tuple[tuple[str, str], ...]  # (column, translated label)
    style: dict = field(default_factory=dict)  # overrides of spec.style
    colour_by: str = ""  # a column of hex colours: each feature drawn in its own colour (e.g. WHO band)
    credit: str = ""  # the credit of the data drawn, when it is not the layer's usual one (a dated extract)

    @property
    def full_style(self) -> dict:
        return {**self.spec.style, **self.style}


class LeafletScript(MacroElement):
    """Runs a small script against the map once it exists (legend, attribution, fitting the view)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) { {{ this.body }} })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, body: str):
        super().__init__()
        self._name = "LeafletScript"
        self.body = body


def js_literal(value: object) -> str:
    """A JavaScript literal of `value` that cannot close the surrounding script tag."""
    return json.dumps(value).replace("</", "<\\/")


def _legend_html(layers: list[MapLayer], title: str, swatches: list[tuple[str, str]]) -> str:
    """A legend that folds to its title (a <details>); each layer's row names its key, so it hides with the layer."""
    rows = []
    for key, layer in zip(layer_keys(layers), layers):
        style = layer.full_style
        colour = html.escape(str(style["color"]))
        if layer.spec.geometry_types[0] == "Point":
            swatch = (f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
                      f'background:{colour}"></span>')
        else:
            border = "dashed" if style.get("dashArray") else "solid"
            swatch = f'<span style="display:inline-block;width:16px;height:10px;border:2px {border} {colour}"></span>'
        rows.append(f'<div data-layer="{html.escape(key)}">{swatch} {html.escape(layer.title)} ({len(layer.frame)})</div>')
    for colour, label in swatches:
        rows.append(f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
                    f'border:1px solid #333;background:{html.escape(colour)}"></span> {html.escape(label)}</div>')
    return f'<details class="atlas-legend" open><summary>{html.escape(title)}</summary>{"".join(rows)}</details>'


def descendants(element):
    for child in element._children.values():
        yield child
        yield from descendants(child)


def localize_assets(m: folium.Map, base_url: str) -> folium.Map:
    """Point every element's JS/CSS at the app's own copies; fail loudly on an asset the app does not serve."""
    for element in (m, *descendants(m)):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if not assets:
                continue
            unknown = [name for name, _ in assets if name not in LOCAL_ASSETS and name not in UNUSED_ASSETS]
            if unknown:
                raise ValueError(f"{type(element).__name__} needs {unknown}, which the Atlas does not serve offline")
            setattr(element, attr, [(name, asset_url(name, base_url)) for name, _ in assets if name in LOCAL_ASSETS])
    return m


def _escaped(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attribute text as HTML-safe text: Leaflet tooltips insert it as HTML."""
    out = frame.copy()
    for column in out.columns.drop(out.geometry.name):
        out[column] = pd.Series([html.escape(v) if isinstance(v, str) else v for v in out[column]],
                                index=out.index, dtype=object)
    return out


def _geojson(frame: gpd.GeoDataFrame) -> dict:
    """The layer as a GeoJSON dict with escaped text and nothing else: no ids, no per-feature bounding boxes."""
    return json.loads(_escaped(frame).to_json(drop_id=True, show_bbox=False))


def _style_function(style: dict, colour_by: str):
    """The registry style, or that style with each feature's own fill colour from `colour_by`."""
    if not colour_by:
        return lambda _feature: style
    return lambda feature: {**style, "fillColor": feature["properties"][colour_by], "color": "#333333"}


class _ViewScript(MacroElement):
    """Fits the map to its area (again on resize, until the user moves it); keeps the legend to the layers shown,
    folded when it would cover more than `_LEGEND_FOLD` of the map. With `share`, the view and the hidden layers
    live in the page URL (?view=lat,lng,zoom&hidden=layer,...): a link restores them, and every move (drag,
    wheel, the zoom buttons, the layer switch) updates it in place, without rerunning the page."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
          var b = L.latLngBounds({{ this.corners|tojson }}), pad = {padding: [24, 24]}, touched = false;
          var c = map.getContainer(), groups = {
            {%- for key, group in this.groups %}{{ key|tojson }}: {{ group.get_name() }},{% endfor -%}
          };
          var page = null, params = new URLSearchParams();
          if ({{ this.share|tojson }}) {
            try { page = window.parent; params = new URLSearchParams(page.location.search); } catch (e) { page = null; }
          }
          var view = (params.get('view') || '').split(',').map(Number);
          // a link's view only when it is a place on Earth at a zoom Leaflet draws (?view=1e308,… is ignored)
          if (view.length === 3 && view.every(isFinite) && Math.abs(view[0]) <= 90 && Math.abs(view[1]) <= 180
              && view[2] >= 0 && view[2] <= 19) { map.setView([view[0], view[1]], view[2]); touched = true; }
          else { map.fitBounds(b, pad); }
          (params.get('hidden') || '').split(',').forEach(function (k) {
            if (groups[k]) { map.removeLayer(groups[k]); } });
          var legend = c.querySelector('.atlas-legend');
          var syncLegend = function () {  // the legend lists the layers on the map, not the hidden ones
            if (!legend) { return; }
            legend.querySelectorAll('[data-layer]').forEach(function (row) {
              var g = groups[row.getAttribute('data-layer')];
              row.style.display = (!g || map.hasLayer(g)) ? '' : 'none'; });
          };
          syncLegend();
          if (legend && !{{ this.for_print|tojson }} &&
              legend.offsetWidth * legend.offsetHeight > {{ this.fold }} * c.clientWidth * c.clientHeight) {
            legend.open = false; }
          // capture: Leaflet's own buttons (zoom, layers) stop their events before they reach the map
          ['mousedown', 'wheel', 'touchstart', 'keydown', 'click'].forEach(function (e) {
            c.addEventListener(e, function () { touched = true; }, {passive: true, capture: true}); });
          map.on('overlayadd overlayremove', syncLegend);
          if (window.ResizeObserver) { new ResizeObserver(function () { map.invalidateSize();
            if (!touched) { map.fitBounds(b, pad); } }).observe(c); }
          try {  // the map has drawn: the charts waiting below it (components/widgets.after_map) may load now
            var below = 0, release = function () {
              var b = window.parent.document.querySelector({{ this.after_map|tojson }});
              if (b && !b.dataset.pressed) { b.dataset.pressed = '1'; b.click(); }  // once, however many maps
              else if (!b && ++below < 50) { setTimeout(release, 200); } };
            if (window.parent !== window) { setTimeout(release, 0); }
          } catch (e) { /* no page around the map (a file, an export): nothing waits */ }
          if (!page) { return; }
          map.on('moveend overlayadd overlayremove', function () {
            if (!touched) { return; }
            var p = new URLSearchParams(page.location.search), m = map.getCenter();
            p.set('view', [m.lat.toFixed(5), m.lng.toFixed(5), map.getZoom()].join(','));
            var hidden = Object.keys(groups).filter(function (k) { return !map.hasLayer(groups[k]); });
            if (hidden.length) { p.set('hidden', hidden.join(',')); } else { p.delete('hidden'); }
            try { page.history.replaceState(page.history.state, '', page.location.pathname + '?' + p.toString()); }
            catch (e) { /* a page that refuses: the view is simply not shared */ }
          });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, bounds: tuple[float, float, float, float], groups: list[tuple[str, folium.FeatureGroup]],
                 share: bool, for_print: bool):
        super().__init__()
        self._name = "ViewScript"
        minx, miny, maxx, maxy = bounds
        self.corners = [[miny, minx], [maxy, maxx]]
        self.groups = groups
        self.share = share
        self.for_print = for_print
        self.fold = _LEGEND_FOLD
        self.after_map = f".st-key-{AFTER_MAP_KEY} button"


def map_html(m: folium.Map) -> str:
    """The map as a page of its own (Leaflet from the app's files), ready for an iframe."""
    return m.get_root().render()


def inline_assets(page: str, base_url: str) -> str:
    """The map's page with Leaflet's files inside it instead of linked: one request draws the map (50 kB more,
    compressed), where the linked files would queue behind the page's own scripts on a weak link."""
    for name in LOCAL_ASSETS:
        url = html.escape(asset_url(name, base_url))
        page = page.replace(f'<script src="{url}"></script>', f"<script>{asset_text(name)}</script>")
        page = page.replace(f'<link rel="stylesheet" href="{url}"/>', f"<style>{asset_text(name)}</style>")
    return page


def layer_keys(layers: list[MapLayer]) -> list[str]:
    """A stable key per layer for links (?hidden=...): the registry id, numbered when it repeats."""
    keys: list[str] = []
    for layer in layers:
        key = layer.spec.id
        while key in keys:
            key += "+"
        keys.append(key)
    return keys


def build_map(layers: list[MapLayer], bounds: tuple[float, float, float, float], *, base_url: str = "/",
              tiles: bool = True, legend_title: str = "",
              legend_swatches: list[tuple[str, str]] | None = None,
              group_labels: dict[str, str] | None = None, share_view: bool = False, for_print: bool = False,
              lang: str) -> folium.Map:
    """A folium map of `layers`, fitted to `bounds` (minx, miny, maxx, maxy in WGS84), drawable offline.

    Every layer's short attribution, in `lang`, is added to the map's attribution control; `legend_swatches`
    (colour, label) explain per-feature colours such as WHO bands; `group_labels` names the registry groups
    (boundaries, environment, services) in the layer control, so its entries read "Environment · Stations";
    `share_view` keeps the view and the hidden layers in the page URL (see _ViewScript). `for_print` is the
    variant for a page or a slide: no buttons, every point drawn (no cluster bubbles), legend and credits in
    type that reads at A4 and 1920×1080.
    """
    minx, miny, maxx, maxy = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=5, tiles=None, control_scale=True,
                   zoom_snap=0.25, zoom_control=not for_print)
    m.get_root().header.add_child(folium.Element(MAP_CSS + (PRINT_CSS if for_print else "")))
    if tiles:
        folium.TileLayer(OSM_TILES, attr=translate_text(OSM_TILE_ATTRIBUTION, lang), name="OpenStreetMap", max_zoom=19).add_to(m)
    groups = []
    for key, layer in zip(layer_keys(layers), layers):
        style = layer.full_style
        label = (group_labels or {}).get(layer.spec.group)
        # Leaflet puts layer names and tooltip labels into the page as HTML: a translation is text, so escaped
        group = folium.FeatureGroup(name=html.escape(f"{label} · {layer.title}" if label else layer.title))
        fields, aliases = [c for c, _ in layer.tooltip], [html.escape(a) for _, a in layer.tooltip]
        tooltip = folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True)
        popup = folium.GeoJsonPopup(fields=fields, aliases=aliases)  # stays open: for touch screens and reading
        marker = None
        if layer.spec.geometry_types[0] == "Point":
            marker = folium.CircleMarker(radius=style.pop("radius"), fill=True, fill_color=style["color"])
        parent = group
        if marker is not None and len(layer.frame) > CLUSTER_ABOVE and not for_print:  # clustered until zoomed in
            parent = MarkerCluster(options={"disableClusteringAtZoom": 16, "maxClusterRadius": 40}).add_to(group)
        folium.GeoJson(_geojson(layer.frame), marker=marker, style_function=_style_function(style, layer.colour_by),
                       tooltip=tooltip, popup=popup, name=html.escape(layer.title)).add_to(parent)
        group.add_to(m)
        groups.append((key, group))
    if layers:
        if not for_print:
            folium.LayerControl(collapsed=True).add_to(m)
        m.add_child(LeafletScript(
            "var legend = L.control({position: 'bottomleft'});"
            f"legend.onAdd = function () {{ var d = L.DomUtil.create('div');"
            f" d.innerHTML = {js_literal(_legend_html(layers, legend_title, legend_swatches or []))};"
            " L.DomEvent.disableScrollPropagation(d); return d; };"
            " legend.addTo(map);"))
        credits = "; ".join(dict.fromkeys(html.escape(layer.credit or translate_text(layer.spec.attribution, lang)) for layer in layers))
        m.add_child(LeafletScript(f"map.attributionControl.addAttribution({js_literal(credits)});"))
    if not for_print:
        m.add_child(LeafletScript(_CREDIT_TOGGLE))
    m.add_child(_ViewScript(bounds, groups, share_view, for_print))
    return localize_assets(m, base_url)
