"""Imports into the layer store, on both back ends (SQLite and PostGIS): a corpus of malformed and hostile files,
each refused with a clear reason and the store unchanged row for row (and, for SQLite, byte for byte); good files
stored as versions that can be rolled back; writes only by editors of the city."""
import hashlib
import io
import json
import logging
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa

from geo import imports, readers
from geo.cities import get_city
from geo.csvsafe import safe_csv
from geo.errors import ImportRejected, PermissionDenied
from geo.i18n import translate
from geo.layerstore import Editor
from geo.problems import Limits
from geo.writes import import_file
from tests import hostile_inputs
from tests.conftest import BACKENDS, make_store, signed_in_editor
from tests.hostile_inputs import zipped  # one zip writer for both corpora

BISHKEK = get_city("bishkek")
LICENCE = "CC BY 4.0"
INSIDE = (74.60, 42.87)  # central Bishkek


def geojson(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def point(lon=INSIDE[0], lat=INSIDE[1], **props) -> dict:
    props = {"osm_id": "node/1", "name": "Clinic", "facility_type": "clinic", **props}
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def shapefile_members(with_prj=True) -> dict[str, bytes]:
    import tempfile
    frame = gpd.GeoDataFrame({"osm_id": ["node/9"], "name": ["Dom"], "type": ["clinic"]},  # DBF names: 10 chars
                             geometry=[shapely.Point(*INSIDE)], crs="EPSG:4326")
    with tempfile.TemporaryDirectory() as folder:
        frame.to_file(Path(folder) / "clinics.shp")
        return {p.name: p.read_bytes() for p in Path(folder).iterdir()
                if with_prj or p.suffix != ".prj"}


def parquet_without_geo() -> bytes:
    buffer = io.BytesIO()
    gpd.pd.DataFrame({"a": [1, 2]}).to_parquet(buffer)
    return buffer.getvalue()


VALID_GEOJSON = geojson([point()])
BOWTIE_COLLAPSED = {"type": "Polygon", "coordinates": [[[74.6, 42.87], [74.61, 42.88], [74.6, 42.87], [74.6, 42.87]]]}

# (case id, file name, content, layer, expected problem code, extra import arguments)
CORPUS = [
    ("empty file", "empty.geojson", b"", "health_facilities", "empty_file", {}),
    ("blank csv", "blank.csv", b"   \n\n", "health_facilities", "empty_file", {}),
    ("no features", "none.geojson", geojson([]), "health_facilities", "empty_file", {}),
    ("truncated geojson", "cut.geojson", VALID_GEOJSON[:40], "health_facilities", "malformed", {}),
    ("not json at all", "text.geojson", b"hello, world", "health_facilities", "malformed", {}),
    ("cp1251 csv", "cp1251.csv", "lon,lat,osm_id,name,facility_type\n74.6,42.87,node/1,Больница,hospital\n"
     .encode("cp1251"), "health_facilities", "not_utf8", {}),
    ("latin-1 geojson", "latin1.geojson", json.dumps({"type": "FeatureCollection", "features": [
        point(name="Caf\u00e9")]}, ensure_ascii=False).encode("latin-1"), "health_facilities", "not_utf8", {}),
    ("csv with wkt but no crs", "wkt.csv", b"wkt,osm_id,facility_type\n\"POINT (74.6 42.87)\",n/1,clinic\n",
     "health_facilities", "no_crs", {}),
    ("unknown declared crs", "wkt2.csv", b"wkt,osm_id,facility_type\n\"POINT (74.6 42.87)\",n/1,clinic\n",
     "health_facilities", "bad_crs", {"declared_crs": "EPSG:999999"}),
    ("csv without geometry", "nogeom.csv", b"name,facility_type\nA,clinic\n", "health_facilities", "no_geometry", {}),
    ("csv bad coordinate", "badcoord.csv", b"lon,lat,osm_id,facility_type\nabc,42.87,n/1,clinic\n",
     "health_facilities", "bad_coordinate", {}),
    ("csv bad wkt", "badwkt.csv", b"wkt,osm_id,facility_type\n\"POINT (74.6\",n/1,clinic\n", "health_facilities",
     "bad_wkt", {"declared_crs": "EPSG:4326"}),
    ("csv unterminated quote", "quote.csv", b"lon,lat,name\n74.6,42.87,\"never closed\n74.6,42.8,x\n",
     "health_facilities", "malformed", {}),
    ("point in Paris", "paris.geojson", geojson([point(2.35, 48.85)]), "health_facilities", "outside_city", {}),
    ("latitude and longitude swapped", "swapped.csv", b"lon,lat,osm_id,facility_type\n42.87,74.6,n/1,clinic\n",
     "health_facilities", "outside_city", {}),
    ("metres given as degrees", "metres.csv", b"lon,lat,osm_id,facility_type\n500000,4745000,n/1,clinic\n",
     "health_facilities", "out_of_range", {}),
    ("line for a point layer", "line.geojson", geojson([{**point(), "geometry": {
        "type": "LineString", "coordinates": [[74.6, 42.87], [74.61, 42.88]]}}]), "health_facilities",
     "wrong_geometry", {}),
    ("polygon for a point layer", "poly.geojson", geojson([{**point(), "geometry": {
        "type": "Polygon", "coordinates": [[[74.6, 42.87], [74.61, 42.87], [74.61, 42.88], [74.6, 42.87]]]}}]),
     "health_facilities", "wrong_geometry", {}),
    ("null geometry", "null.geojson", geojson([{**point(), "geometry": None}]), "health_facilities",
     "empty_geometry", {}),
    ("collapsed polygon", "collapsed.geojson", geojson([{"type": "Feature", "properties": {
        "district_id": "d1", "name": "Flat"}, "geometry": BOWTIE_COLLAPSED}]), "districts", "invalid_geometry", {}),
    ("missing required column", "nocol.csv", b"lon,lat,osm_id\n74.6,42.87,n/1\n", "health_facilities",
     "missing_column", {}),
    ("missing licence", "nolicence.geojson", VALID_GEOJSON, "health_facilities", "missing_column", {"licence": " "}),
    ("empty required value", "blankvalue.csv", b"lon,lat,osm_id,facility_type\n74.6,42.87,n/1,\n",
     "health_facilities", "empty_value", {}),
    ("percentage above 100", "poverty.geojson", geojson([{"type": "Feature", "properties": {
        "district_id": "d1", "name": "A", "poverty_pct": 150}, "geometry": {"type": "Polygon", "coordinates": [[
            [74.55, 42.85], [74.62, 42.85], [74.62, 42.9], [74.55, 42.85]]]}}]), "districts", "above_max", {}),
    ("negative population", "negative.geojson", geojson([{"type": "Feature", "properties": {
        "district_id": "d1", "name": "A", "population": -5}, "geometry": {"type": "Polygon", "coordinates": [[
            [74.55, 42.85], [74.62, 42.85], [74.62, 42.9], [74.55, 42.85]]]}}]), "districts", "below_min", {}),
    ("poverty as a fraction", "fraction.geojson", geojson([{"type": "Feature", "properties": {
        "district_id": "d1", "name": "A", "poverty_pct": 0.23}, "geometry": {"type": "Polygon", "coordinates": [[
            [74.55, 42.85], [74.62, 42.85], [74.62, 42.9], [74.55, 42.85]]]}}]), "districts", "fraction_for_percent",
     {}),
    ("station flag that is not yes or no", "flag.csv", ("lon,lat,station_id,station_name,provider,first_hour,"
     "last_hour,n_hours,placeholder_coordinate\n74.6,42.87,s1,S,P,2024-01-01,2024-02-01,10,maybe\n").encode(),
     "air_stations", "not_a_boolean", {}),
    ("population as words", "words.geojson", geojson([{"type": "Feature", "properties": {
        "district_id": "d1", "name": "A", "population": "many"}, "geometry": {"type": "Polygon", "coordinates": [[
            [74.55, 42.85], [74.62, 42.85], [74.62, 42.9], [74.55, 42.85]]]}}]), "districts", "not_a_number", {}),
    ("duplicate features", "dupes.geojson", geojson([point(), point()]), "health_facilities", "duplicate", {}),
    ("zip slip", "slip.zip", zipped({"../../evil.shp": b"x", "evil.shx": b"x", "evil.dbf": b"x"}),
     "health_facilities", "zip_unsafe_path", {}),
    ("absolute zip member", "abs.zip", zipped({"/etc/cron.d/evil": b"x"}), "health_facilities", "zip_unsafe_path", {}),
    ("zip bomb", "bomb.zip", zipped({"a.shp": b"\0" * 30_000_000, "a.shx": b"x", "a.dbf": b"x"}),
     "health_facilities", "zip_too_big", {}),
    ("zip with too many members", "many.zip", zipped({f"f{i}.txt": b"x" for i in range(60)}), "health_facilities",
     "zip_too_many", {}),
    ("zip without a shapefile", "readme.zip", zipped({"readme.txt": b"hello"}), "health_facilities",
     "zip_no_shapefile", {}),
    ("corrupt zip", "corrupt.zip", b"PK\x03\x04" + b"\x13" * 200, "health_facilities", "malformed", {}),
    ("shapefile without .prj", "noprj.zip", zipped(shapefile_members(with_prj=False)), "health_facilities",
     "no_crs", {}),
    ("spreadsheet", "table.xlsx", b"PK\x03\x04 not really", "health_facilities", "unknown_format", {}),
    ("parquet without geometry", "plain.parquet", parquet_without_geo(), "health_facilities", "malformed", {}),
    ("truncated parquet", "cut.parquet", parquet_without_geo()[:30], "health_facilities", "malformed", {}),
    ("garbage geopackage", "junk.gpkg", b"SQLite format 3\0" + b"\xff" * 500, "health_facilities", "malformed", {}),
]


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    store = make_store(request.param, tmp_path_factory.mktemp(request.param))
    signed_in_editor(store, "aigul", ("bishkek",))  # the account exists before any snapshot is taken
    yield store
    store.close()


def _sqlite_bytes(store) -> str | None:
    if store.postgis:
        return None
    return hashlib.sha256(Path(store.engine.url.database).read_bytes()).hexdigest()


@pytest.mark.parametrize("case, name, content, layer_id, code, extra", CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_file_is_refused_clearly_and_changes_nothing(store, case, name, content, layer_id, code, extra):
    before, before_bytes = store.snapshot(), _sqlite_bytes(store)
    with pytest.raises(ImportRejected) as rejected:
        import_file(store, editor_of(store), BISHKEK, layer_id, name, content, extra.get("licence", LICENCE),
                    declared_crs=extra.get("declared_crs", ""))
    codes = [p.code for p in rejected.value.problems]
    assert code in codes, (case, codes)
    for problem in rejected.value.problems:
        text = problem.english()
        assert text and "Traceback" not in text and "{" not in text
        if "row" in problem.params:
            assert f"row {problem.params['row']}" in text
    assert store.snapshot() == before
    assert _sqlite_bytes(store) == before_bytes


def test_the_corpus_is_at_least_thirty_files_with_distinct_reasons():
    assert len(CORPUS) >= 30
    assert len({c[4] for c in CORPUS}) >= 20


def test_too_large_upload_is_refused_before_reading(store, monkeypatch):
    monkeypatch.setattr(readers, "EDITOR_LIMITS", Limits(upload_bytes=1000))
    before = store.snapshot()
    with pytest.raises(ImportRejected) as rejected:
        import_file(store, editor_of(store), BISHKEK, "health_facilities", "big.geojson", b" " * 2000 + VALID_GEOJSON, LICENCE)
    assert [p.code for p in rejected.value.problems] == ["too_large"]
    assert store.snapshot() == before


def test_viewer_and_editor_of_another_city_cannot_write(store):
    viewer, other_city = signed_in_editor(store, "visitor", (), "viewer"), signed_in_editor(store, "osh-editor", ("osh",))
    forged = Editor("aigul", "editor", ("bishkek",))  # built by a caller, not signed in: refused as well
    before = store.snapshot()
    for who in (viewer, other_city, forged):
        with pytest.raises(PermissionDenied):
            import_file(store, who, BISHKEK, "health_facilities", "ok.geojson", VALID_GEOJSON, LICENCE)
        with pytest.raises(PermissionDenied):
            store.rollback("health_facilities", "bishkek", 1, who)
    assert store.snapshot() == before


@pytest.fixture(params=BACKENDS)
def fresh_store(request, tmp_path):
    store = make_store(request.param, tmp_path)
    yield store
    store.close()


def editor_of(store):
    """The Bishkek editor, signed in on this store."""
    return signed_in_editor(store, "aigul", ("bishkek",))


def test_good_import_becomes_a_version_and_rolls_back(fresh_store):
    store = fresh_store
    original = store.read_layer("health_facilities", "bishkek")
    hostile_name = "<img src=x onerror=alert(1)>'; DROP TABLE atlas_versions; --"
    content = geojson([point(name=hostile_name), point(INSIDE[0] + 0.01, osm_id="node/2", name="=HYPERLINK(1)")])
    version, prepared = import_file(store, editor_of(store), BISHKEK, "health_facilities", "clinics.geojson", content, LICENCE)
    assert (version.version, version.rows, version.added, version.removed) == (2, 2, 2, len(original))
    assert version.author == "aigul" and version.source_file == "clinics.geojson"
    stored = store.read_layer("health_facilities", "bishkek")
    assert list(stored["name"]) == [hostile_name, "=HYPERLINK(1)"]  # text kept exactly, as text
    assert "'=HYPERLINK(1)" in safe_csv(stored) and "\n=HYPERLINK" not in safe_csv(stored)
    assert len(store.read_layer("health_facilities", "osh")) > 0  # other cities untouched
    back = store.rollback("health_facilities", "bishkek", 1, editor_of(store))
    assert back.version == 3 and back.note == "rollback to version 1"
    restored = store.read_layer("health_facilities", "bishkek")
    assert restored.drop(columns="geometry").equals(original.drop(columns="geometry"))
    assert restored.geometry.geom_equals_exact(original.geometry, tolerance=0).all()
    assert [v.version for v in store.history("health_facilities", "bishkek")] == [3, 2, 1]


def test_every_supported_format_imports(fresh_store):
    store = fresh_store
    frame = gpd.GeoDataFrame({"osm_id": ["node/5"], "name": ["Аптека №1"], "facility_type": ["pharmacy"]},
                             geometry=[shapely.Point(*INSIDE)], crs="EPSG:4326")
    utm = frame.to_crs(BISHKEK.crs)
    gpkg, parquet = io.BytesIO(), io.BytesIO()
    utm.to_file(gpkg, driver="GPKG", layer="clinics")
    utm.to_parquet(parquet)
    files = {
        "clinics.gpkg": gpkg.getvalue(), "clinics.parquet": parquet.getvalue(),
        "clinics.zip": zipped(shapefile_members()),
        "clinics.csv": "longitude,latitude,osm_id,name,facility_type\n74.6,42.87,node/5,Аптека №1,pharmacy\n".encode(),
        "clinics_wkt.csv": f'wkt,osm_id,name,facility_type\n"{utm.geometry.iloc[0].wkt}",node/5,A,pharmacy\n'.encode(),
    }
    for name, content in files.items():
        declared = BISHKEK.crs if name == "clinics_wkt.csv" else ""
        mapping = {"osm_id": "osm_id", "name": "name", "facility_type": "type"} if name.endswith(".zip") else None
        version, _ = import_file(store, editor_of(store), BISHKEK, "health_facilities", name, content, LICENCE,
                                 mapping=mapping, declared_crs=declared)
        point_back = store.read_layer("health_facilities", "bishkek").geometry.iloc[0]
        assert point_back.distance(shapely.Point(*INSIDE)) < 1e-6, name  # reprojected to WGS84 exactly
        assert version.rows == 1, name


def test_safe_repairs_are_made_and_reported(fresh_store):
    bowtie = {"type": "Polygon", "coordinates": [[[74.55, 42.85], [74.62, 42.9], [74.62, 42.85], [74.55, 42.9],
                                                  [74.55, 42.85]]]}
    content = geojson([{"type": "Feature", "properties": {"district_id": "d1", "name": "Bow"}, "geometry": bowtie}])
    version, prepared = import_file(fresh_store, editor_of(fresh_store), BISHKEK, "districts", "bow.geojson", content, LICENCE)
    assert [r.code for r in prepared.repairs] == ["repaired"] and "Self-intersection" in prepared.repairs[0].english()
    stored = fresh_store.read_layer("districts", "bishkek")
    assert stored.geometry.iloc[0].is_valid and stored.geometry.iloc[0].area > 0


def test_an_interrupted_import_leaves_the_store_as_it_was(fresh_store, monkeypatch):
    store = fresh_store
    editor = editor_of(store)
    before = store.snapshot()
    monkeypatch.setattr(type(store), "_geom_in", lambda self: "no_such_function(:wkb)")  # fails mid-transaction
    with pytest.raises(sa.exc.DBAPIError):
        import_file(store, editor, BISHKEK, "health_facilities", "ok.geojson", VALID_GEOJSON, LICENCE)
    assert store.snapshot() == before


def test_every_problem_of_a_file_is_listed_at_once_in_row_order(store):
    content = (b"lon,lat,osm_id,name,facility_type\n42.87,74.6,n/1,Swapped,clinic\n74.60,42.87,n/2,A,pharmacy\n"
               b"74.60,42.87,n/2,A,pharmacy\n74.61,42.88,n/3,B,\n")
    with pytest.raises(ImportRejected) as rejected:
        import_file(store, editor_of(store), BISHKEK, "health_facilities", "mixed.csv", content, LICENCE)
    found = [(p.code, p.params.get("row")) for p in rejected.value.problems]
    assert found == [("outside_city", 1), ("duplicate", 3), ("empty_value", 4)]


def test_yes_no_columns_are_stored_as_booleans(fresh_store):
    content = ("lon,lat,station_id,station_name,provider,first_hour,last_hour,n_hours,placeholder_coordinate\n"
               "74.6,42.87,s1,Station 1,Own,2024-01-01,2024-02-01,10,no\n"
               "74.61,42.88,s2,Station 2,Own,2024-01-01,2024-02-01,12,Yes\n").encode()
    import_file(fresh_store, editor_of(fresh_store), BISHKEK, "air_stations", "stations.csv", content, LICENCE)
    stored = fresh_store.read_layer("air_stations", "bishkek")
    assert stored["placeholder_coordinate"].tolist() == [False, True]
    assert stored["n_hours"].tolist() == [10, 12]


# -- the second, attacker's corpus (tests/hostile_inputs.py) --------------------------------------------------

FORBIDDEN_IN_MESSAGES = ("Traceback", "File \"/", "/tmp/", "site-packages", "Error:", "Exception", "postgresql",
                         "sqlite:///")


def assert_clean(text: str) -> None:
    """A message a user may see: no traceback, no server path, no library exception name, no connection."""
    assert text and not any(bad in text for bad in FORBIDDEN_IN_MESSAGES), text


@pytest.mark.parametrize("case, name, content, layer_id, code, extra", hostile_inputs.CORPUS,
                         ids=[c[0] for c in hostile_inputs.CORPUS])
def test_attackers_file_is_refused_with_a_clear_message_and_changes_nothing(store, case, name, content, layer_id,
                                                                           code, extra):
    before, before_bytes = store.snapshot(), _sqlite_bytes(store)
    with pytest.raises(ImportRejected) as rejected:
        import_file(store, editor_of(store), BISHKEK, layer_id, name, content, LICENCE,
                    declared_crs=extra.get("declared_crs", ""))
    codes = [p.code for p in rejected.value.problems]
    assert code in codes, (case, codes)
    for problem in rejected.value.problems:
        assert_clean(problem.english())
        if problem.params.get("row"):
            assert f"row {problem.params['row']}" in problem.english()
    assert store.snapshot() == before
    assert _sqlite_bytes(store) == before_bytes


def test_an_unforeseen_library_error_is_a_reference_not_a_traceback(store, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("/srv/atlas/secret/path internal state")
    editor = editor_of(store)
    before = store.snapshot()
    logger = logging.getLogger("geo.problems")
    monkeypatch.setattr(logger, "disabled", False)  # whatever another library's logging set-up did to it
    monkeypatch.setattr(logger, "propagate", True)
    for module, stage in ((readers, "check_frame"), (imports, "_check_duplicates")):  # reading, then checking
        with monkeypatch.context() as patch, caplog.at_level("ERROR", logger="geo.problems"):
            patch.setattr(module, stage, broken)
            with pytest.raises(ImportRejected) as rejected:
                import_file(store, editor, BISHKEK, "health_facilities", "ok.geojson", VALID_GEOJSON, LICENCE)
        (problem,) = rejected.value.problems
        assert problem.code == "unexpected" and problem.params["reference"] in problem.english()
        assert_clean(problem.english()) and "/srv/atlas" not in problem.english() and "KeyError" not in problem.english()
        assert problem.params["reference"] in caplog.text and "/srv/atlas/secret/path" in caplog.text  # logged
    assert store.snapshot() == before


@pytest.mark.parametrize("case, content, words", hostile_inputs.WATER_CORPUS,
                         ids=[c[0] for c in hostile_inputs.WATER_CORPUS])
def test_the_anonymous_water_check_refuses_hostile_files_clearly(case, content, words):
    from geo.errors import WaterDataError
    from geo.water import read_water_csv
    if words is None:  # acceptable as it is: each date taken as written, whatever its time zone
        samples = read_water_csv(content, "samples.csv")
        assert [str(d.date()) for d in samples["date"]] == ["2024-05-01", "2024-05-02", "2024-05-03"]
        return
    with pytest.raises(WaterDataError) as refused:
        read_water_csv(content, "samples.csv")
    assert words in str(refused.value), str(refused.value)
    for problem in refused.value.problems:
        assert_clean(problem.english())
        for lang in ("ru", "kk", "ky"):  # said in every language, filled in without error
            assert_clean(translate(f"problem.{problem.code}", lang, **problem.params))


def test_an_osm_extract_with_impossible_coordinates_is_refused_clearly():
    from geo.errors import OsmError
    from geo.osm import read_uploaded_extract
    for lat, lon in (("NaN", "NaN"), ("95", "500"), ("inf", "74.6")):
        extract = (f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6"><node id="1" lat="{lat}" '
                   f'lon="{lon}" version="1"><tag k="amenity" v="clinic"/></node></osm>').encode()
        with pytest.raises(OsmError) as refused:
            read_uploaded_extract("clinics.osm", extract)
        assert "clinics.osm" in str(refused.value)
        assert_clean(str(refused.value).replace("clinics.osm", ""))
