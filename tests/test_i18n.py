"""The translation layer: four languages complete in gettext catalogues (data/locale/), each written as its
readers write it (CLDR through Babel), read back by Python's own gettext as a translator's tool would."""
import datetime as dt
import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from geo.cities import BOUNDARY_QUALITIES
from geo.i18n import (
    FUZZY_FLAG,
    IDENTICAL_FLAG,
    LANGUAGES,
    catalogue,
    catalogue_marks,
    format_date,
    format_number,
    format_percent,
    month_names,
    negotiate_language,
    plotly_separators,
    plural,
    plural_count,
    translate,
)
from geo.indicators import INDICATORS
from geo.layers import LAYERS
from geo.translations import (
    export_po,
    left_untranslated,
    read_po_folder,
    status,
)

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\xa0"


def fields(text):
    """Placeholders by Python's own parser, every plural form included (an independent path from geo.i18n)."""
    forms = text if isinstance(text, tuple) else [text]
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def test_the_four_languages_are_offered_each_named_in_itself():
    assert LANGUAGES == {"kk": "Қазақша", "ky": "Кыргызча", "ru": "Русский", "en": "English"}


@pytest.mark.parametrize("lang", ["ru", "kk", "ky"])
def test_every_key_is_in_every_language_with_the_same_placeholders_and_plural_forms(lang):
    en, other = catalogue()["en"], catalogue()[lang]
    assert set(other) == set(en)
    for key, source in en.items():
        text = other[key]
        assert isinstance(text, tuple) == isinstance(source, tuple), key
        assert fields(text) == fields(source), key
        if isinstance(text, tuple):
            assert len(text) == plural_count(lang) and all(text), key
        else:
            assert text.strip(), key


def test_plural_forms_are_those_cldr_gives_and_the_catalogues_say():
    """Babel's count (from CLDR) agrees with each shipped catalogue's own Plural-Forms header."""
    assert {lang: plural_count(lang) for lang in LANGUAGES} == {"kk": 2, "ky": 2, "ru": 3, "en": 2}
    for lang in ("ru", "kk", "ky"):
        header = (ROOT / "data" / "locale" / lang / "LC_MESSAGES" / "atlas.po").read_text(encoding="utf-8")
        assert f"nplurals={plural_count(lang)};" in header


def test_russian_counts_take_the_right_plural_form():
    assert [plural("count.features", n, "ru") for n in (1, 2, 5, 21)] == [
        "1 объект", "2 объекта", "5 объектов", "21 объект"]
    assert [plural("count.features", n, "ru") for n in (11, 12, 22, 111)] == [
        "11 объектов", "12 объектов", "22 объекта", "111 объектов"]
    assert plural("count.problems", 1, "en") == "1 problem" and plural("count.problems", 3, "en") == "3 problems"
    assert plural("count.features", 1500, "ru") == f"1{NBSP}500 объектов"  # the count is grouped too


def test_no_string_is_left_as_its_russian_or_english_counterpart():
    marks = catalogue_marks()
    report = status(catalogue(), marks[FUZZY_FLAG], marks[IDENTICAL_FLAG])
    for lang in LANGUAGES:
        assert not report[lang].untranslated, (lang, report[lang].untranslated)
        assert not report[lang].missing and not report[lang].mismatched, lang


def test_the_untranslated_check_catches_a_copied_string_and_spares_names_units_and_numbers():
    assert left_untranslated("city.to_air_page", "Открыть страницу «Качество воздуха»",
                             ["Open the Air quality page", "Открыть страницу «Качество воздуха»"], set())
    assert left_untranslated("count.days", ("{count} day", "{count} days"), [("{count} day", "{count} days")], set())
    for key, text in (("summit.map_title", "{city}"), ("access.metres", "{metres} м"), ("quality.osm", "OpenStreetMap"),
                      ("band.meets_it1", "IT-1"), ("column.pm25", "PM2.5, µg/m³")):
        assert not left_untranslated(key, text, [text], set()), text
    assert not left_untranslated("city.map_title", "Карта", ["Карта"], {"city.map_title"})  # reviewed loanword


