"""The one translation layer: every UI string is looked up here by key, from data/i18n.toml."""
from __future__ import annotations

import tomllib
from functools import lru_cache

from geo.paths import DATA_DIR

LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """{language: {key: text}} as read from data/i18n.toml."""
    return tomllib.loads((DATA_DIR / "i18n.toml").read_text(encoding="utf-8"))


def translate(key: str, lang: str, **params: object) -> str:
    """The text of `key` in `lang` (English if that language lacks it), with {params} filled in.

    An unknown key raises KeyError, so a missing string fails the tests instead of reaching a user.
    """
    strings = catalogue()
    text = strings.get(lang, {}).get(key) or strings[DEFAULT_LANGUAGE][key]
    return text.format(**params) if params else text


def translate_value(prefix: str, value: object, lang: str) -> str:
    """A data value's label ("facility.clinic" for "clinic") when the catalogue has one, else the value itself:
    values a city imports (its own facility types) are shown as they are."""
    if value is None or value != value:  # None or NaN
        return ""
    key = f"{prefix}.{value}"
    return translate(key, lang) if key in catalogue()[DEFAULT_LANGUAGE] else str(value)
