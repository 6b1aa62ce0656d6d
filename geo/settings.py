"""The Atlas's settings, read from the environment in this one place, typed, once per process (a test or a
benchmark that changes the environment calls `settings.cache_clear()`):

- ATLAS_DATABASE_URL: the layer store (PostgreSQL/PostGIS); else a SQLite file in the user folder;
- ATLAS_USER_DIR: the user folder (the SQLite store, fetched and imported layers); else data/user/;
- ATLAS_CACHE_DIR: what the server makes once and keeps (compressed copies of its static files, the cut fonts,
  the maps' pages), shared by every process pointed at it; else the user folder;
- ATLAS_CATALOGUE: another city catalogue, only for benchmarks (a generated network, never shipped);
- ATLAS_DASK_SCHEDULER: an existing Dask scheduler for the batch (e.g. tcp://10.0.0.5:8786); else a local one.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geo.paths import CATALOGUE_PATH, USER_DIR


@dataclass(frozen=True)
class Settings:
    user_dir: Path
    cache_dir: Path
    database_url: str
    catalogue: Path
    dask_scheduler: str | None


def settings_from(environ: Mapping[str, str]) -> Settings:
    """The settings an environment gives; unset or empty variables take the defaults above."""
    user_dir = Path(environ.get("ATLAS_USER_DIR") or USER_DIR)
    return Settings(user_dir=user_dir, cache_dir=Path(environ.get("ATLAS_CACHE_DIR") or user_dir),
                    database_url=environ.get("ATLAS_DATABASE_URL") or f"sqlite:///{user_dir / 'atlas.sqlite'}",
                    catalogue=Path(environ.get("ATLAS_CATALOGUE") or CATALOGUE_PATH),
                    dask_scheduler=environ.get("ATLAS_DASK_SCHEDULER") or None)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """This process's settings."""
    return settings_from(os.environ)
