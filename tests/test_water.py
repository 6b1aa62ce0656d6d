"""Water-quality import: a good file is read and judged; every kind of bad file is refused with row and column."""
import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.errors import WaterDataError
from geo.guidelines import WATER_GUIDELINES
from geo.water import judge_samples, read_water_csv, samples_outside, sites_frame

HEADER = "site_id,site_name,lon,lat,date,parameter,value,unit\n"
GOOD = HEADER + (
    "W1,Well 1,74.60,42.87,2024-05-01,arsenic,8,µg/L\n"
    "W1,Well 1,74.60,42.87,2024-06-01,arsenic,0.015,mg/L\n"
    "W2,Tap 2,74.62,42.88,2024-05-01,nitrate,12.5,mg/L\n"
    "W2,Tap 2,74.62,42.88,2024-05-01,E. coli,1,CFU/100 mL\n")


def test_good_file_is_read_converted_and_judged():
    samples = read_water_csv(GOOD.encode(), "good.csv")
    assert samples["value"].tolist() == pytest.approx([0.008, 0.015, 12.5, 1.0])  # 8 µg/L = 0.008 mg/L
    assert samples["parameter"].tolist() == ["arsenic", "arsenic", "nitrate", "e_coli"]
    judged = judge_samples(samples)
    assert judged["exceeds"].tolist() == [False, True, False, True]  # As 0.015 > 0.01; any E. coli
    sites = sites_frame(judged).set_index("site_id")
    assert sites.loc["W1", "exceedances"] == 1 and sites.loc["W2", "exceeded"] == "e_coli"
    assert sites.crs == "EPSG:4326"


def test_byte_order_mark_and_spaces_in_headers_are_accepted():
    content = ("\ufeff" + HEADER.replace("lat", " lat ") + "W1,,74.6,42.8,2024-01-02,lead,0.002,mg/L\n").encode()
    assert len(read_water_csv(content)) == 1


@pytest.mark.parametrize("content, message", [
    (b"", "bad.csv: the file is empty"),
    (b"   \n", "bad.csv: the file is empty"),
    (HEADER.encode(), "bad.csv: the file has a header but no rows"),
    ("site,x\n1,2\n".encode(), "bad.csv: missing column(s) site_id, site_name, lon, lat, date, parameter, value, unit"),
    ((HEADER + "W1,a,74.6,42.8,2024-01-01,arsenic,5,µg/L\n").encode("cp1251", errors="replace") + b"\xff\xfe",
     "bad.csv: the text is not UTF-8 (first bad byte on line 2)"),
    ((HEADER + "W1,a,74.6,42.8,2024-01-01,plutonium,1,mg/L\n").encode(),
     "row 2, column parameter: unknown parameter 'plutonium'"),
    ((HEADER + "W1,a,east,42.8,2024-01-01,lead,1,mg/L\n").encode(), "row 2, column lon: 'east' is not a number"),
    ((HEADER + "W1,a,74.6,142.8,2024-01-01,lead,1,mg/L\n").encode(), "row 2, column lat: 142.8 is outside -90…90"),
    ((HEADER + "W1,a,74.6,42.8,yesterday,lead,1,mg/L\n").encode(), "row 2, column date: 'yesterday' is not a date"),
    ((HEADER + "W1,a,74.6,42.8,2024-01-01,lead,-1,mg/L\n").encode(), "row 2, column value: -1.0 is negative"),
    ((HEADER + "W1,a,74.6,42.8,2024-01-01,lead,1,ppm\n").encode(),
     "row 2, column unit: 'ppm' cannot be converted to mg/L for lead"),
    ((HEADER + "W1,a,74.6,42.8,2024-01-01,lead,nan,mg/L\n").encode(), "row 2, column value: 'nan' is not a number"),
    ((HEADER + ",a,74.6,42.8,2024-01-01,lead,1,mg/L\n").encode(), "row 2, column site_id: empty"),
    ((HEADER + "W1,a,74.6,42.8,2024-01-01,lead,1,mg/L\nW1,a,74.6,42.8,2024-01-01,lead,2,mg/L\n").encode(),
     "bad.csv: 2 rows repeat a site, date and parameter, e.g. W1 2024-01-01 lead"),
    ('site_id,site_name\n"unclosed,1\n'.encode(), "bad.csv: the file cannot be read: it is truncated or not valid CSV"),
])
def test_bad_files_are_refused_with_what_and_where(content, message):
    with pytest.raises(WaterDataError) as error:
        read_water_csv(content, "bad.csv")
    assert message in str(error.value)


def test_every_problem_is_listed_not_only_the_first():
    content = (HEADER + "W1,a,x,42.8,2024-01-01,lead,1,mg/L\nW2,b,74.6,42.8,never,lead,1,mg/L\n").encode()
    with pytest.raises(WaterDataError) as error:
        read_water_csv(content, "bad.csv")
    assert [p.english().split(",")[0] for p in error.value.problems] == ["row 2", "row 3"]


def test_sites_far_from_the_city_are_reported():
    samples = read_water_csv((HEADER + "A,a,74.6,42.87,2024-01-01,lead,1,mg/L\n"
                                       "B,b,42.87,74.6,2024-01-01,lead,1,mg/L\n").encode())
    area = gpd.GeoSeries([box(74.5, 42.8, 74.7, 42.95)], crs="EPSG:4326")
    assert samples_outside(samples, area, 20_000, "EPSG:32643") == ["B"]


def test_guideline_values_of_the_best_known_parameters():
    assert WATER_GUIDELINES["arsenic"].value == 0.01 and WATER_GUIDELINES["nitrate"].value == 50
    assert WATER_GUIDELINES["fluoride"].value == 1.5 and WATER_GUIDELINES["e_coli"].value == 0


def test_stored_samples_come_back_as_they_were_checked(tmp_path):
    from geo.layerstore import LayerStore
    from geo.water import samples_from_layer, samples_layer
    from tests.conftest import signed_in_editor
    store = LayerStore(f"sqlite:///{tmp_path / 'water.sqlite'}")
    samples = read_water_csv(GOOD.encode(), "good.csv")
    store.commit("water_samples", "bishkek", samples_layer(samples, "bishkek", "good.csv", "CC BY 4.0"),
                 signed_in_editor(store, "aigul", ("bishkek",)), "good.csv")
    back = samples_from_layer(store.read_layer("water_samples", "bishkek"))
    store.close()
    assert back[["site_id", "parameter", "unit"]].equals(samples[["site_id", "parameter", "unit"]])
    assert back["value"].tolist() == pytest.approx(samples["value"].tolist())
    assert back["lon"].tolist() == pytest.approx(samples["lon"].tolist())
    assert (back["date"] == samples["date"]).all()
    assert judge_samples(back)["exceeds"].tolist() == [False, True, False, True]
