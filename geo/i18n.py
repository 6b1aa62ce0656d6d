"""The one translation and formatting layer: UI strings from gettext catalogues (data/locale/, read with Babel
and looked up by the standard library's gettext: the plural form of a count by the catalogue's own Plural-Forms,
which Babel writes from CLDR), and numbers, percentages, dates and months as each language writes them (Babel/
CLDR). Nothing else formats a figure.

Each UI string has a stable key (its msgctxt) and its English text as msgid; registry prose (a source, a
licence, a credit) has no key: its English text is the key, as gettext looks it up. Translators edit the .po
files with any PO tool (Poedit, Weblate); `python -m geo i18n status` lists what is missing or untranslated."""
from __future__ import annotations

import copy
import datetime as dt
import gettext
import io
import math
import string
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import format_skeleton, get_month_names
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_decimal_symbol, get_group_symbol, get_plus_sign_symbol

from geo.paths import DATA_DIR

# Offered languages, each named in itself; the order is the sidebar's.
LANGUAGES = {"kk": "Қазақша", "ky": "Кыргызча", "ru": "Русский", "en": "English"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = DATA_DIR / "locale"
DOMAIN = "atlas"
FUZZY_FLAG = "fuzzy"  # a translation awaiting review (shown meanwhile)
IDENTICAL_FLAG = "reviewed-identical"  # a text reviewed as rightly written like Russian or English

Entry = str | tuple[str, ...]  # a text, or a count: one text per gettext plural form of the language


def po_path(lang: str | None, folder=LOCALE_DIR):
    """The catalogue of `lang` in `folder` (<folder>/<lang>/LC_MESSAGES/atlas.po), or the English template
    (<folder>/atlas.pot) for None or English."""
    if lang in (None, DEFAULT_LANGUAGE):
        return folder / f"{DOMAIN}.pot"
    return folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str | None, folder=LOCALE_DIR) -> Catalog:
    """The Babel catalogue of `lang` (the English template for None or English)."""
    with po_path(lang, folder).open("rb") as source:
        return read_po(source, locale=None if lang in (None, DEFAULT_LANGUAGE) else lang)


@lru_cache(maxsize=len(LANGUAGES))
def _catalog(lang: str) -> Catalog:
    return read_catalog(lang)


@lru_cache(maxsize=len(LANGUAGES))
def _compiled(lang: str) -> gettext.NullTranslations:
    """`lang`'s catalogue compiled to a .mo in memory and opened with gettext (fuzzy texts included: they are
    shown while awaiting review); English is the msgids themselves."""
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(lang), use_fuzzy=True)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def entries(catalog: Catalog, source: bool = False) -> dict[str, Entry]:
    """{key: text or plural forms} of a catalogue's messages, keyed by msgctxt (registry prose, which has none,
    by its English text): the msgids when `source` (the English template), else the translations (an empty
    one left out)."""
    found: dict[str, Entry] = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.context or message.id
        text = message.id if source else message.string
        text = tuple(text) if isinstance(text, tuple | list) else text
        if any(text) if isinstance(text, tuple) else text:
            found[key] = text
    return found


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Entry]]:
    """{language: {key: text or plural forms}} of every string (English: the template's msgids)."""
    return {lang: entries(_catalog(lang), source=lang == DEFAULT_LANGUAGE) for lang in LANGUAGES}


def marked(catalog: Catalog, flag: str) -> list[str]:
    """The keys (or the English prose) of a catalogue's messages carrying `flag`."""
    return [m.context or m.id for m in catalog if m.id and flag in m.flags]


@lru_cache(maxsize=1)
def catalogue_marks() -> dict[str, dict[str, list[str]]]:
    """{flag: {language: keys}} of the fuzzy and reviewed-identical marks, as the .po files carry them."""
    return {flag: {lang: marked(_catalog(lang), flag) for lang in LANGUAGES if lang != DEFAULT_LANGUAGE}
            for flag in (FUZZY_FLAG, IDENTICAL_FLAG)}


def forget_catalogues() -> None:
    """Read the catalogues again on next use (after `python -m geo i18n import-po` replaced them)."""
    for cached in (_catalog, _compiled, catalogue, catalogue_marks):
        cached.cache_clear()


def plural_count(lang: str) -> int:
    """How many plural forms `lang` has (ru: 3, kk/ky/en: 2): the catalogue's Plural-Forms (Babel, from CLDR)."""
    return Catalog(locale=lang).num_plurals


def _source(key: str) -> Entry:
    return catalogue()[DEFAULT_LANGUAGE][key]  # KeyError for an unknown key


def translate(key: str, lang: str, **params: object) -> str:
    """The text of `key` in `lang` (English if that language lacks it), with {params} filled in.

    An unknown key raises KeyError, so a missing string fails the tests instead of reaching a user. Numbers
    among the params are written as the language writes them (format_number).
    """
    english = _source(key)
    if isinstance(english, tuple):
        raise TypeError(f"{key} is a count: use plural({key!r}, n, lang)")
    return _fill(_compiled(lang).pgettext(key, english), lang, params)


def plural(key: str, count: int, lang: str, **params: object) -> str:
    """The form of `key` that `lang` uses for `count` things ("1 объект", "2 объекта", "5 объектов"),
    with {count} written in the language's digits grouping and the other {params} filled in."""
    english = _source(key)
    if not isinstance(english, tuple):
        raise TypeError(f"{key} is not a count")
    text = _compiled(lang).npgettext(key, english[0], english[1], int(count))
    return _fill(text, lang, {"count": int(count), **params})