def test_status_reports_a_missing_key_and_a_placeholder_mismatch():
    tables = {lang: dict(strings) for lang, strings in catalogue().items()}
    del tables["kk"]["nav.city"]
    tables["ky"]["air.title"] = "Абанын сапаты — {shaar}"
    tables["ru"]["count.days"] = ("{count} день", "{count} дней")  # two forms where Russian has three
    report = status(tables, {}, {})
    assert report["kk"].missing == ["nav.city"] and report["kk"].blocking
    assert report["ky"].mismatched == ["air.title"]
    assert report["ru"].mismatched == ["count.days"]


def test_the_status_command_passes_on_the_shipped_catalogue(capsys):
    from geo.__main__ import main
    assert main(["i18n", "status"]) == 0
    out = capsys.readouterr().out
    total = len(catalogue()["en"])
    for lang, name in LANGUAGES.items():
        assert f"{lang} ({name}): {total}/{total} strings; missing 0" in out


@pytest.mark.parametrize("lang, expected", [("ru", f"2{NBSP}161{NBSP}695"), ("kk", f"2{NBSP}161{NBSP}695"),
                                            ("ky", f"2{NBSP}161{NBSP}695"), ("en", "2,161,695")])
def test_large_numbers_are_grouped_as_each_language_writes_them(lang, expected):
    assert format_number(2161695, lang) == expected


@pytest.mark.parametrize("lang, expected", [("ru", "34,8"), ("kk", "34,8"), ("ky", "34,8"), ("en", "34.8")])
def test_decimals_use_each_languages_separator(lang, expected):
    assert format_number(34.8, lang) == expected


def test_digits_sign_percent_and_unknown_values():
    assert format_number(3068.4, "ru", 0) == f"3{NBSP}068"
    assert format_number(-1234.56, "en", 1) == "-1,234.6"
    assert format_number(5.04, "ru", 1, sign=True) == "+5,0" and format_number(-5, "en", sign=True) == "-5"
    assert format_percent(0.348, "ru") == f"35{NBSP}%" and format_percent(0.348, "en") == "35%"
    assert format_percent(0.3456, "kk", 1) == "34,6%"
    assert format_number(float("nan"), "kk") == "деректер жоқ" and format_number(None, "ky") == "маалымат жок"


def test_dates_months_and_chart_separators():
    day = dt.date(2025, 9, 3)
    assert format_date(day, "en") == "Sep 3, 2025"
    assert format_date(day, "ru").startswith("3 сент. 2025")
    assert month_names("kk")[0] == "Қаң." and month_names("ru")[:2] == ["Янв.", "Февр."]
    assert month_names("en", "wide")[11] == "December"
    assert plotly_separators("ru") == f",{NBSP}" and plotly_separators("en") == ".,"


def test_numbers_in_texts_follow_the_language_but_years_stay_years():
    assert translate("note.air_days", "ru", days=300) == "Дней с данными за год: 300."
    assert translate("note.air_days", "en", days=1234) == "1,234 valid days in the year."
    assert translate("air.card_mean", "ru", year=2024).endswith("2024")
    assert translate("problem.out_of_range", "kk", row=3, lon=74.5912, lat=42.8).startswith(
        "3-жол: бойлық 74,5912 / ендік 42,8")
    with pytest.raises(KeyError):
        translate("no.such.key", "en")


