"""The translation catalogue as translators hand it back: .po files (from Poedit, Weblate or any PO tool) checked
before they replace data/locale/ (unknown keys, placeholders, plural forms, characters and markup a translation
must not bring), written atomically; and the status of every language (missing, untranslated, fuzzy,
mismatched)."""
from __future__ import annotations

import io
import os
import re
import shutil
import string
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from geo.i18n import (
    DEFAULT_LANGUAGE,
    FUZZY_FLAG,
    IDENTICAL_FLAG,
    LANGUAGES,
    LOCALE_DIR,
    Entry,
    entries,
    forget_catalogues,
    marked,
    placeholders,
    plural_count,
    po_path,
    read_catalog,
)

Marks = dict[str, list[str]]  # {language: keys}


def export_po(folder: Path) -> list[Path]:
    """The shipped catalogues (atlas.pot and <lang>/LC_MESSAGES/atlas.po) copied into `folder` for a translator;
    returns the paths."""
    written = []
    for lang in LANGUAGES:
        target = po_path(lang, folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(po_path(lang), target)
        written.append(target)
    return written


def read_po_folder(folder: Path) -> tuple[dict[str, dict[str, Entry]], dict[str, Marks]]:
    """The keyed texts and marks of the .po files in `folder` (English from the shipped template)."""
    tables = {DEFAULT_LANGUAGE: entries(read_catalog(None), source=True)}
    marks: dict[str, Marks] = {FUZZY_FLAG: {}, IDENTICAL_FLAG: {}}
    for lang in LANGUAGES:
        if lang == DEFAULT_LANGUAGE:
            continue
        catalog = read_catalog(lang, folder)
        tables[lang] = entries(catalog)
        for flag in marks:
            marks[flag][lang] = marked(catalog, flag)
    return tables, marks


def import_po(folder: Path, target: Path = LOCALE_DIR) -> dict[str, dict[str, Entry]]:
    """The translations in `folder` made the catalogues in `target` (the shipped ones by default), each written
    atomically (read back and parsed before it replaces the old file), only when imported_problems finds
    nothing; ValueError listing every problem otherwise, nothing written. Returns the imported texts."""
    tables, _marks = read_po_folder(folder)
    problems = imported_problems(tables)
    if problems:
        raise ValueError("\n".join(problems))
    for lang in LANGUAGES:
        if lang == DEFAULT_LANGUAGE:
            continue
        buffer = io.BytesIO()
        write_po(buffer, read_catalog(lang, folder), width=0, omit_header=False, sort_output=False, no_location=True)
        write_atomically(po_path(lang, target), buffer.getvalue().decode("utf-8"),
                         lambda text, lang=lang: read_po(io.BytesIO(text.encode("utf-8")), locale=lang,
                                                         abort_invalid=True))
    forget_catalogues()
    return tables


MAX_TEXT_CHARS = 4000  # the longest English text is under 1,000 characters; a translation is at most this long
# What no output can hold, or what a reader cannot see: C0 controls but tab and newline, DEL, C1 controls,
# surrogates, non-characters; and the bidirectional overrides that reorder what is shown.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                           "\u202a-\u202e\u2066-\u2069]")
_MARKUP = re.compile(r"<[^>]*>|!?\[[^\]]*\]\([^)]*\)|&#?\w+;|javascript:", re.IGNORECASE)


def _forms(text: Entry) -> list[str]:
    return list(text) if isinstance(text, tuple) else [text]


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
    XML or HTML cannot hold (or that reorder text), texts over MAX_TEXT_CHARS, and markup (HTML tags,
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
            if isinstance(source, tuple) != isinstance(text, tuple):
                problems.append(f"{where}: {'a count needs' if isinstance(source, tuple) else 'not a count: give'} "
                                "one text per plural form")
                continue
            if isinstance(text, tuple) and lang != DEFAULT_LANGUAGE:
                empty = [str(i) for i in range(plural_count(lang)) if i >= len(text) or not text[i]]
                if empty or len(text) > plural_count(lang):
                    problems.append(f"{where}: {plural_count(lang)} plural forms needed; "
                                    f"{'empty: ' + ', '.join(empty) if empty else f'{len(text)} given'}")
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
    forms = text if isinstance(text, tuple) else [text]
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
            if not text or (isinstance(text, tuple) and not all(text)):
                found.missing.append(key)
                continue
            if isinstance(source, tuple) != isinstance(text, tuple) or placeholders(text) != placeholders(source) or (
                    isinstance(text, tuple) and lang != DEFAULT_LANGUAGE and len(text) != plural_count(lang)):
                found.mismatched.append(key)
            elif lang != DEFAULT_LANGUAGE and left_untranslated(key, text, [r.get(key) for r in reference],
                                                                 set(identical.get(lang, []))):
                found.untranslated.append(key)
        found.mismatched += [key for key in strings if key not in english]
        report[lang] = found
    return report
