"""OpenStreetMap to Atlas layers: one tag table, read from an extract (.osm.pbf / .osm, via pyosmium) or from
the Overpass API (via OSMnx), giving the same layers either way."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import OsmError
from geo.layers import LAYERS, STORAGE_CRS
from geo.problems import unexpected_problem

OSM_LICENCE = "ODbL 1.0, © OpenStreetMap contributors"
REACH_TIMEOUT_S = 5
FACILITY_TYPES = ("hospital", "clinic", "doctors", "dentist", "pharmacy")  # the rest: "other health facility"
MAX_EXTRACT_BYTES = 200_000_000


@dataclass(frozen=True)
class TagRule:
    """Features with `key` in `values` (any value when empty), if every `require` tag and no `exclude` tag
    matches; `kind` is what the layer keeps (the rule's fixed kind, else the key's value)."""
    key: str
    values: tuple[str, ...] = ()
    kind: str = ""
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()
    require: tuple[tuple[str, tuple[str, ...]], ...] = ()


_NOT_ON_FOOT = (("foot", ("no", "private")), ("access", ("no", "private")), ("area", ("yes",)))
_CYCLE_LANE = ("lane", "opposite_lane")  # painted on the carriageway: dedicated, not protected
_CYCLE_TRACK = ("track", "opposite_track")  # beside the carriageway, kerb-separated: protected
_CYCLEWAY_KEYS = ("cycleway", "cycleway:both", "cycleway:left", "cycleway:right")

# The one table from OSM tags to Atlas layers; the Data & sources page renders it.
OSM_LAYERS: dict[str, tuple[str, tuple[TagRule, ...]]] = {
    "walking_network": ("line", (
        TagRule("highway", ("footway", "pedestrian", "path", "steps", "living_street", "residential", "service",
                            "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link", "primary",
                            "primary_link", "track", "corridor", "road"), exclude=_NOT_ON_FOOT),
        TagRule("highway", ("cycleway", "trunk", "trunk_link", "bridleway"), exclude=_NOT_ON_FOOT,
                require=(("foot", ("yes", "designated", "permissive")),)),
    )),
    "cycleways": ("line", (
        TagRule("highway", ("cycleway",), kind="dedicated"),
        TagRule("bicycle", ("designated",), kind="dedicated", require=(("highway", ("path", "footway")),)),
        *(TagRule(key, _CYCLE_TRACK, kind="track") for key in _CYCLEWAY_KEYS),
        *(TagRule(key, _CYCLE_LANE, kind="on_road") for key in _CYCLEWAY_KEYS),
    )),
    # Roads people should not live beside (ITDP's "highways"): motorways and trunk roads, kind = the highway tag.
    "major_roads": ("line", (
        TagRule("highway", ("motorway", "motorway_link", "trunk", "trunk_link")),
    )),
    "footways": ("line", (
        TagRule("highway", ("footway", "pedestrian", "steps", "living_street", "path"), exclude=_NOT_ON_FOOT),
    )),
    "health_facilities": ("point", (
        TagRule("amenity", ("hospital", "clinic", "doctors", "dentist", "pharmacy")),
        TagRule("healthcare", ("hospital", "clinic", "doctor", "dentist", "pharmacy", "centre"),
                exclude=(("amenity", ("hospital", "clinic", "doctors", "dentist", "pharmacy")),)),
    )),
    "parks": ("polygon", (
        TagRule("leisure", ("park", "garden", "nature_reserve", "dog_park", "playground")),
        TagRule("landuse", ("recreation_ground", "village_green", "forest")),
    )),
    "schools": ("point", (TagRule("amenity", ("school", "kindergarten", "college", "university")),)),
    "sports_grounds": ("point", (
        TagRule("leisure", ("pitch", "sports_centre", "fitness_station", "track", "stadium", "swimming_pool")),
    )),
    "transit_stops": ("point", (
        TagRule("highway", ("bus_stop",)),
        TagRule("railway", ("tram_stop", "station", "halt", "subway_entrance")),
        TagRule("public_transport", ("platform", "station"),
                exclude=(("highway", ("bus_stop",)), ("railway", ("tram_stop", "station", "halt")))),
        TagRule("amenity", ("bus_station", "ferry_terminal")),
    )),
}

TAG_KEYS = tuple(sorted({rule.key for _, rules in OSM_LAYERS.values() for rule in rules}
                        | {key for _, rules in OSM_LAYERS.values() for rule in rules
                           for key, _ in rule.exclude + rule.require}
                        | {"name"}))


def registry_frame(layer_id: str, derived: gpd.GeoDataFrame, city_id: str) -> gpd.GeoDataFrame:
    """A derived layer in its registry shape for one city (health facilities also get their facility type)."""
    frame = derived.assign(city_id=city_id)
    if layer_id == "health_facilities":
        frame["facility_type"] = frame["kind"].where(frame["kind"].isin(FACILITY_TYPES), "other health facility")
    columns = [c for c in LAYERS[layer_id].columns]
    return gpd.GeoDataFrame(frame[columns], geometry=frame.geometry.values, crs=STORAGE_CRS)


def tag_table() -> pd.DataFrame:
    """The tag table as rows (layer, shape, OSM tags, conditions, kind), for documentation."""
    rows = []
    for layer_id, (shape, rules) in OSM_LAYERS.items():
        for rule in rules:
            conditions = [f"{k}={'|'.join(v)}" for k, v in rule.require]
            conditions += [f"{k}≠{'|'.join(v)}" for k, v in rule.exclude]
            rows.append({"layer": layer_id, "shape": shape,
                         "tags": f"{rule.key}={'|'.join(rule.values) if rule.values else '*'}",
                         "conditions": ", ".join(conditions), "kind": rule.kind or f"value of {rule.key}"})
    return pd.DataFrame(rows)


def overpass_tags() -> dict[str, bool | list[str]]:
    """The OSMnx `tags` query that fetches every feature any rule could match."""
    tags: dict[str, set[str] | bool] = {}
    for _, rules in OSM_LAYERS.values():
        for rule in rules:
            if not rule.values or rule.key == "highway":
                tags[rule.key] = True
            elif tags.get(rule.key) is not True:
                tags.setdefault(rule.key, set()).update(rule.values)  # type: ignore[union-attr]
    return {k: (True if v is True else sorted(v)) for k, v in sorted(tags.items())}


def _tag(elements: pd.DataFrame, key: str) -> pd.Series:
    return elements[key].fillna("").astype(str) if key in elements else pd.Series("", index=elements.index)


def _matches(elements: pd.DataFrame, rule: TagRule) -> pd.Series:
    value = _tag(elements, rule.key)
    hit = value.isin(rule.values) if rule.values else value.ne("")
    for key, values in rule.exclude:
        hit &= ~_tag(elements, key).isin(values)
    for key, values in rule.require:
        hit &= _tag(elements, key).isin(values)
    return hit


_GEOMETRIES = {"line": ("LineString", "MultiLineString"), "polygon": ("Polygon", "MultiPolygon"),
               "point": ("Point", "Polygon", "MultiPolygon")}


def derive_layers(elements: gpd.GeoDataFrame, source: str, licence: str = OSM_LICENCE) -> dict[str, gpd.GeoDataFrame]:
    """Apply the tag table to OSM elements (one row per node/way/area: osm_id, tag columns, geometry in WGS84).
    Point layers take polygons' representative points; lines and polygons keep their shape."""
    layers = {}
    for layer_id, (shape, rules) in OSM_LAYERS.items():
        picked, kinds = pd.Series(False, index=elements.index), pd.Series("", index=elements.index)
        for rule in rules:
            hit = _matches(elements, rule) & ~picked
            kinds[hit] = rule.kind or _tag(elements, rule.key)[hit]
            picked |= hit
        rows = elements[picked & elements.geom_type.isin(_GEOMETRIES[shape])]
        geometry = rows.geometry
        if shape == "point":
            geometry = geometry.representative_point()
        layer = gpd.GeoDataFrame({"osm_id": rows["osm_id"].astype(str), "name": _tag(rows, "name").replace("", None),
                                  "kind": kinds[rows.index], "source": source, "licence": licence},
                                 geometry=geometry.values, crs=STORAGE_CRS)
        layers[layer_id] = layer.sort_values("osm_id", kind="stable").reset_index(drop=True)
    return layers


