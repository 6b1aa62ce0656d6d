"""Session state shared by every page: the selected city and language, and `t()` for UI strings."""
from __future__ import annotations

import runpy

import streamlit as st

from geo.cities import City, all_cities, get_city
from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, negotiate_language, translate
from geo.paths import REPO_DIR

CITY_KEY = "city_id"
FRAME_KEY = "_atlas_frame_ran"
LANG_KEY = "lang"
DEFAULT_CITY = "bishkek"


def require_frame() -> None:
    """Run app.py around a page that Streamlit started without it, in the same script run.

    While a `pages/` folder exists, Streamlit runs a requested page file directly, without the entrypoint, until
    st.navigation has run once in the process: on the first deep link after the server starts, and on every
    AppTest run. Such a bare run executes app.py here, whose st.navigation resolves the same URL and runs this
    page inside the frame; the bare run then stops. app.py marks the runs it frames.
    """
    if st.session_state.pop(FRAME_KEY, False):
        return
    runpy.run_path(str(REPO_DIR / "app.py"))
    st.stop()


def mark_frame_ran() -> None:
    """Mark this run as framed by app.py: the page it runs draws itself instead of running the frame."""
    st.session_state[FRAME_KEY] = True


def init_state(params: dict[str, str]) -> None:
    """Seed city and language once per session, from URL parameters (?city=…&lang=…) that name valid ones."""
    if CITY_KEY not in st.session_state:
        wanted = params.get("city", DEFAULT_CITY)
        st.session_state[CITY_KEY] = next((c.id for c in all_cities() if wanted == c.id or wanted in c.aliases),
                                          DEFAULT_CITY)
    if LANG_KEY not in st.session_state:
        wanted = params.get("lang")
        st.session_state[LANG_KEY] = wanted if wanted in LANGUAGES else browser_language()


def browser_language() -> str:
    """The offered language the browser prefers (its locale, then its Accept-Language header), else English."""
    preferred = [st.context.locale] if st.context.locale else []
    header = st.context.headers.get("Accept-Language") if st.context.headers else None
    return negotiate_language(preferred + [part.split(";")[0].strip() for part in (header or "").split(",") if part])


def lang() -> str:
    return st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)


def current_city() -> City:
    return get_city(st.session_state.get(CITY_KEY, DEFAULT_CITY))


def t(key: str, **params: object) -> str:
    """A UI string in the session's language."""
    return translate(key, lang(), **params)


def sidebar() -> None:
    """Language switch and city selector; they live in the entrypoint so they persist across pages."""
    with st.sidebar:
        st.selectbox(t("sidebar.language"), list(LANGUAGES), key=LANG_KEY, format_func=LANGUAGES.get)
        labels = {c.id: f"{c.name(lang())} ({c.country})" for c in all_cities()}
        st.selectbox(t("sidebar.city"), list(labels), key=CITY_KEY, format_func=labels.get, on_change=_forget_view)
        st.caption(t("sidebar.about"))
        st.caption(t("sidebar.language_auto"))
    for param, key in (("city", CITY_KEY), ("lang", LANG_KEY)):
        if st.query_params.get(param) != st.session_state[key]:  # unchanged: leave the URL (and its map view) be
            st.query_params[param] = st.session_state[key]


def _forget_view() -> None:
    """Another city: the shared map view and hidden layers of the previous one no longer apply."""
    for param in ("view", "hidden"):
        st.query_params.pop(param, None)
