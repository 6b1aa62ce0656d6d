"""Shared fixtures: small hand-made frames with answers computable by hand, the command line called in-process,
the store on both back ends. Tests never see a developer's own fetched or imported layers: the user store points
at an empty folder of the test session."""
import io
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.layers import STORAGE_CRS
from geo.settings import settings

os.environ["ATLAS_USER_DIR"] = tempfile.mkdtemp(prefix="atlas-test-user-")


@pytest.fixture(scope="session")
def atlas_cache_dir(tmp_path_factory) -> Path:
    """One folder (ATLAS_CACHE_DIR) for what every Atlas server of this test run makes once: compressed static
    files, cut fonts, map pages, as a deployment's processes and restarts share it. Under pytest-xdist it is
    beside the workers' own temporary folders, so the servers of every worker share it; pytest removes old runs'."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "atlas-cache"


@pytest.fixture
def atlas_env(monkeypatch):
    """`atlas_env(NAME, value)` sets an ATLAS_* variable for one test; geo.settings reads it then, and reads the
    restored environment after the test."""
    def setenv(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        settings.cache_clear()
    yield setenv
    settings.cache_clear()


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")


@pytest.fixture
def geo_cli(capsysbinary, monkeypatch):
    """`geo_cli(*ARGS, env={...}, stdin="...")`: `python -m geo ARGS` called in-process (geo.__main__.main, all
    the process runs), returning its exit status, standard output (bytes) and standard error. One test runs it
    as a process (tests/test_architecture.py)."""
    from geo.__main__ import main

    def run(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> CliRun:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        settings.cache_clear()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsysbinary.readouterr()
        try:
            code = main(list(args))
        except SystemExit as refused:  # argparse's own refusals of an argument
            code = refused.code
        out, err = capsysbinary.readouterr()
        return CliRun(code, out, err.decode("utf-8"))
    yield run
    settings.cache_clear()


@pytest.fixture
def square_km_boundary() -> gpd.GeoDataFrame:
    """A 1 km × 1 km square in UTM 43N (Bishkek's zone), stored in WGS84 like every layer."""
    square = gpd.GeoSeries([box(500_000, 4_745_000, 501_000, 4_746_000)], crs="EPSG:32643")
    return gpd.GeoDataFrame({"city_id": ["test"], "name": ["Test"], "boundary_quality": ["osm"], "area_km2": [1.0],
                             "source": ["hand-made"], "licence": ["CC0"]}, geometry=square.to_crs(STORAGE_CRS))


@pytest.fixture
def two_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"city_id": ["test", "test"], "osm_id": ["node/1", "node/2"], "name": ["A", None],
                             "facility_type": ["clinic", "pharmacy"], "source": ["x", "x"], "licence": ["y", "y"]},
                            geometry=[Point(74.6, 42.87), Point(74.61, 42.88)], crs=STORAGE_CRS)


BACKENDS = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]  # both store back ends
TEST_DATABASE_URL = os.environ.get("ATLAS_TEST_DATABASE_URL",
                                   "postgresql+psycopg://atlas:atlas@127.0.0.1:5432/atlas_test")
# Under pytest-xdist each worker has its own test database (atlas_test_gw0, ...), made on first use, so the PostGIS
# tests of two workers never drop each other's tables.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
POSTGIS_URL = TEST_DATABASE_URL if not WORKER else TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + (
    TEST_DATABASE_URL.rsplit("/", 1)[1] + f"_{WORKER}")
POSTGIS_DATABASE = POSTGIS_URL.rsplit("/", 1)[1]


def _postgis_available() -> str:
    """'' when the test database answers (a worker's own made from the server's first), else why not."""
    import sqlalchemy as sa
    engine = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            if WORKER and conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": POSTGIS_DATABASE}).first() is None:
                conn.execute(sa.text(f'CREATE DATABASE "{POSTGIS_DATABASE}"'))
        return ""
    except Exception as exc:  # psycopg's OperationalError, wrapped by SQLAlchemy
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()


def make_store(backend: str, tmp_path, layer_ids=("boundary", "health_facilities", "districts")):
    """An empty store on `backend` ("sqlite" or "postgis"), seeded with some embedded layers. PostGIS is
    required in CI (.ci/run sets ATLAS_REQUIRE_POSTGIS; scripts/install-system-deps.sh starts it); elsewhere
    its tests skip when it is absent."""
    from geo.layerstore import LayerStore
    if backend == "sqlite":
        store = LayerStore(f"sqlite:///{tmp_path / 'store.sqlite'}")
    else:
        why = _postgis_available()
        if why:
            if os.environ.get("ATLAS_REQUIRE_POSTGIS") or os.environ.get("CI"):
                pytest.fail(f"PostGIS test database not reachable, and it is required here: {why}")
            pytest.skip(f"PostGIS test database not reachable: {why}")
        store = LayerStore(POSTGIS_URL)
        store.drop_everything()
    store.seed(layer_ids=layer_ids)
    return store


def signed_in_editor(store, username: str, cities: tuple[str, ...], role: str = "editor"):
    """An account made and signed in on `store`, as the Data page does: the only kind of Editor a store accepts
    writes from."""
    from geo.writes import add_user
    if username not in store.usernames():
        add_user(store, username, "correct horse battery", role, cities)
    return store.sign_in(username, "correct horse battery")
