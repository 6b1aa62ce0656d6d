"""Edge cases said plainly: raw NUL bytes and deep nesting in GeoJSON, characters no output can hold, tabs and
line breaks in spreadsheet cells, a full output device, impossible command-line options, repeated URL values."""
import json
import sys
from pathlib import Path

import pytest

from geo.dossier import CityEntries, checked
from geo.errors import DossierRejected, ImportRejected
from geo.readers import read_file

ROOT = Path(__file__).resolve().parent.parent


def collection(name: str) -> str:
    return json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": name},
                       "geometry": {"type": "Point", "coordinates": [74.6, 42.87]}}]}, ensure_ascii=False)


def refused(name: str, content: bytes) -> list[tuple[str, dict]]:
    with pytest.raises(ImportRejected) as rejected:
        read_file(name, content)
    return [(p.code, p.params) for p in rejected.value.problems]


def test_a_raw_nul_in_a_geojson_name_is_refused_by_its_line_not_cut():
    text = collection("Clinic").replace("Clinic", "Cli\x00nic")
    assert refused("a.geojson", ("\n" + text).encode()) == [("raw_control_character", {"line": 2, "code": "U+0000"})]
    escaped = collection("Cli\x00nic").encode()  # written as \u0000: found in its row and column
    assert refused("a.geojson", escaped)[0][0] == "control_character"


def test_deep_nesting_is_refused_with_its_own_reason():
    deep = '{"type": "FeatureCollection", "features": [], "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    assert refused("deep.geojson", deep.encode())[0][0] == "nested_too_deep"


def test_tabs_and_line_breaks_in_a_spreadsheet_cell_are_text_not_a_reason_to_refuse():
    frame = read_file("sites.csv", b'name,lon,lat\n"Clinic No 5\nBlock A\tentrance",74.6,42.87\n')
    assert frame["name"].tolist() == ["Clinic No 5\nBlock A\tentrance"]


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\ufdd0", "\x0b", "\x1b"])
def test_characters_no_document_can_hold_are_refused_at_the_edge(character):
    assert refused("a.geojson", collection(f"Clinic{character}").encode())[0][0] == "control_character"
    with pytest.raises(DossierRejected):  # a city's text: the DOCX (XML) could not hold it for anyone
        checked(CityEntries({"territory": f"Our city{character}"}))


def test_every_text_the_dossier_accepts_goes_into_its_docx():
    from docx import Document

    text = "Line one\nLine two\twith a tab; «кавычки», ұлттық, үй, ё"
    entries = checked(CityEntries({"territory": text}))
    document = Document()
    document.add_paragraph(entries.narratives["territory"])  # raises on a character XML cannot hold


def test_a_full_output_device_is_an_error_not_a_cut_file(geo_cli, monkeypatch):
    with open("/dev/full", "w") as full:  # every write fails with "No space left on device"
        monkeypatch.setattr(sys, "stdout", full)
        done = geo_cli("indicators", "--city", "osh")
    assert done.returncode == 1 and "could not be written whole" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (("batch", "--workers", "0", "--cities", "osh"), "must be at least 1"),
    (("batch", "--workers", "two", "--cities", "osh"), "not a whole number"),
    pytest.param(("batch", "--scheduler", "tcp://127.0.0.1:1", "--cities", "osh"), "no Dask scheduler answers",
                 marks=pytest.mark.slow),  # waits out the scheduler's 10 s timeout
])
def test_impossible_batch_options_are_said_in_one_line(geo_cli, args, message):
    done = geo_cli(*args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_repeated_indicator_in_the_link_is_compared_once():
    from tests.test_app import new_app, no_exception

    at = new_app()
    at.query_params.update({"cities": "almaty,almaty,astana", "indicators": "life_expectancy,life_expectancy"})
    at.run()
    at.switch_page("pages/compare.py").run()
    no_exception(at)
    assert at.multiselect(key="url_cities").value == ["almaty", "astana"]
    assert list(at.dataframe[0].value.columns) == ["Life expectancy at birth, years (2022)"]


def test_a_folder_the_catalogue_cannot_be_exported_to_is_said_in_one_line(geo_cli):
    done = geo_cli("i18n", "export-po", "/proc/no-such-folder")
    assert done.returncode == 2 and "cannot be written" in done.stderr and "Traceback" not in done.stderr
