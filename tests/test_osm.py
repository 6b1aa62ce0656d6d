"""OpenStreetMap to layers: the tag table on a hand-written extract, and the Overpass path (OSMnx against a
loopback Overpass server serving the real Helsinki extract) giving the same layers as reading the extract."""
import socket

import geopandas as gpd
import pytest
import shapely

from geo.errors import OsmError
from geo.osm import derive_layers, extract_bounds, fetch_overpass, read_extract, tag_table
from geo.paths import OSM_DEMO_EXTRACT
from tests.overpass_mock import MockOverpass, OsmIndex

NODES = "".join(f'<node id="{i}" version="1" lat="{60 + i / 10000}" lon="{25 + (i % 3) / 10000}"/>'
                for i in range(1, 13))
SMALL_OSM = f"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 {NODES}
 <node id="20" version="1" lat="60.0005" lon="25.0005"><tag k="amenity" v="pharmacy"/><tag k="name" v="Apteekki &lt;b&gt;"/></node>
 <node id="21" version="1" lat="60.0006" lon="25.0006"><tag k="highway" v="bus_stop"/></node>
 <way id="100" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="cycleway" v="lane"/></way>
 <way id="101" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
 <way id="102" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/><tag k="foot" v="no"/></way>
 <way id="103" version="1"><nd ref="4"/><nd ref="5"/><tag k="highway" v="cycleway"/></way>
 <way id="104" version="1"><nd ref="5"/><nd ref="6"/><tag k="highway" v="cycleway"/><tag k="foot" v="designated"/></way>
 <way id="105" version="1"><nd ref="6"/><nd ref="7"/><tag k="highway" v="motorway"/></way>
 <way id="106" version="1"><nd ref="8"/><nd ref="9"/><nd ref="10"/><nd ref="8"/><tag k="leisure" v="park"/></way>
 <way id="107" version="1"><nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="10"/><tag k="amenity" v="school"/></way>
 <way id="108" version="1"><nd ref="1"/><nd ref="12"/><tag k="highway" v="secondary"/><tag k="cycleway:right" v="track"/></way>
</osm>
"""


@pytest.fixture()
def small_extract(tmp_path):
    path = tmp_path / "small.osm"
    path.write_text(SMALL_OSM, encoding="utf-8")
    return derive_layers(read_extract(path), "hand-written test extract")


def _ids(layer: gpd.GeoDataFrame) -> set[str]:
    return set(layer["osm_id"])


def test_tag_table_sorts_features_into_layers(small_extract):
    layers = small_extract
    assert _ids(layers["walking_network"]) == {"way/100", "way/101", "way/104", "way/108"}  # not foot=no, bare cycleway, motorway
    assert _ids(layers["cycleways"]) == {"way/100", "way/103", "way/104", "way/108"}
    kinds = dict(zip(layers["cycleways"]["osm_id"], layers["cycleways"]["kind"]))
    assert (kinds["way/100"], kinds["way/103"], kinds["way/108"]) == ("on_road", "dedicated", "track")  # lane, own way, kerb
    assert _ids(layers["major_roads"]) == {"way/105"}  # the motorway people do not walk on, yet live beside
    assert _ids(layers["footways"]) == {"way/101"}
    assert _ids(layers["health_facilities"]) == {"node/20"}
    assert layers["health_facilities"]["name"].iloc[0] == "Apteekki <b>"  # kept as text; escaped where drawn
    assert _ids(layers["transit_stops"]) == {"node/21"}
    assert _ids(layers["parks"]) == {"way/106"} and layers["parks"].geom_type.iloc[0] == "MultiPolygon"
    assert _ids(layers["schools"]) == {"way/107"} and layers["schools"].geom_type.iloc[0] == "Point"
    assert set(tag_table()["layer"]) == set(layers)


def test_unreadable_extracts_are_refused_clearly(tmp_path):
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(OsmError, match="empty"):
        read_extract(empty)
    garbage = tmp_path / "garbage.osm.pbf"
    garbage.write_bytes(b"\x00\x00\x00\x0fnot a protobuf at all" * 10)
    with pytest.raises(OsmError, match="garbage.osm.pbf"):
        read_extract(garbage)


@pytest.mark.slow
def test_overpass_through_osmnx_gives_the_same_layers_as_the_extract():
    index = OsmIndex(OSM_DEMO_EXTRACT)
    with MockOverpass(index) as overpass:
        fetched = derive_layers(fetch_overpass(extract_bounds(OSM_DEMO_EXTRACT), overpass.url), "overpass")
    assert len(overpass.queries) >= 1 and "poly:" in overpass.queries[0]
    from_extract = derive_layers(read_extract(OSM_DEMO_EXTRACT), "extract")
    whole = index.whole_ids()
    for layer_id, layer in fetched.items():
        expected = from_extract[layer_id][from_extract[layer_id]["osm_id"].isin(whole)]
        assert _ids(layer) == _ids(expected), layer_id
        assert len(layer) > 0 or layer_id == "major_roads", layer_id  # central Helsinki has no motorway or trunk
        joined = layer.set_index("osm_id").geometry
        other = expected.set_index("osm_id").geometry.loc[joined.index]
        assert shapely.equals_exact(joined.values, other.values, tolerance=1e-7).all() or layer_id in ("parks",), layer_id
        assert (layer.set_index("osm_id")["kind"] == expected.set_index("osm_id")["kind"].loc[joined.index]).all()


def test_an_unreachable_overpass_fails_fast_with_a_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OsmError, match="cannot be reached"):
        fetch_overpass(shapely.box(25, 60, 25.01, 60.01), f"http://127.0.0.1:{port}/api")


def test_extract_bounds_cover_every_feature():
    bounds = extract_bounds(OSM_DEMO_EXTRACT)
    elements = read_extract(OSM_DEMO_EXTRACT)
    points = elements[elements.geom_type == "Point"]
    assert points.within(bounds.buffer(1e-6)).all()
