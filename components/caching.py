"""The components' one cache decorator: Streamlit's cache_resource inside the app (shared by its sessions,
bounded, read-only results), functools' LRU cache where no Streamlit runs (the CLI's dossier and deck), so the
drawing code needs no Streamlit to run. Which one is chosen when the module using it is imported."""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable

_OUTSIDE_STREAMLIT: list = []


def cached(max_entries: int) -> Callable:
    """Cache a function of hashable arguments, at most `max_entries` results."""
    streamlit = sys.modules.get("streamlit")
    if streamlit is not None:
        return streamlit.cache_resource(max_entries=max_entries)

    def decorate(function: Callable) -> Callable:
        wrapped = functools.lru_cache(maxsize=max_entries)(function)
        wrapped.clear = wrapped.cache_clear
        _OUTSIDE_STREAMLIT.append(wrapped)
        return wrapped
    return decorate


def clear_every_cache() -> None:
    """Drop every cached result (after a write changed what they were made from)."""
    streamlit = sys.modules.get("streamlit")
    if streamlit is not None:
        streamlit.cache_resource.clear()
    for function in _OUTSIDE_STREAMLIT:
        function.cache_clear()
