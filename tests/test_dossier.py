"""The application dossier: six sections in order, the same figures as the CLI computes, gaps said plainly,
the city's own entries validated, versioned and shown as supplied by the city, markup inert everywhere."""
import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from geo.dossier import CityEntries, CityFigure, change_note, check_entries, checked
from geo.errors import DossierRejected
from geo.i18n import translate
from geo.indicators import KZ_SECTIONS
from geo.writes import roll_back_dossier, save_dossier
from tests.conftest import BACKENDS, make_store, signed_in_editor

ROOT = Path(__file__).resolve().parent.parent
MARKUP = "<b>bold</b> **stars** [link](https://evil.example) {{ 7*7 }} <script>alert(1)</script>"
SAMPLE = ("population", "boundary_area", "pm25_annual_mean", "pm25_days_above_24h", "life_expectancy",
          "health_facilities_osm")


def flat(text: str) -> str:
    """Text with every kind of space as one plain space (PDF extraction keeps or drops no-break spaces)."""
    return re.sub(r"[\s\xa0\u202f]+", " ", text)


def expected_number(value: float, lang: str) -> str:
    """How the language writes `value`, by hand (not through geo.i18n): grouping, decimal separator."""
    digits = 0 if float(value).is_integer() else 1
    english = f"{float(value):,.{digits}f}"
    return english if lang == "en" else english.replace(",", " ").replace(".", ",")


def cli_latest(geo_cli, city_id: str) -> dict[str, float]:
    """Latest value of each indicator by the analysts' command line (an independent path from the page)."""
    result = geo_cli("indicators", "--city", city_id)
    assert result.returncode == 0, result.stderr
    latest: dict[str, tuple[int, str]] = {}
    for row in csv.DictReader(io.StringIO(result.text)):
        if row["level"] == "district":
            continue
        year = int(row["year"] or 0)
        if row["indicator_id"] not in latest or (row["value"] and year >= latest[row["indicator_id"]][0]):
            latest[row["indicator_id"]] = (year, row["value"])
    return {i: float(v) for i, (_, v) in latest.items() if v}


@pytest.fixture(scope="module")
def exported():
    """Astana (in Russian) and Bishkek (in Kyrgyz) exported as the page exports them, with entries stored by
    an editor of each city: a narrative with markup and a figure the open data lacks."""
    from components import data
    from components.dossier_export import city_dossier, dossier_files
    store = data.store()
    out = {}
    for city_id, lang in (("astana", "ru"), ("bishkek", "ky")):
        editor = signed_in_editor(store, f"{city_id}_office", (city_id,))
        entries = CityEntries({"territory": f"Narrative of {city_id}: {MARKUP}"}, (
            CityFigure("digitalization", label="E-services used", value=61.5, unit="%", year=2025,
                       source="City digital office survey 2025"),))
        save_dossier(store, editor, city_id, entries, "test entries")
        files = dossier_files(city_id, lang)
        out[city_id] = (lang, city_dossier(city_id, lang), files["pdf"], files["docx"])
    return out


def pdf_text(pdf: bytes) -> str:
    return flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def docx_text(docx: bytes) -> tuple[list[str], str]:
    from docx import Document
    document = Document(io.BytesIO(docx))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return paragraphs, flat("\n".join(paragraphs + cells))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("city_id", ["astana", "bishkek"])
