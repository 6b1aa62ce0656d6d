"""The translation catalogue as translators' tools read it: data/i18n.toml to gettext .po files (Poedit,
Weblate) and back without loss, and the status of every language (missing, untranslated, fuzzy, mismatched).

The .po files are keyed by message context (msgctxt = the catalogue key), carry the English text as msgid
and the plural forms gettext uses for the language (Babel's table); `import_po` writes data/i18n.toml back.
"""
from __future__ import annotations

import gettext
import json
import os
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from geo.i18n import (
    DEFAULT_LANGUAGE,
    FUZZY_TABLE,
    IDENTICAL_TABLE,
    LANGUAGES,
    Entry,
    placeholders,
    plural_tags,
)

DOMAIN = "atlas"
HEADER = ("# UI strings of the Healthy Cities Atlas, one table per language; keys are identical in every table\n"
          "# (tests/test_i18n.py checks). Placeholders in {braces} are filled by geo.i18n.translate; a table value\n"
          "# such as { one = ..., other = ... } is a count, one text per CLDR plural form (geo.i18n.plural).\n"
          "# Translators may work on .po files instead: `python -m geo i18n export-po DIR`, then `import-po DIR`.\n")
IDENTICAL_FLAG = "reviewed-identical"  # the .po flag of a text rightly written like Russian or English


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


Marks = dict[str, list[str]]  # {language: keys}


def render_catalogue(tables: dict[str, dict[str, Entry]], marks: dict[str, Marks]) -> str:
    """data/i18n.toml's text for `tables` (English's key order in every language) and the marks per key
    ({"fuzzy": {...}, "identical": {...}})."""
    order = list(tables[DEFAULT_LANGUAGE])
    lines = [HEADER]
    for lang in tables:
        lines.append(f"[{lang}]")
        strings = tables[lang]
        for key in order + [k for k in strings if k not in tables[DEFAULT_LANGUAGE]]:
            if key not in strings:
                continue
            value = strings[key]
            if isinstance(value, dict):
                forms = ", ".join(f"{tag} = {_toml_string(value[tag])}" for tag in value)
                lines.append(f"{_toml_string(key)} = {{ {forms} }}")
            else:
                lines.append(f"{_toml_string(key)} = {_toml_string(value)}")
        lines.append("")
    for table in (FUZZY_TABLE, IDENTICAL_TABLE):
        marked = {lang: [k for k in order if k in keys] for lang, keys in marks.get(table, {}).items() if keys}
        if marked:
            lines.append(f"[{table}]")
            lines += [f"{lang} = [{', '.join(_toml_string(k) for k in keys)}]" for lang, keys in marked.items()]
            lines.append("")
    return "\n".join(lines)


@lru_cache(maxsize=8)
def gettext_plural_tags(lang: str) -> tuple[str, ...]:
    """The CLDR tag behind each gettext plural index of `lang` (ru: one, few, many), found by evaluating
    gettext's Plural-Forms expression and CLDR's rule on the same whole numbers."""
    catalog = Catalog(locale=lang)
    index_of = gettext.c2py(catalog.plural_expr)
    locale = Locale.parse(lang)
    tags: dict[int, str] = {}
    for n in range(0, 1000):
        tags.setdefault(index_of(n), locale.plural_form(n))
    return tuple(tags[i] for i in range(catalog.num_plurals))


def export_po(tables: dict[str, dict[str, Entry]], marks: dict[str, Marks], folder: Path) -> list[Path]:
    """<folder>/atlas.pot and <folder>/<lang>/LC_MESSAGES/atlas.po for every language; returns the paths."""
    english = tables[DEFAULT_LANGUAGE]
    written = []
    for lang in [None, *tables]:
        catalog = Catalog(locale=lang, domain=DOMAIN, project="Healthy Cities Atlas", fuzzy=False)
        for key, source in english.items():
            if isinstance(source, dict):
                msgid = (source["one"], source["other"])
                value = tables.get(lang, {}).get(key) if lang else None
                string = tuple(value.get(tag, "") for tag in gettext_plural_tags(lang)) if value else ("",) * (
                    catalog.num_plurals if lang else 2)
            else:
                msgid = source
                string = (tables.get(lang, {}).get(key) or "") if lang else ""
            flags = tuple(flag for flag, table in (("fuzzy", FUZZY_TABLE), (IDENTICAL_FLAG, IDENTICAL_TABLE))
                          if lang and key in marks.get(table, {}).get(lang, []))
            catalog.add(msgid, string, context=key, flags=flags)
        path = folder / f"{DOMAIN}.pot" if lang is None else folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=0, omit_header=False, sort_output=False)
        written.append(path)
    return written


