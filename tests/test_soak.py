"""Soak: four editors of one city importing layers and saving its dossier sections, while twenty readers read what
the pages read, for ATLAS_SOAK_S seconds on each back end (default 30 in the suite; ATLAS_SOAK_S=300 for a long soak).
Every write is stored or refused with a conflict or busy message; no stored version is lost; the history shows
every stored change, numbered without gaps."""
import os
import random
import threading
import time
from collections import Counter

import pytest

from geo.dossier import CityEntries
from geo.errors import StoreBusy, WriteConflict
from geo.layerstore import Version
from geo.writes import save_dossier
from tests.conftest import BACKENDS, make_store, signed_in_editor

CITY = "almaty"
SECTIONS = ("territory", "environment", "demography", "digitalization")
SOAK_S = float(os.environ.get("ATLAS_SOAK_S", "30"))


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_four_editors_and_twenty_readers_lose_nothing(backend, tmp_path, request):
    store = make_store(backend, tmp_path, layer_ids=("boundary", "health_facilities"))
    request.addfinalizer(store.close)  # its pool's connections closed here, not by a later test's garbage collection
    facilities = store.read_layer("health_facilities", CITY)
    editors = [signed_in_editor(store, f"editor{i}", (CITY,)) for i in range(4)]
    deadline = time.monotonic() + SOAK_S
    stored: list[Version] = []
    outcomes: Counter = Counter()
    failures: list[str] = []
    reads = Counter()
    lock = threading.Lock()

    def edit(number: int) -> None:
        editor, rng = editors[number], random.Random(number)
        while time.monotonic() < deadline:
            try:
                if rng.random() < 0.6:  # a dossier section: its own, or one it shares with the next editor
                    history = store.dossier_history(CITY)
                    seen = history[0].version if history else 0
                    opened = CityEntries.from_json(store.dossier_entries(CITY, seen) if seen else None)
                    section = SECTIONS[(number + rng.randrange(2)) % len(SECTIONS)]
                    time.sleep(rng.random() * 0.05)  # the editor types
                    made = save_dossier(store, editor, CITY, opened.with_narrative(section, f"{editor.username} {seen}"), "soak", based_on=seen)
                else:
                    seen = store.history("health_facilities", CITY)[0].version
                    rows = facilities.head(rng.randrange(1, len(facilities)))
                    made = store.commit("health_facilities", CITY, rows, editor, f"{editor.username}.geojson",
                                        based_on=seen)
                with lock:
                    stored.append(made)
                    outcomes["stored"] += 1
            except (WriteConflict, StoreBusy) as refused:
                with lock:
                    outcomes[type(refused).__name__] += 1
            except Exception as exc:  # noqa: BLE001 - anything else is a failure of the test
                with lock:
                    failures.append(f"{editor.username}: {type(exc).__name__}: {exc}")

    def read(number: int) -> None:
        while time.monotonic() < deadline:
            try:
                store.read_layer("health_facilities", CITY)
                store.history("health_facilities", CITY)
                store.dossier_entries(CITY)
                store.dossier_history(CITY)
                with lock:
                    reads["ok"] += 1
            except Exception as exc:  # noqa: BLE001
                with lock:
                    failures.append(f"reader {number}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=read, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SOAK_S + 120)
    print(f"\nsoak {backend} {SOAK_S:.0f} s: {dict(outcomes)}, page reads {reads['ok']}")
    assert not failures, failures[:5]
    assert outcomes["stored"] > 0 and reads["ok"] > 0
    for kind, history in (("dossier", store.dossier_history(CITY)),
                          ("health_facilities", store.history("health_facilities", CITY))):
        numbers = [v.version for v in history]
        assert numbers == list(range(len(numbers), 0, -1)), f"{kind}: versions missing or repeated"
        mine = {(v.version, v.author) for v in stored if v.layer_id == kind}
        assert mine <= {(v.version, v.author) for v in history}, f"{kind}: a stored version is not in the history"
        assert len(mine) == len(numbers) - (1 if kind == "health_facilities" else 0)  # each change: one version
    last = max((v for v in stored if v.layer_id == "dossier"), key=lambda v: v.version, default=None)
    if last is not None:  # the current dossier is the last stored one, with every section written by someone
        assert store.dossier_history(CITY)[0].version == last.version
    store.close()