@pytest.mark.parametrize("header, expected", [
    ("kk-KZ,kk;q=0.9,ru;q=0.8", "kk"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("ky", "ky"),
    ("de-DE,de;q=0.9", "en"), ("de-DE,ky-KG;q=0.5", "ky"), ("", "en"), (None, "en")])
def test_the_first_visit_follows_the_browsers_language(header, expected):
    assert negotiate_language(header) == expected


def test_the_catalogues_read_back_from_a_translators_copy_as_shipped(tmp_path):
    written = export_po(tmp_path)
    assert tmp_path / "atlas.pot" in written and tmp_path / "kk" / "LC_MESSAGES" / "atlas.po" in written
    tables, marks = read_po_folder(tmp_path)
    assert tables == catalogue()
    assert marks == catalogue_marks()


def test_gettext_itself_resolves_the_plural_forms_of_the_shipped_catalogues(tmp_path):
    """Compiled with Babel's write_mo into a file and read by Python's gettext from it, as any gettext program
    would: a translator's tool sees the plural forms in gettext's own order; the Atlas says the same."""
    for lang, count, expected in (("ru", 5, "{count} объектов"), ("ru", 22, "{count} объекта"),
                                  ("kk", 2, "{count} нысан"), ("ky", 1, "{count} объект")):
        po = ROOT / "data" / "locale" / lang / "LC_MESSAGES" / "atlas.po"
        with po.open("rb") as source:
            parsed = read_po(source)
        assert parsed.num_plurals == {"ru": 3}.get(lang, 2)
        mo = tmp_path / f"{lang}.mo"
        with mo.open("wb") as out:
            write_mo(out, parsed)
        with mo.open("rb") as source:
            compiled = gettext.GNUTranslations(source)
        assert compiled.npgettext("count.features", "{count} feature", "{count} features", count) == expected
        assert plural("count.features", count, lang) == expected.format(count=count)
        assert compiled.pgettext("nav.city", "City") == catalogue()[lang]["nav.city"] == translate("nav.city", lang)


def test_a_fuzzy_mark_from_a_translator_is_listed_and_its_text_shown_meanwhile(tmp_path):
    export_po(tmp_path)
    po = tmp_path / "ky" / "LC_MESSAGES" / "atlas.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgctxt "nav.city"', '#, fuzzy\nmsgctxt "nav.city"', 1),
                  encoding="utf-8")
    tables, marks = read_po_folder(tmp_path)
    assert marks[FUZZY_FLAG]["ky"] == ["nav.city"] and tables["ky"]["nav.city"] == catalogue()["ky"]["nav.city"]
    assert status(tables, marks[FUZZY_FLAG], marks[IDENTICAL_FLAG])["ky"].fuzzy == ["nav.city"]


def test_registry_ids_have_labels():
    keys = set(catalogue()["en"])
    for spec in LAYERS.values():
        assert f"layer.{spec.id}" in keys
        assert {f"column.{c}" for c in spec.tooltip} <= keys
    for spec in INDICATORS.values():
        assert {spec.name[0], spec.definition[0], f"unit.{spec.unit}"} <= keys
    assert {f"quality.{q}" for q in BOUNDARY_QUALITIES} <= keys


def test_registry_prose_is_translated_everywhere_it_is_drawn():
    """Sources, licences, dates and map credits of every layer and indicator have a text in each language."""
    from geo.guidelines import WATER_GUIDELINES, WHO_AQG_SOURCE, WHO_GDWQ_SOURCE
    from geo.i18n import translate_text
    prose = {WHO_AQG_SOURCE, WHO_GDWQ_SOURCE, *(s.source for s in INDICATORS.values()),
             *(g.note for g in WATER_GUIDELINES.values() if g.note)}
    for spec in LAYERS.values():
        prose |= {spec.source, spec.licence, spec.date, spec.attribution}
    for text in prose:
        assert text in catalogue()["en"], text  # prose is its own key: gettext looks the English text up
        assert translate_text(text, "en") == text
        for lang in ("ru", "kk", "ky"):
            assert translate_text(text, lang) == catalogue()[lang][text], (lang, text)


def test_every_literal_key_used_in_the_code_exists():
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("components/*.py"), *ROOT.glob("geo/*.py")]:
        code = path.read_text()
        used |= set(re.findall(r'\b(?:t|translate|plural)\("([a-z_]+\.[a-z_0-9.]+)"', code))
        used |= set(re.findall(r'"(note\.[a-z_0-9]+|reference\.[a-z_0-9]+)"', code))
    missing = used - set(catalogue()["en"])
    assert not missing
    assert len(used) > 30


def test_every_embedded_facility_type_has_a_name():
    from geo.embedded import read_layer
    keys = set(catalogue()["ky"])
    assert {f"facility.{f}" for f in read_layer("health_facilities")["facility_type"]} <= keys


def test_every_import_problem_is_said_in_every_language():
    from geo.problems import PROBLEM_TEXT
    strings = catalogue()
    for code, english in PROBLEM_TEXT.items():
        source = strings["en"][f"problem.{code}"]
        assert (source[-1] if isinstance(source, tuple) else source) == english, code
        assert all(f"problem.{code}" in strings[lang] for lang in LANGUAGES), code


def test_imported_values_without_a_label_are_shown_as_they_are():
    from geo.i18n import translate_value
    assert translate_value("facility", "pharmacy", "ru") == "аптека"
    assert translate_value("facility", "pharmacy", "kk") == "дәріхана"
    assert translate_value("facility", "polyclinic", "ru") == "polyclinic"  # a city's own type
    assert translate_value("facility", None, "en") == "" and translate_value("facility", float("nan"), "en") == ""
