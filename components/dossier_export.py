"""The application dossier of a city, built once for the page, its PDF and DOCX downloads and the CLI: the
figures from the layer store (geo.indicators.city_values through the page caches), the city's entries, and the
maps and charts drawn as PNG by the Atlas's own map builder (headless Chromium) and plotly (kaleido)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from components import data
from components.charts import presentation_type
from components.exports import (
    browser_path,
    chart_image,
    html_to_png,
    standalone_map_html,
)
from components.maps import build_map
from components.shared_charts import annual_figure
from geo.cities import get_city
from geo.dossier import CityEntries, Dossier, KeptPlan, build_dossier
from geo.i18n import translate
from geo.reports import DossierImage, dossier_docx, dossier_pdf

MAP_SIZE_PX = (1400, 900)
PRINT_FONT_PX = 20  # chart type on a 1600 px picture printed ~23 cm wide: about 8 pt
FORMATS = {"pdf": ("application/pdf", dossier_pdf),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", dossier_docx)}


def city_entries(city_id: str) -> CityEntries:
    """The city's current text and figures from the layer store (none yet: empty)."""
    return CityEntries.from_json(data.store().dossier_entries(city_id))


def kept_plan(city_id: str) -> KeptPlan | None:
    """The city's current siting plan from the layer store, if its editors kept one."""
    history = data.store().history("planned_sites", city_id)
    sites = data.city_layer(city_id, "planned_sites")
    if not history or sites.empty:
        return None
    return KeptPlan(sites, history[0].version, history[0].author, history[0].created_at)


def city_dossier(city_id: str, lang: str, today: dt.date | None = None) -> Dossier:
    """The dossier the page shows and the exports print."""
    return build_dossier(get_city(city_id), data.city_latest(city_id), data.all_values(), city_entries(city_id),
                         lang, today, kept_plan(city_id))


def territory_layers(city_id: str, lang: str) -> list:
    """The territory section's map layers, on the page and in the exports alike: districts and boundary."""
    districts = [layer for layer in data.city_map_layers(city_id, lang) if layer.spec.id == "districts"]
    return [*districts, *data.boundary_layers(city_id, lang)]


def dossier_images(city_id: str, lang: str) -> list[DossierImage]:
    """The maps and charts of the sections as PNG: territory (boundary and districts), healthcare and
    infrastructure (facilities, stations, footways and cycleways where the city has them), environment
    (PM2.5 by year). Empty when no Chromium is installed (the export then says so)."""
    if browser_path() is None:
        return []
    city = get_city(city_id)
    name, made_with = city.name(lang), translate("export.made_with", lang)
    bounds = tuple(data.city_layer(city_id, "boundary").total_bounds)
    images = []
    for section, layers, key in (("territory", territory_layers(city_id, lang), "dossier.map_territory"),
                                 ("healthcare_infrastructure", data.city_map_layers(city_id, lang),
                                  "dossier.map_services")):
        title = translate(key, lang, city=name)
        page = standalone_map_html(build_map(layers, bounds, lang=lang, legend_title=translate("map.legend", lang),
                                             for_print=True),
                                   layers, title, made_with, lang)
        images.append(DossierImage(section, title, html_to_png(page, MAP_SIZE_PX)))
    annual = data.city_annual(city_id, "pm25")
    if len(annual):
        title = translate("dossier.chart_environment", lang, city=name)
        figure = annual_figure(city_id, "pm25", lang)
        images.append(DossierImage("environment", title, chart_image(presentation_type(figure, PRINT_FONT_PX), "png",
                                                                     title, made_with, lang)))
    return images


def dossier_files(city_id: str, lang: str, formats: tuple[str, ...] = tuple(FORMATS),
                  progress: Callable[[float, str], None] | None = None) -> dict[str, bytes]:
    """The whole dossier in each of `formats` (pdf, docx), the maps and charts drawn once for all, reporting
    progress (share done, what is being done) as it goes."""
    def report(share: float, key: str) -> None:
        if progress:
            progress(share, translate(key, lang))
    report(0.05, "dossier.building")
    dossier = city_dossier(city_id, lang)
    report(0.2, "dossier.drawing")
    images = dossier_images(city_id, lang)
    notes = () if images else (translate("dossier.no_images", lang),)
    files = {}
    for done, fmt in enumerate(formats):
        report(0.7 + 0.3 * done / len(formats), "dossier.typesetting")
        files[fmt] = FORMATS[fmt][1](dossier, images, notes)
    report(1.0, "dossier.ready")
    return files