def import_po(folder: Path, languages: list[str]) -> tuple[dict[str, dict[str, Entry]], dict[str, Marks]]:
    """The catalogue's tables and marks read back from the .po files written by `export_po`."""
    tables: dict[str, dict[str, Entry]] = {}
    marks: dict[str, Marks] = {FUZZY_TABLE: {}, IDENTICAL_TABLE: {}}
    for lang in languages:
        with (folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
            catalog = read_po(source, locale=lang)
        strings: dict[str, Entry] = {}
        for message in catalog:
            if not message.context:
                continue
            if isinstance(message.id, tuple | list):
                forms = dict(zip(gettext_plural_tags(lang), message.string))
                if any(forms.values()):
                    strings[message.context] = forms
            elif message.string:
                strings[message.context] = message.string
            for flag, table in (("fuzzy", FUZZY_TABLE), (IDENTICAL_FLAG, IDENTICAL_TABLE)):
                if flag in message.flags:
                    marks[table].setdefault(lang, []).append(message.context)
        tables[lang] = strings
    return tables, marks


MAX_TEXT_CHARS = 4000  # the longest English text is under 1,000 characters; a translation is at most this long
# What no output can hold, or what a reader cannot see: C0 controls but tab and newline, DEL, C1 controls,
# surrogates, non-characters; and the bidirectional overrides that reorder what is shown.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                           "\u202a-\u202e\u2066-\u2069]")
_MARKUP = re.compile(r"<[^>]*>|!?\[[^\]]*\]\([^)]*\)|&#?\w+;|javascript:", re.IGNORECASE)


def _forms(text: Entry) -> list[str]:
    return list(text.values()) if isinstance(text, dict) else [text]


def _placeholder_problem(form: str, allowed: set[str]) -> str:
    """Why a text's {placeholders} cannot be filled safely: a format specification or conversion ({city:>999},
    {city!r}), attribute or index access ({city.__class__}), a name the English does not have; '' when fine."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(form)
                  if name is not None]
    except ValueError as exc:
        return f"unbalanced braces ({exc})"
    for name, spec, conversion in fields:
        if spec or conversion:
            return f"placeholder {{{name}}} has a format specification or conversion; write {{{name}}} only"
        if not name.isidentifier():
            return f"placeholder {{{name}}} is not a plain name"
        if name not in allowed:
            return f"placeholder {{{name}}} is not in the English text ({', '.join(sorted(allowed)) or 'none'})"
    return ""


def imported_problems(tables: dict[str, dict[str, Entry]]) -> list[str]:
    """Every reason the imported catalogue cannot be used, as 'language key: reason': unknown keys, placeholders
    other than the English's plain names, counts without every plural form of the language, characters that
    TOML, XML or HTML cannot hold (or that reorder text), texts over MAX_TEXT_CHARS, and markup (HTML tags,
    entities, Markdown links or images) that the English text does not have. Nothing is written while any
    remains: a translation is data, never code."""
    english = tables[DEFAULT_LANGUAGE]
    problems = []
    for lang, strings in tables.items():
        for key, text in strings.items():
            where = f"{lang} {key}"
            if key not in english:
                problems.append(f"{where}: not a key of the catalogue")
                continue
            source = english[key]
            if isinstance(source, dict) != isinstance(text, dict):
                problems.append(f"{where}: {'a count needs' if isinstance(source, dict) else 'not a count: give'} "
                                "one text per plural form")
                continue
            if isinstance(text, dict):
                missing = [tag for tag in plural_tags(lang) if not text.get(tag)]
                if missing:
                    problems.append(f"{where}: the plural forms {', '.join(missing)} are empty")
            allowed = placeholders(source)
            source_markup = sorted(m for form in _forms(source) for m in _MARKUP.findall(form))
            for form in _forms(text):
                if _UNSAFE_CHARS.search(form):
                    code = ord(_UNSAFE_CHARS.search(form).group())
                    problems.append(f"{where}: holds the control or direction character U+{code:04X}")
                if len(form) > MAX_TEXT_CHARS:
                    problems.append(f"{where}: {len(form)} characters, more than {MAX_TEXT_CHARS}")
                if reason := _placeholder_problem(form, allowed):
                    problems.append(f"{where}: {reason}")
                extra = [m for m in _MARKUP.findall(form) if m not in source_markup]
                if extra:
                    problems.append(f"{where}: markup the English text does not have: {extra[0][:60]!r}")
    return problems


def write_atomically(path: Path, text: str, check) -> None:
    """Replace `path` by `text` so that a reader, a full disk or an interrupt never meets a half-written file:
    a temporary file beside it, written, flushed and synced, read back and passed to `check` (which raises on
    anything wrong), then renamed over the old file; the folder synced."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        check(temporary.read_text(encoding="utf-8"))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@dataclass
class LanguageStatus:
    missing: list[str] = field(default_factory=list)  # no text at all
    untranslated: list[str] = field(default_factory=list)  # identical to English or Russian, not a name/unit
    fuzzy: list[str] = field(default_factory=list)  # marked for review
    mismatched: list[str] = field(default_factory=list)  # other placeholders, or other plural forms, than English

    @property
    def blocking(self) -> bool:
        """A gap the tests refuse: a key missing, or a text that would fail to fill in."""
        return bool(self.missing or self.mismatched)


def left_untranslated(key: str, text: Entry, others: list[Entry], reviewed: set[str]) -> bool:
    """True when `text` repeats another language's text and is neither reviewed as written alike (a loanword
    such as "Карта", "Лицензия") nor made only of names, units and numbers: placeholders, Latin capitals and
    symbols ("PM2.5", "IT-1", "OSM"), known proper names, and words of at most three letters ("м", "км")."""
    if key in reviewed or text not in others:
        return False
    forms = text.values() if isinstance(text, dict) else [text]
    words = [w.strip("()[].,;:«»\"'") for form in forms
             for w in _PLACEHOLDER.sub(" ", form).split()]
    return not all(w.isupper() or not w.isalpha() or len(w) <= 3 or w in _PROPER_NAMES for w in words if w)


_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_PROPER_NAMES = {"OpenStreetMap", "GeoNames", "AirData.kz", "AirNow", "KazHydroMet", "OpenAQ", "Overpass", "OSMnx",
                 "pyrosm", "geoBoundaries", "PRISM", "ODbL", "Healthy", "Cities", "Atlas"}


def status(tables: dict[str, dict[str, Entry]], fuzzy: dict[str, list[str]],
           identical: dict[str, list[str]]) -> dict[str, LanguageStatus]:
    """Per offered language: what is missing, left untranslated, fuzzy or mismatched, against English;
    `identical` lists, per language, the keys reviewed as rightly written like Russian or English."""
    english = tables[DEFAULT_LANGUAGE]
    report = {}
    for lang in LANGUAGES:
        strings, found = tables.get(lang, {}), LanguageStatus(fuzzy=sorted(fuzzy.get(lang, [])))
        reference = [tables.get(other, {}) for other in (DEFAULT_LANGUAGE, "ru") if other != lang]
        for key, source in english.items():
            text = strings.get(key)
            if not text or (isinstance(text, dict) and not all(text.values())):
                found.missing.append(key)
                continue
            if isinstance(source, dict) != isinstance(text, dict) or placeholders(text) != placeholders(source) or (
                    isinstance(text, dict) and set(text) != set(plural_tags(lang))):
                found.mismatched.append(key)
            elif lang != DEFAULT_LANGUAGE and left_untranslated(key, text, [r.get(key) for r in reference],
                                                                 set(identical.get(lang, []))):
                found.untranslated.append(key)
        found.mismatched += [key for key in strings if key not in english]
        report[lang] = found
    return report