UNGROUPED_PARAMS = ("year", "version", "new", "reference")  # numbers that are names, not quantities: "2024"


def _fill(text: str, lang: str, params: dict[str, object]) -> str:
    if not params:
        return text
    shown = {name: _param_number(value, lang) if isinstance(value, int | float) and not isinstance(value, bool)
             and not name.endswith(UNGROUPED_PARAMS) else value for name, value in params.items()}
    return text.format(**shown)


def _param_number(value: float, lang: str) -> str:
    """A number given to a text, in the language's separators, with the decimals it was given (at most 4)."""
    decimals = 0 if float(value).is_integer() else min(len(repr(float(value)).split(".")[1]), 4)
    return format_number(value, lang, decimals)


def translate_value(prefix: str, value: object, lang: str) -> str:
    """A data value's label ("facility.clinic" for "clinic") when the catalogue has one, else the value itself:
    values a city imports (its own facility types) are shown as they are."""
    if value is None or value != value:  # None or NaN
        return ""
    key = f"{prefix}.{value}"
    return translate(key, lang) if key in catalogue()[DEFAULT_LANGUAGE] else str(value)


def translate_note(key: str, params: dict[str, object], lang: str) -> str:
    """An indicator value's note in `lang`, its data-valued parameters (a region's name, a source) included."""
    shown = dict(params)
    if "region" in shown:
        shown["region"] = translate_value("region", shown["region"], lang)
    if "source" in shown:
        shown["source"] = translate_text(str(shown["source"]), lang)
    return translate(key, lang, **shown)


def translate_text(english: str, lang: str) -> str:
    """A registry's English prose (a source, licence, date or credit) in `lang` when the catalogue holds it;
    otherwise as given (names of files and suppliers' own declarations stay as written)."""
    return _compiled(lang).gettext(english)


# --- numbers, percentages, dates: CLDR through Babel --------------------------------------------------------


@lru_cache(maxsize=64)
def _pattern(lang: str, kind: str, digits: int):
    locale = Locale.parse(lang)
    pattern = copy.copy((locale.percent_formats if kind == "percent" else locale.decimal_formats)[None])
    pattern.frac_prec = (digits, digits)
    return pattern


def _is_unknown(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value != value


def format_number(value: float | int | None, lang: str, digits: int | None = None, sign: bool = False) -> str:
    """`value` with the language's grouping and decimal separators ("2 161 695", "34,8" in ru/kk/ky;
    "2,161,695", "34.8" in en); `digits` decimals (default: none for a whole number, else one); unknown ->
    the translated "no data", never 0; `sign` puts a + before a positive value (differences)."""
    if _is_unknown(value):
        return translate("common.no_data", lang)
    value = float(value)
    if digits is None:
        digits = 0 if value.is_integer() else 1
    text = _pattern(lang, "decimal", digits).apply(value, Locale.parse(lang))
    return (get_plus_sign_symbol(lang) + text) if sign and round(value, digits) > 0 else text


def format_percent(share: float | None, lang: str, digits: int = 0) -> str:
    """A share (0.348) as the language writes a percentage: "35 %" in ru/kk, "35%" in en."""
    if _is_unknown(share):
        return translate("common.no_data", lang)
    return _pattern(lang, "percent", digits).apply(float(share), Locale.parse(lang))


def format_date(day: dt.date, lang: str, width: str = "medium") -> str:
    """A date as the language writes it ("3 сент. 2025 г.", "Sep 3, 2025")."""
    return _babel_format_date(day, width, locale=lang)


def format_timestamp(iso: str, lang: str) -> str:
    """A stored UTC time ("2026-12-05T20:16:37+00:00") as the language writes it, said to be UTC."""
    moment = dt.datetime.fromisoformat(iso)
    moment = moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment
    return f"{_babel_format_datetime(moment, 'medium', tzinfo=dt.timezone.utc, locale=lang)} UTC"


def format_month(year_month: str, lang: str) -> str:
    """A month of a year ("2012-03") as the language writes it: "March 2012", "март 2012 г."."""
    year, month = (int(part) for part in year_month.split("-")[:2])
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=lang)


def month_names(lang: str, width: str = "abbreviated") -> list[str]:
    """The twelve month names (stand-alone form, as on an axis), January first, capitalised."""
    names = get_month_names(width, "stand-alone", locale=lang)
    return [names[m][:1].upper() + names[m][1:] for m in range(1, 13)]


def plotly_separators(lang: str) -> str:
    """Plotly's `layout.separators`: the decimal then the thousands separator of the language."""
    return get_decimal_symbol(lang) + get_group_symbol(lang)


def placeholders(text: Entry) -> set[str]:
    """The {names} a text (or every form of a count) fills in."""
    forms = text if isinstance(text, tuple) else [text]
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def negotiate_language(preferred: list[str] | str | None) -> str:
    """The offered language a browser asks for first (an Accept-Language header, a locale such as
    "ru-RU", or a list of them), else English."""
    if not preferred:
        return DEFAULT_LANGUAGE
    if isinstance(preferred, str):
        preferred = [part.split(";")[0].strip() for part in preferred.split(",")]
    for tag in preferred:
        base = tag.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE
