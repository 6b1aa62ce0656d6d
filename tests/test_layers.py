"""Layer registry and validation: every embedded layer conforms; each kind of bad layer is named precisely."""
import pytest
from shapely.geometry import LineString, Point

from geo.embedded import read_layer
from geo.errors import LayerValidationError
from geo.layers import LAYERS, get_layer_spec, validate_layer

FACILITIES = LAYERS["health_facilities"]


def test_every_registered_layer_is_embedded_and_valid():
    for layer_id in [i for i, spec in LAYERS.items() if spec.embedded]:
        layer = read_layer(layer_id)
        assert len(layer) > 0, layer_id
        assert layer["source"].str.len().gt(0).all() and layer["licence"].str.len().gt(0).all()


def test_registry_records_say_source_licence_date_and_attribution():
    for spec in LAYERS.values():
        assert spec.source and spec.licence and spec.date and spec.attribution, spec.id
        assert set(spec.tooltip) <= set(spec.columns), spec.id
        assert spec.group in {"boundaries", "environment", "services", "mobility"}


def test_valid_hand_made_layer_passes(two_points):
    assert validate_layer(two_points, FACILITIES) is two_points


def test_unknown_layer_lists_known_ones():
    with pytest.raises(LayerValidationError, match="unknown layer 'roads'; known layers: boundary, city_centres, districts"):
        get_layer_spec("roads")


def test_missing_column_is_named(two_points):
    with pytest.raises(LayerValidationError, match="layer 'health_facilities': missing required column"
                                                   r"\(s\) facility_type"):
        validate_layer(two_points.drop(columns="facility_type"), FACILITIES)


def test_wrong_geometry_type_names_the_row(two_points):
    two_points.loc[1, "geometry"] = LineString([(74.6, 42.8), (74.7, 42.9)])
    with pytest.raises(LayerValidationError, match="row 1 has geometry LineString, expected Point"):
        validate_layer(two_points, FACILITIES)


def test_missing_or_foreign_crs_is_refused(two_points):
    with pytest.raises(LayerValidationError, match="has no CRS; expected EPSG:4326"):
        validate_layer(two_points.set_crs(None, allow_override=True), FACILITIES)
    with pytest.raises(LayerValidationError, match="CRS is EPSG:32643, expected EPSG:4326"):
        validate_layer(two_points.to_crs("EPSG:32643"), FACILITIES)


def test_empty_required_value_and_empty_geometry_are_located(two_points):
    broken = two_points.copy()
    broken.loc[0, "facility_type"] = None
    with pytest.raises(LayerValidationError, match="column 'facility_type' is empty in row 0"):
        validate_layer(broken, FACILITIES)
    broken = two_points.copy()
    broken.loc[1, "geometry"] = Point()
    with pytest.raises(LayerValidationError, match=r"empty geometry in row\(s\) \[1\]"):
        validate_layer(broken, FACILITIES)


def test_optional_value_may_be_missing(two_points):
    assert two_points["name"].isna().any()
    validate_layer(two_points, FACILITIES)


def test_out_of_range_and_non_numeric_values_are_refused_with_unit(square_km_boundary):
    spec = LAYERS["boundary"]
    small = square_km_boundary.assign(area_km2=[0.0])
    with pytest.raises(LayerValidationError, match=r"'area_km2' row 0 is 0.0 km², below the minimum 0.01 km²"):
        validate_layer(small, spec)
    text = square_km_boundary.assign(area_km2=["big"])
    with pytest.raises(LayerValidationError, match=r"'area_km2' row 0 is not a number: 'big'"):
        validate_layer(text, spec)


def test_poverty_rate_above_100_percent_is_refused():
    districts = read_layer("districts").head(3).copy()
    districts.loc[districts.index[0], "poverty_pct"] = 140.0
    with pytest.raises(LayerValidationError, match=r"'poverty_pct' row 0 is 140.0 %, above the maximum 100 %"):
        validate_layer(districts, LAYERS["districts"])


def test_not_a_geodataframe_is_refused():
    import pandas as pd
    with pytest.raises(LayerValidationError, match="not a table with a geometry column"):
        validate_layer(pd.DataFrame({"a": [1]}), FACILITIES)