def read_points_table(path: Path) -> gpd.GeoDataFrame:
    """OSM points saved as a table (osm_type, osm_id, latitude, longitude and tag columns, empty = no tag),
    in the same shape as read_extract, so the same tag table applies."""
    table = pd.read_parquet(path)
    missing = {"osm_type", "osm_id", "latitude", "longitude"} - set(table.columns)
    if missing:
        raise OsmError("osm_unreadable", name=Path(path).name, detail=f"missing column(s) {', '.join(sorted(missing))}")
    tags = {key: table[key].replace("", None) for key in TAG_KEYS if key in table.columns}
    frame = pd.DataFrame({"osm_id": table["osm_type"] + "/" + table["osm_id"].astype(str), **tags})
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(table["longitude"], table["latitude"]), crs=STORAGE_CRS)


def read_edges_table(path: Path) -> gpd.GeoDataFrame:
    """An OSMnx street graph saved as an edge table (u, v, key, osmid, highway, name, WKT geometry), as OSM
    elements of the shape read_extract gives: one row per street segment, the two directions of a two-way
    street counted once (an edge merged from several ways takes the first way's id)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"u", "v", "key", "osmid", "highway", "geometry"} - set(table.columns)
    if missing:
        raise OsmError("osm_unreadable", name=Path(path).name, detail=f"missing column(s) {', '.join(sorted(missing))}")
    ends = np.sort(table[["u", "v"]].astype("int64").to_numpy(), axis=1)
    table = table[~pd.DataFrame({"a": ends[:, 0], "b": ends[:, 1], "key": table["key"]}).duplicated().to_numpy()]
    way = table["osmid"].str.strip("[]").str.split(",").str[0].str.strip()
    tags = {key: table[key].replace("", None) for key in TAG_KEYS if key in table.columns}
    frame = pd.DataFrame({"osm_id": "way/" + way, **tags})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries.from_wkt(table["geometry"]).values, crs=STORAGE_CRS)


def read_extract(path: Path, progress: Callable[[float], None] | None = None) -> gpd.GeoDataFrame:
    """OSM elements of an extract (.osm.pbf or .osm) with the tags the table needs, as a WGS84 frame."""
    import osmium  # imported here: only extract imports need the libosmium bindings

    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise OsmError("osm_missing", name=path.name)
    factory = osmium.geom.WKBFactory()
    records: list[dict] = []
    try:
        processor = (osmium.FileProcessor(str(path)).with_locations().with_areas()
                     .with_filter(osmium.filter.KeyFilter(*(k for k in TAG_KEYS if k != "name"))))
        for count, obj in enumerate(processor):
            try:
                record = _record(obj, factory)
            except osmium.InvalidLocationError:  # a way with nodes outside the extract: nothing whole to draw
                continue
            if record is not None:
                records.append(record)
            if progress and count % 20000 == 0:
                progress(min(0.9, count / 1_000_000))
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:  # e.g. a node at lat="NaN"
        raise OsmError("osm_unreadable", name=path.name, detail=str(exc)[:160]) from None
    if not records:
        raise OsmError("osm_no_features", name=path.name)
    frame = pd.DataFrame.from_records(records)
    geometry = shapely.from_wkb(frame.pop("wkb").to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=STORAGE_CRS)


def _record(obj, factory) -> dict | None:
    tags = {key: obj.tags.get(key) for key in TAG_KEYS if key in obj.tags}
    if not tags:
        return None
    try:
        if obj.is_node():
            osm_id, wkb = f"node/{obj.id}", factory.create_point(obj)
        elif obj.is_way():
            if len(obj.nodes) < 2:
                return None
            osm_id, wkb = f"way/{obj.id}", factory.create_linestring(obj)
        elif obj.is_area():
            kind = "way" if obj.from_way() else "relation"
            osm_id, wkb = f"{kind}/{obj.orig_id()}", factory.create_multipolygon(obj)
        else:
            return None
    except (RuntimeError, ValueError):  # a way or area with nodes outside the extract: nothing whole to draw
        return None
    return {"osm_id": osm_id, **tags, "wkb": bytes.fromhex(wkb) if isinstance(wkb, str) else wkb}


def read_uploaded_extract(name: str, content: bytes,
                          progress: Callable[[float], None] | None = None) -> gpd.GeoDataFrame:
    """An uploaded extract (.osm.pbf or .osm), checked for its name and size, read like a file on disk."""
    suffix = ".osm.pbf" if name.lower().endswith(".pbf") else ".osm" if name.lower().endswith(".osm") else ""
    if not suffix:
        raise OsmError("osm_wrong_suffix", name=name)
    if len(content) > MAX_EXTRACT_BYTES:
        raise OsmError("osm_too_large", name=name, size_mb=round(len(content) / 1e6),
                       limit_mb=round(MAX_EXTRACT_BYTES / 1e6))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            elements = read_extract(path, progress)
        except OsmError as exc:
            raise OsmError(exc.problem.code, **{**exc.problem.params, "name": name}) from None
        except Exception as exc:  # an error no check foresaw: logged with its traceback, said by reference
            raise OsmError("unexpected", **unexpected_problem(exc, f"reading the OSM extract {name!r}").params) \
                from None
    coordinates = shapely.get_coordinates(elements.geometry.to_numpy())
    if not np.isfinite(coordinates).all() or (np.abs(coordinates) > (180, 90)).any():
        raise OsmError("osm_not_on_earth", name=name)
    return elements


def extract_bounds(path: Path) -> shapely.Polygon:
    """The bounding box an extract's header declares (WGS84): the area it covers."""
    import osmium

    box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    if not box.valid():
        raise OsmError("osm_no_bbox", name=Path(path).name)
    return shapely.box(box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def fetch_overpass(polygon: shapely.Geometry, overpass_url: str | None = None,
                   progress: Callable[[float], None] | None = None) -> gpd.GeoDataFrame:
    """OSM elements inside a WGS84 polygon from the Overpass API through OSMnx, in the same shape as
    `read_extract`. `overpass_url` picks another server (a mirror, or a local one); OSMnx's own cache is off."""
    import osmnx as ox  # imported here: only online fetches need OSMnx
    import requests

    url = overpass_url or ox.settings.overpass_url
    status_url = url.rstrip("/") + "/status"
    try:  # fail in seconds, not after OSMnx's 60 s back-off, when there is no connection
        requests.get(status_url, timeout=REACH_TIMEOUT_S)
    except requests.RequestException as exc:
        raise OsmError("overpass_unreachable", url=status_url, detail=type(exc).__name__) from exc
    saved = ox.settings.overpass_url, ox.settings.use_cache
    ox.settings.overpass_url, ox.settings.use_cache = url, False
    try:
        if progress:
            progress(0.1)
        features = ox.features_from_polygon(polygon, tags=overpass_tags())
    except Exception as exc:  # OSMnx raises requests', its own and ValueError on an empty answer
        raise OsmError("overpass_no_answer", detail=f"{type(exc).__name__}: {str(exc)[:160]}") from exc
    finally:
        ox.settings.overpass_url, ox.settings.use_cache = saved
    if progress:
        progress(0.9)
    features = features.reset_index()
    frame = pd.DataFrame({"osm_id": features["element"].astype(str) + "/" + features["id"].astype(str)})
    for key in TAG_KEYS:
        if key in features:
            frame[key] = features[key].astype(object).where(features[key].notna(), None)
    return gpd.GeoDataFrame(frame, geometry=features.geometry.values, crs=STORAGE_CRS)