def test_pdf_and_docx_hold_the_six_sections_in_order(exported, city_id):
    lang, dossier, pdf, docx = exported[city_id]
    titles = [translate(f"section.{s}", lang) for s in KZ_SECTIONS]
    text = pdf_text(pdf)
    positions = [text.rfind(flat(title)) for title in titles]  # after the contents page
    assert -1 not in positions and positions == sorted(positions), positions
    paragraphs, _ = docx_text(docx)
    headings = [p for p in paragraphs if p in titles]
    assert headings[-6:] == titles  # the contents list, then the sections in order
    kind = "profile" if city_id == "bishkek" else "application"
    assert flat(translate(f"dossier.title_{kind}", lang)) in text


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("city_id", ["astana", "bishkek"])
def test_figures_are_the_ones_the_command_line_computes(exported, geo_cli, city_id):
    lang, dossier, pdf, docx = exported[city_id]
    cli = cli_latest(geo_cli, city_id)
    pdf_flat, (_, docx_flat) = pdf_text(pdf), docx_text(docx)
    checked_any = 0
    for indicator_id in SAMPLE:
        figure = dossier.figure(indicator_id)
        if indicator_id not in cli:
            assert figure is None, indicator_id  # no value: a gap, never a figure of 0
            continue
        assert figure is not None and figure.value == pytest.approx(cli[indicator_id], rel=1e-5), indicator_id
        number = expected_number(cli[indicator_id], lang)
        assert flat(figure.value_text).startswith(number)  # then any flag in words: "(undated)"
        assert number in pdf_flat and number in docx_flat, (indicator_id, number)
        checked_any += 1
    assert checked_any >= 3


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("city_id", ["astana", "bishkek"])
def test_gaps_sources_and_the_citys_own_entries_are_printed(exported, city_id):
    lang, dossier, pdf, docx = exported[city_id]
    pdf_flat, (_, docx_flat) = pdf_text(pdf), docx_text(docx)
    digitalization = next(s for s in dossier.sections if s.id == "digitalization")
    assert not digitalization.figures and digitalization.city_figures  # no open data; the city's own figure
    gaps = [g for s in dossier.sections for g in s.gaps]
    assert gaps and all(flat(translate("dossier.to_be_provided", lang)) in flat(g.note) for g in gaps)
    for gap in gaps[:5]:
        assert flat(gap.name) in pdf_flat and flat(gap.name) in docx_flat
    assert flat(translate("dossier.sources", lang)) in pdf_flat
    for source in dossier.sources:
        assert flat(source)[:60] in pdf_flat and flat(source)[:60] in docx_flat
    supplied = flat(translate("dossier.supplied", lang))
    assert "City digital office survey 2025" in pdf_flat and supplied in pdf_flat and supplied in docx_flat
    assert expected_number(61.5, lang) in pdf_flat
    missing = {g.name for g in gaps}
    for section in dossier.sections:  # a missing value never reads as 0 anywhere
        assert not any(f.name in missing for f in section.figures)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("city_id", ["astana", "bishkek"])
def test_markup_in_a_narrative_stays_text_in_pdf_and_docx(exported, city_id):
    from geo.reports import dossier_html
    lang, dossier, pdf, docx = exported[city_id]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dossier_html(dossier, [])
    assert "<script>" not in dossier_html(dossier, []).split("</style>")[1]
    assert flat(MARKUP) in pdf_text(pdf)  # printed literally, tags and stars included
    paragraphs, _ = docx_text(docx)
    assert f"Narrative of {city_id}: {MARKUP}" in paragraphs


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("city_id", ["astana", "bishkek"])
def test_exports_carry_maps_and_charts_and_embed_their_fonts(exported, city_id):
    lang, dossier, pdf, docx = exported[city_id]
    reader = PdfReader(io.BytesIO(pdf))
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 3  # territory map, services map, PM2.5 chart
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"].get_object().get("/Font", {}).values()}
    assert fonts and all("DejaVu" in f for f in fonts), fonts  # embedded subsets: XKQQSR+DejaVu-Sans
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("word/media/")]) >= 3


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    store = make_store(request.param, tmp_path, layer_ids=("boundary",))
    yield store
    store.close()


def test_a_city_figure_is_stored_versioned_rolled_back_and_refused_to_others(store):
    editor = signed_in_editor(store, "osh_editor", ("osh",))
    first = CityEntries().with_narrative("territory", "Osh lies in the Fergana Valley.")
    save_dossier(store, editor, "osh", first, change_note(CityEntries(), first))
    second = first.with_figure(CityFigure("demography", "life_expectancy", value=71.2, unit="years", year=2024,
                                          source="Osh city health department"))
    version = save_dossier(store, editor, "osh", second, change_note(first, second))
    assert version.version == 2 and version.rows == 2 and version.note == "figures added: 1"
    assert CityEntries.from_json(store.dossier_entries("osh")).figures[0].value == 71.2
    back = roll_back_dossier(store, editor, "osh", 1)
    assert back.version == 3 and CityEntries.from_json(store.dossier_entries("osh")) == first
    assert [v.version for v in store.dossier_history("osh")] == [3, 2, 1]
    assert store.dossier_history("osh")[0].author == "osh_editor"
    viewer = signed_in_editor(store, "reader", (), role="viewer")
    other = signed_in_editor(store, "bishkek_editor", ("bishkek",))
    before = store.snapshot()
    from geo.errors import PermissionDenied
    for intruder in (viewer, other):
        with pytest.raises(PermissionDenied):
            save_dossier(store, intruder, "osh", second, "intrusion")
        with pytest.raises(PermissionDenied):
            roll_back_dossier(store, intruder, "osh", 2)
    assert store.snapshot() == before


