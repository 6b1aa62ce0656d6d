"""A translator's .po file is data: markup, control characters, format specifications and incomplete plural forms
are refused with the key and the reason, the catalogue left byte for byte as it was; a good file is written
atomically and reads back as imported. Translations reach the map's HTML escaped."""
import hashlib
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from geo.__main__ import main
from geo.i18n import LOCALE_DIR, entries, po_path, read_catalog, translate
from geo.translations import import_po, write_atomically

ROOT = Path(__file__).resolve().parent.parent
ATTACK = '<img src=x onerror="document.title=1">'


@pytest.fixture
def exported(tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("po")
    assert main(["i18n", "export-po", str(folder)]) == 0
    capsys.readouterr()
    return folder


def with_russian(exported: Path, tmp_path: Path, key: str, text) -> Path:
    """A copy of the exported .po files with one Russian entry changed (a count: a list of forms)."""
    folder = tmp_path / "po"
    for path in exported.rglob("*.po"):
        target = folder / path.relative_to(exported)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    path = folder / "ru" / "LC_MESSAGES" / "atlas.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale="ru")
    message = next(m for m in catalog if m.context == key)
    message.string = tuple(text) if isinstance(text, list) else text
    with path.open("wb") as out:
        write_po(out, catalog, width=0)
    return folder


def digest() -> str:
    """Of every shipped catalogue, byte for byte."""
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(LOCALE_DIR.rglob("*.po*")))).hexdigest()


@pytest.mark.parametrize("key, text, reason", [
    ("layer.health_facilities", f"Медицинские {ATTACK}", "markup the English text does not have"),
    ("nav.city", "Город [нажмите](https://example.org)", "markup the English text does not have"),
    ("nav.city", "Горо\x7fд", "control or direction character U+007F"),
    ("nav.city", "Город\u202e", "control or direction character U+202E"),
    ("summit.map_title", "{city:>99999999}", "format specification"),
    ("summit.map_title", "{city.__class__}", "not a plain name"),
    ("summit.map_title", "{town}", "not in the English text"),
    ("count.features", ["{count} объект", "", ""], "3 plural forms needed; empty: 1, 2"),
    ("nav.city", "Г" * 5000, "more than 4000"),
])
def test_a_hostile_or_broken_translation_is_refused_and_the_catalogue_kept(exported, tmp_path, capsys, key, text,
                                                                         reason):
    before = digest()
    assert main(["i18n", "import-po", str(with_russian(exported, tmp_path, key, text))]) == 2
    said = capsys.readouterr().err
    assert f"ru {key}" in said and reason in said and "Traceback" not in said and "is unchanged" in said
    assert digest() == before


def test_a_good_translation_is_written_and_reads_back(exported, tmp_path):
    """Imported into a copy of the shipped catalogues (the shipped ones stay as they are for the tests running
    beside this one): the Russian file takes the new text, gettext reads it, the other languages are unchanged."""
    target = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, target)
    before = digest()
    import_po(with_russian(exported, tmp_path, "nav.city", "Город (проверка)"), target)
    assert 'msgstr "Город (проверка)"' in po_path("ru", target).read_text(encoding="utf-8")
    assert entries(read_catalog("ru", target))["nav.city"] == "Город (проверка)"
    assert po_path("kk", target).read_bytes() == po_path("kk").read_bytes()
    assert digest() == before and translate("nav.city", "ru") == "Город"


def test_an_atomic_write_that_fails_its_check_leaves_the_old_file(tmp_path):
    target = tmp_path / "atlas.po"
    target.write_text("old", encoding="utf-8")

    def refuse(_written: str) -> None:
        raise ValueError("does not read back")

    with pytest.raises(ValueError):
        write_atomically(target, "new", refuse)
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["atlas.po"]
    write_atomically(target, "new", lambda written: None)
    assert target.read_text(encoding="utf-8") == "new"


def test_a_translated_layer_name_and_tooltip_label_reach_the_map_as_text(two_points):
    from components.maps import MapLayer, build_map
    from geo.display import display_frame
    from geo.layers import LAYERS

    spec = LAYERS["health_facilities"]
    frame = two_points
    layer = MapLayer(spec, display_frame(frame, spec, "EPSG:32643", lang="en"), f"Clinics {ATTACK}",
                     (("name", f"Name {ATTACK}"),))
    page = build_map([layer], tuple(frame.total_bounds), legend_title="Legend", group_labels={
        spec.group: f"Group {ATTACK}"}, lang="en").get_root().render()
    assert "<img" not in page and "onerror=\\\"" not in page
    assert "&lt;img src=x onerror=" in page


def test_the_shipped_catalogue_passes_the_checks_an_import_must_pass():
    """A hand edit of data/locale/ is held to the same rules as a translator's .po file handed back."""
    from geo.i18n import catalogue
    from geo.translations import imported_problems

    assert imported_problems(catalogue()) == []


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium")
def test_a_hostile_translation_shows_as_text_in_the_browser(two_points, tmp_path):
    """The map opened in Chromium, offline: the markup in the layer switch, tooltip and popup is shown, not run."""
    from playwright.sync_api import sync_playwright

    from components.exports import standalone_map_html
    from components.maps import MapLayer, build_map
    from geo.display import display_frame
    from geo.layers import LAYERS

    spec = LAYERS["health_facilities"]
    layer = MapLayer(spec, display_frame(two_points, spec, "EPSG:32643", lang="ru"), f"Клиники {ATTACK}",
                     (("name", f"Название {ATTACK}"),))
    m = build_map([layer], tuple(two_points.total_bounds), legend_title="Слои", lang="ru",
                  group_labels={spec.group: f"Группа {ATTACK}"})
    page_file = tmp_path / "map.html"
    page_file.write_text(standalone_map_html(m, [layer], "Карта", "Атлас", "ru"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        page.goto(page_file.as_uri())
        page.locator("path.leaflet-interactive, .leaflet-interactive").first.wait_for()
        page.locator(".leaflet-control-layers").hover()
        page.locator(".leaflet-interactive").first.click(force=True)  # opens the popup with the label
        page.wait_for_timeout(500)
        assert page.evaluate("document.title") == "Карта"  # onerror never ran
        assert page.locator(".leaflet-container img[src='x']").count() == 0
        assert "Группа <img" in page.locator(".leaflet-control-layers").text_content()  # folded or open
        assert f"Название {ATTACK}" in page.locator(".leaflet-popup-content").inner_text()
        browser.close()
