"""The one translation and formatting layer: UI strings by key from data/i18n.toml, and numbers, percentages,
dates, months and plural forms as each language writes them (Babel/CLDR). Nothing else formats a figure."""
from __future__ import annotations

import copy
import datetime as dt
import math
import string
import tomllib
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import format_skeleton, get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol, get_plus_sign_symbol

from geo.paths import DATA_DIR

# Offered languages, each named in itself; the order is the sidebar's.
LANGUAGES = {"kk": "Қазақша", "ky": "Кыргызча", "ru": "Русский", "en": "English"}
DEFAULT_LANGUAGE = "en"
CATALOGUE_PATH = DATA_DIR / "i18n.toml"
FUZZY_TABLE = "fuzzy"  # {language: [keys whose translation awaits review]}: the .po files' "fuzzy" flag
IDENTICAL_TABLE = "identical"  # {language: [keys reviewed as rightly written like Russian or English]}
MARK_TABLES = (FUZZY_TABLE, IDENTICAL_TABLE)
PLURAL_TAGS = ("zero", "one", "two", "few", "many", "other")  # CLDR's order of plural categories

Entry = str | dict[str, str]  # a plain string, or {CLDR plural tag: text} for a count


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Entry]]:
    """{language: {key: text or plural forms}} as read from data/i18n.toml (the tables of marks left out)."""
    tables = tomllib.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return {lang: strings for lang, strings in tables.items() if lang not in MARK_TABLES}


@lru_cache(maxsize=1)
def catalogue_marks() -> dict[str, dict[str, list[str]]]:
    """{"fuzzy": {language: keys awaiting review}, "identical": {language: keys rightly written like Russian
    or English}}: listed by `python -m geo i18n status`, carried as flags in the .po files."""
    tables = tomllib.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return {table: tables.get(table, {}) for table in MARK_TABLES}


def _entry(key: str, lang: str) -> Entry:
    strings = catalogue()
    return strings.get(lang, {}).get(key) or strings[DEFAULT_LANGUAGE][key]


def translate(key: str, lang: str, **params: object) -> str:
    """The text of `key` in `lang` (English if that language lacks it), with {params} filled in.

    An unknown key raises KeyError, so a missing string fails the tests instead of reaching a user. Numbers
    among the params are written as the language writes them (format_number).
    """
    text = _entry(key, lang)
    if isinstance(text, dict):
        raise TypeError(f"{key} is a count: use plural({key!r}, n, lang)")
    return _fill(text, lang, params)


def plural(key: str, count: int, lang: str, **params: object) -> str:
    """The form of `key` that `lang` uses for `count` things ("1 объект", "2 объекта", "5 объектов"),
    with {count} written in the language's digits grouping and the other {params} filled in."""
    forms = _entry(key, lang)
    if not isinstance(forms, dict):
        raise TypeError(f"{key} is not a count")
    tag = Locale.parse(lang).plural_form(int(count))
    return _fill(forms.get(tag) or forms["other"], lang, {"count": int(count), **params})


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


@lru_cache(maxsize=1)
def _english_texts() -> dict[str, str]:
    """{English text: key} of the registries' own prose (sources, licences, dates, credits, definitions)."""
    prefixes = ("text.",)
    return {text: key for key, text in catalogue()[DEFAULT_LANGUAGE].items()
            if key.startswith(prefixes) and isinstance(text, str)}


def translate_text(english: str, lang: str) -> str:
    """A registry's English prose (a source, licence, date or credit) in `lang`, when the catalogue holds it
    under a "text." key; otherwise as given (names of files and suppliers' own declarations stay as written)."""
    key = _english_texts().get(english)
    return translate(key, lang) if key else english


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


def plural_tags(lang: str) -> tuple[str, ...]:
    """The CLDR plural categories a language uses for whole counts, in CLDR's order (ru: one, few, many)."""
    locale = Locale.parse(lang)
    used = {locale.plural_form(n) for n in range(0, 1000)}
    return tuple(tag for tag in PLURAL_TAGS if tag in used)


def placeholders(text: Entry) -> set[str]:
    """The {names} a text (or every form of a count) fills in."""
    forms = text.values() if isinstance(text, dict) else [text]
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