def test_entries_are_checked_before_anything_is_stored():
    too_long = CityEntries({"territory": "x" * 5001})
    control = CityEntries({"environment": "clean\u202eair"})
    no_source = CityEntries(figures=(CityFigure("demography", "life_expectancy", value=70.0),))
    bad_year = CityEntries(figures=(CityFigure("demography", label="Births", value=1.0, year=1850, source="s"),))
    not_a_number = CityEntries(figures=(CityFigure("demography", label="Births", value=float("inf"), source="s"),))
    wrong_section = CityEntries(figures=(CityFigure("territory", "life_expectancy", value=70.0, source="s"),))
    nameless = CityEntries(figures=(CityFigure("digitalization", value=3.0, source="s"),))
    codes = {name: [p.code for p in check_entries(entries)] for name, entries in (
        ("too_long", too_long), ("control", control), ("no_source", no_source), ("bad_year", bad_year),
        ("not_a_number", not_a_number), ("wrong_section", wrong_section), ("nameless", nameless))}
    assert codes == {"too_long": ["dossier_text_too_long"], "control": ["dossier_bad_text"],
                     "no_source": ["dossier_no_source"], "bad_year": ["dossier_bad_year"],
                     "not_a_number": ["dossier_not_a_number"], "wrong_section": ["dossier_unknown_indicator"],
                     "nameless": ["dossier_no_label"]}
    with pytest.raises(DossierRejected) as rejected:
        checked(too_long)
    text = translate("problem.dossier_text_too_long", "kk", **rejected.value.problems[0].params)
    assert "5 001" in text.replace("\xa0", " ") and "territory" in text
    assert check_entries(CityEntries({"territory": "Line one\nline two\ttabbed"})) == []


def test_a_rejected_save_leaves_the_store_as_it_was(store):
    editor = signed_in_editor(store, "almaty_editor", ("almaty",))
    save_dossier(store, editor, "almaty", CityEntries({"territory": "Almaty lies at the foot of the Zailiysky Alatau."}), "first")
    before = store.snapshot()
    for bad in (CityEntries({"territory": "\x00"}), CityEntries({"territory": "y" * 6000}),
                CityEntries(figures=(CityFigure("environment", "pm25_annual_mean", value=12.0),))):
        with pytest.raises(DossierRejected):
            save_dossier(store, editor, "almaty", bad, "bad")
    assert store.snapshot() == before


@pytest.mark.slow
@pytest.mark.browser
def test_the_command_line_writes_the_dossier_and_refuses_unknown_cities_and_languages(geo_cli):
    result = geo_cli("dossier", "--city", "osh", "--lang", "ky", "--format", "docx")
    assert result.returncode == 0, result.stderr[-500:]
    with zipfile.ZipFile(io.BytesIO(result.stdout)) as archive:
        assert "word/document.xml" in archive.namelist()
        assert translate("section.digitalization", "ky") in archive.read("word/document.xml").decode()
    assert "ScriptRunContext" not in result.stderr
    for args, message in ((("--city", "atlantis"), "unknown city 'atlantis'"),
                          (("--city", "osh", "--lang", "de"), "unknown language 'de'")):
        refused = geo_cli("dossier", *args)
        assert refused.returncode == 2 and message in refused.stderr and refused.stdout == b""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("city_id", ["astana", "bishkek"])
def test_no_table_row_of_the_pdf_is_split_from_its_name(exported, city_id):
    """Read back page by page (pdfplumber): every row of every table holds its indicator's name and its value on
    the same page; a row cut at a page end would leave one of them empty on each side."""
    import pdfplumber

    _lang, dossier, pdf, _docx = exported[city_id]
    rows_seen = 0
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            for table in page.extract_tables():
                for row in table:
                    assert row[0] and row[1], f"page {number}: {row}"
                    rows_seen += 1
    expected = sum(len(s.figures) + len(s.city_figures) for s in dossier.sections)
    assert rows_seen >= expected  # every figure row was read (plus the headings of each table and page)


@pytest.mark.slow
@pytest.mark.browser
def test_the_docx_is_on_a4_like_the_pdf_and_its_rows_do_not_split(exported):
    from docx import Document

    document = Document(io.BytesIO(exported["astana"][3]))
    page = document.sections[0]
    assert abs(page.page_width.mm - 297) < 0.5 and abs(page.page_height.mm - 210) < 0.5  # twips round a little
    for table in document.tables:
        assert all(row._tr.trPr is not None and row._tr.trPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}cantSplit") is not None for row in table.rows)
