"""Fill the caches every session shares (each city's figures, the network's values) once per server process, in
a background thread started by the first run, so later visitors do not pay for them."""
from __future__ import annotations

import logging
import os
import threading

from components import data
from geo.cities import member_cities

LOG = logging.getLogger("atlas.warmup")


def warm() -> None:
    """Each member city's figures (City page cards), then the network's values, latest values and coverage."""
    try:
        for city in member_cities():
            data.city_figures_table(city.id)
        data.all_latest()
        data.coverage()
    except Exception:  # a failure here is logged; the pages compute on demand as before
        LOG.exception("warming the shared caches failed")


_START = threading.Lock()
_THREADS: list[threading.Thread] = []
WARM_ENV = "ATLAS_WARM_CACHES"  # "0": do not warm (the tests, which swap stores and clear caches themselves)


def warm_shared_caches() -> threading.Thread | None:
    """Start warming once per process, at the first run of any session (not again when an import clears the
    caches: the pages then recompute what they show); returns the thread, or None when switched off."""
    if os.environ.get(WARM_ENV) == "0":
        return None
    with _START:
        if not _THREADS:
            _THREADS.append(threading.Thread(target=warm, name="atlas-warm-caches", daemon=True))
            _THREADS[0].start()
    return _THREADS[0]
