"""The network batch: every indicator of every listed city, computed in parallel on Dask's distributed scheduler
(a local cluster by default, an existing cluster when an address is given) by the one path the pages and the
command line use (geo.indicators.city_values), and stored in the layer store as versioned results stamped with
the inputs they were computed from. A city whose inputs did not change is skipped; a failing city is reported
and does not stop the others."""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.air import annual_stats
from geo.cities import City, get_city
from geo.embedded import read_table
from geo.errors import BatchError
from geo.indicators import INDICATORS, VALUE_COLUMNS, city_values
from geo.layerstore import LayerStore
from geo.paths import CATALOGUE_PATH, EMBEDDED_DIR
from geo.settings import settings

WORKER_MEMORY = "1.5GiB"  # per worker of the local cluster: Dask pauses, then restarts, a worker above it
RESULTS_FORMAT = "2"  # raise when the stored content changes shape: older results become stale


def store_values(city: City, store: LayerStore) -> pd.DataFrame:
    """Every indicator value of a city from the layer store (imports included), by the pages' own path."""
    air = read_table("air_daily")
    return city_values(city, lambda layer_id: store.read_layer(layer_id, city.id),
                       annual_stats(air[air["city_id"] == city.id]), read_table("regional_stats"),
                       read_table("official_air"))


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def input_stamp(city_id: str, store: LayerStore) -> str:
    """What a city's figures depend on: its current layer versions in the store, the embedded dataset (air and
    regional tables), the catalogue, the indicator registry and the results format. Equal stamps: equal figures."""
    inputs = {"layers": store.current_versions(city_id), "embedded": _file_digest(EMBEDDED_DIR / "manifest.json"),
              "catalogue": _file_digest(CATALOGUE_PATH), "indicators": sorted(INDICATORS), "format": RESULTS_FORMAT}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def values_to_json(values: pd.DataFrame) -> str:
    """A city's values table as JSON (unknown values as null), read back exactly by values_from_json."""
    records = values[VALUE_COLUMNS].astype(object).where(values[VALUE_COLUMNS].notna(), None).to_dict("records")
    return json.dumps(records, ensure_ascii=False, default=int)


def values_from_json(content: str) -> pd.DataFrame:
    table = pd.DataFrame(json.loads(content), columns=VALUE_COLUMNS)
    table["value"] = table["value"].astype(float)
    table["year"] = table["year"].astype("Int64")
    table["note_params"] = [p if isinstance(p, dict) else {} for p in table["note_params"]]
    for column in ("indicator_id", "city_id", "unit", "level", "area", "source", "licence", "flags", "note_key"):
        table[column] = table[column].fillna("").astype(object)
    return table


def precomputed_values(city_id: str, store: LayerStore) -> pd.DataFrame | None:
    """The city's stored results while they are current (their stamp equals its inputs' stamp), else None."""
    stored = store.current_results(city_id)
    if stored is None or stored[0] != input_stamp(city_id, store):
        return None
    return values_from_json(stored[1])


def compute_city(city_id: str, store_url: str) -> tuple[str, str, str]:
    """One city's task: (city id, stamp, values as JSON). Runs on a worker, opening the store by its URL."""
    store = LayerStore(store_url)
    try:
        stamp = input_stamp(city_id, store)
        return city_id, stamp, values_to_json(store_values(get_city(city_id), store))
    finally:
        store.close()


@dataclass
class BatchReport:
    """What a batch did: cities computed, skipped (inputs unchanged) and failed (with the reason)."""
    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    city_id: str
    seconds_left: float | None  # None until one city has finished


SCHEDULER_TIMEOUT_S = 10


def _client(workers: int, scheduler: str | None):
    """A Dask client: to the scheduler at `scheduler` (or $ATLAS_DASK_SCHEDULER), else a local cluster of
    `workers` single-threaded processes, each bounded to WORKER_MEMORY."""
    from dask.distributed import Client, LocalCluster

    address = scheduler or settings().dask_scheduler
    if address:
        try:
            return Client(address, timeout=SCHEDULER_TIMEOUT_S), None
        except (OSError, ValueError, TypeError) as exc:  # a wrong address, or nothing answering there
            raise BatchError(f"no Dask scheduler answers at {address!r} within {SCHEDULER_TIMEOUT_S} s "
                             f"({type(exc).__name__}); give tcp://HOST:PORT of a running scheduler") from None
    if workers < 1:
        raise BatchError(f"--workers must be at least 1, not {workers}")
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=WORKER_MEMORY,
                           dashboard_address=":0")  # any free port: several batches (or test workers) at once
    return Client(cluster), cluster


def run_batch(city_ids: list[str], store: LayerStore, workers: int = 2, scheduler: str | None = None,
              progress: Callable[[Progress], None] | None = None, force: bool = False,
              task: Callable[[str, str], tuple[str, str, str]] = compute_city) -> BatchReport:
    """Compute and store the figures of every listed city whose inputs changed since its stored results (every
    one with `force`). Results are written by this process only, one transaction per city, as they arrive."""
    from dask.distributed import as_completed

    started = time.monotonic()
    report = BatchReport()
    pending = []
    for city_id in city_ids:
        stored = store.current_results(city_id)
        if not force and stored is not None and stored[0] == input_stamp(city_id, store):
            report.skipped.append(city_id)
        else:
            pending.append(city_id)
    if pending:
        client, cluster = _client(workers, scheduler)
        try:
            futures = {client.submit(task, city_id, store.url, key=f"atlas-city-{city_id}", pure=False): city_id
                       for city_id in pending}
            for done, future in enumerate(as_completed(futures), start=1):
                city_id = futures[future]
                try:
                    _, stamp, content = future.result()
                    store.save_results(city_id, stamp, content)
                    report.computed.append(city_id)
                except Exception as error:  # noqa: BLE001 - any city's failure is reported, the others go on
                    report.failed[city_id] = f"{type(error).__name__}: {error}"[:300]
                if progress:
                    elapsed = time.monotonic() - started
                    progress(Progress(done, len(pending), city_id, elapsed / done * (len(pending) - done)))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    report.seconds = time.monotonic() - started
    return report
