"""The translation layer: English and Russian complete, every key the registries and pages need exists."""
import re
from pathlib import Path

import pytest
import string

from geo.cities import BOUNDARY_QUALITIES
from geo.i18n import LANGUAGES, catalogue, translate
from geo.indicators import INDICATORS
from geo.layers import LAYERS

ROOT = Path(__file__).resolve().parent.parent


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_and_russian_have_the_same_keys_and_placeholders():
    en, ru = catalogue()["en"], catalogue()["ru"]
    assert set(en) == set(ru)
    for key in en:
        assert placeholders(en[key]) == placeholders(ru[key]), key
        assert ru[key].strip(), key


def test_every_offered_language_is_complete():
    for lang in LANGUAGES:
        assert set(catalogue()[lang]) == set(catalogue()["en"])


def test_registry_ids_have_labels():
    keys = set(catalogue()["en"])
    for spec in LAYERS.values():
        assert f"layer.{spec.id}" in keys
        assert {f"column.{c}" for c in spec.tooltip} <= keys
    for spec in INDICATORS.values():
        assert {spec.name[0], f"unit.{spec.unit}"} <= keys
    assert {f"quality.{q}" for q in BOUNDARY_QUALITIES} <= keys


def test_every_literal_key_used_in_the_code_exists():
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("components/*.py"), *ROOT.glob("geo/*.py")]:
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_0-9.]+)"', path.read_text()))
        used |= set(re.findall(r'"(note\.[a-z_0-9]+|reference\.[a-z_0-9]+)"', path.read_text()))
    missing = used - set(catalogue()["en"])
    assert not missing
    assert len(used) > 30


def test_translate_fills_parameters_and_unknown_keys_fail_loudly():
    assert translate("note.air_days", "ru", days=300) == "Дней с данными за год: 300."
    with pytest.raises(KeyError):
        translate("no.such.key", "en")


def test_every_embedded_facility_type_has_a_name():
    from geo.store import read_layer
    keys = set(catalogue()["ru"])
    assert {f"facility.{f}" for f in read_layer("health_facilities")["facility_type"]} <= keys


def test_every_import_problem_is_said_in_every_language():
    from geo.imports import PROBLEM_TEXT
    strings = catalogue()
    for code, english in PROBLEM_TEXT.items():
        assert strings["en"][f"problem.{code}"] == english, code
        assert f"problem.{code}" in strings["ru"], code


def test_imported_values_without_a_label_are_shown_as_they_are():
    from geo.i18n import translate_value
    assert translate_value("facility", "pharmacy", "ru") == "аптека"
    assert translate_value("facility", "polyclinic", "ru") == "polyclinic"  # a city's own type
    assert translate_value("facility", None, "en") == "" and translate_value("facility", float("nan"), "en") == ""
