"""The layer store: every layer the app shows, per city, with every import kept as a version (who, when, which
file, what changed) and rollback. One interface, two back ends chosen by URL: SQLite (a single file, no server;
the default) or PostgreSQL with PostGIS (`ATLAS_DATABASE_URL=postgresql+psycopg://...`).

Writes are one transaction each: a rejected or interrupted import leaves the store exactly as it was. Every
statement is parameterised; no user-supplied text is ever put into SQL.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa

from geo.auth import ALL_CITIES, SignInThrottle, normalise_username, password_matches
from geo.errors import (
    AccountError,
    AtlasError,
    PermissionDenied,
    SessionExpired,
    SignInThrottled,
    StoreBusy,
    StoreFull,
    StoreUnavailable,
    WriteConflict,
)
from geo.layers import LAYERS, STORAGE_CRS, get_layer_spec, validate_layer
from geo.paths import EMBEDDED_DIR
from geo.settings import settings

EMBEDDED_AUTHOR = "embedded dataset (python -m geo.build)"
LOG = logging.getLogger(__name__)
BUSY_TIMEOUT_S = 15  # a writer waits this long for another (SQLite busy timeout, PostgreSQL lock timeout)
STATEMENT_TIMEOUT_S = 120  # no statement runs longer (a 200,000-row import's inserts take a few seconds each)
SESSION_IDLE_S = 30 * 60  # OWASP ASVS 3.3: an editor's sign-in lapses after 30 minutes of inactivity...
SESSION_MAX_S = 12 * 3600  # ...and 12 hours after signing in, whatever happens
# PostgreSQL: a database that stops answering (a partition) is noticed in seconds, not never: connect timeout,
# TCP keepalives and a user timeout on unacknowledged data, statement, lock and idle-transaction timeouts, and a
# ping before a pooled connection is reused.
POSTGIS_OPTIONS = {"pool_pre_ping": True, "connect_args": {
    "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3,
    "tcp_user_timeout": 20_000,
    "options": f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000} -c lock_timeout={BUSY_TIMEOUT_S * 1000} "
               "-c idle_in_transaction_session_timeout=60000"}}
SQLITE_OPTIONS = {"connect_args": {"timeout": BUSY_TIMEOUT_S}}


def _sqlite_connected(dbapi_connection, _record) -> None:
    """WAL: readers never wait for a writer (nor a backup), and a writer waits BUSY_TIMEOUT_S for another."""
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")


@contextlib.contextmanager
def _said_as_store_failures(action: str):
    """Database errors inside as the failure a person can act on (_store_failure), logged in full; others as they
    are."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        LOG.exception("%s the layer store failed", action)
        failure = _store_failure(exc)
        if failure is None:
            raise
        raise failure from None


def _store_failure(exc: sa.exc.SQLAlchemyError) -> AtlasError | None:
    """A database error as the failure a person can act on: busy (try again), full (free space), unavailable
    (the database or its file cannot be reached); None for anything else (a fault of the code, which stays an
    error with a reference)."""
    text = str(getattr(exc, "orig", exc)).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    if "database is locked" in text or "database table is locked" in text or code in ("55P03", "40P01", "40001"):
        return StoreBusy("another writer is using the store; nothing was stored, try again in a moment")
    if "disk is full" in text or "no space left" in text or "could not extend" in text or code.startswith("53"):
        return StoreFull("the disk of the layer store is full; nothing was stored")
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)) and not text.startswith("no such"):
        return StoreUnavailable("the layer store cannot be reached; nothing was stored, the server log has the "
                                "details")
    return None


@dataclass(frozen=True)
class Editor:
    """A signed-in account, as LayerStore.sign_in hands it out: editors may write the cities listed ("all":
    every city). The store accepts writes only from an Editor it handed out itself (its `session` token)."""
    username: str
    role: str  # "editor" | "viewer"
    cities: tuple[str, ...] = ()
    session: str = field(default="", repr=False, compare=False)

    def can_edit(self, city_id: str) -> bool:
        return self.role == "editor" and (ALL_CITIES in self.cities or city_id in self.cities)


@dataclass(frozen=True)
class Version:
    layer_id: str
    city_id: str
    version: int
    author: str
    created_at: str
    source_file: str
    rows: int
    added: int
    removed: int
    note: str


class LayerStore:
    """Versioned layers of every city behind one interface (SQLite or PostGIS)."""

    def __init__(self, url: str | None = None, throttle: SignInThrottle | None = None):
        self.url = url or settings().database_url
        self.throttle = throttle or SignInThrottle()
        self._sessions: dict[str, Editor] = {}
        self._session_times: dict[str, tuple[float, float]] = {}  # token -> (signed in, last write), monotonic
        try:
            backend = sa.engine.make_url(self.url).get_backend_name()
            self.engine = sa.create_engine(self.url, **(POSTGIS_OPTIONS if backend == "postgresql" else SQLITE_OPTIONS))
        except (sa.exc.ArgumentError, ValueError):
            raise StoreUnavailable("the layer store's URL (ATLAS_DATABASE_URL) is not a database URL") from None
        self.postgis = self.engine.dialect.name == "postgresql"
        if not self.postgis:
            sa.event.listen(self.engine, "connect", _sqlite_connected)
        sqlite_file = None if self.postgis else self.engine.url.database
        try:
            if sqlite_file and sqlite_file != ":memory:":
                _create_private_file(Path(sqlite_file))
            self._create_schema()
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self.engine.dispose()
            LOG.exception("the layer store %s cannot be opened", self.engine.url.render_as_string(hide_password=True))
            kind = "the database" if self.postgis else "the store's file"
            raise StoreUnavailable(f"the layer store cannot be opened ({kind} refused: {type(exc).__name__}); "
                                   "the server log has the details") from None

    # -- schema ---------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()

    def drop_everything(self) -> None:
        """Remove the Atlas's tables (tests start each back end clean)."""
        with self.engine.begin() as conn:
            for table in ("atlas_features", "atlas_versions", "atlas_users", "atlas_dossier", "atlas_results"):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        self._create_schema()

    def _create_schema(self) -> None:
        geom_type = "geometry(Geometry, 4326)" if self.postgis else "BLOB"
        serial = "SERIAL PRIMARY KEY" if self.postgis else "INTEGER PRIMARY KEY AUTOINCREMENT"
        with self.engine.begin() as conn:
            if self.postgis:
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
            conn.execute(sa.text(f"""CREATE TABLE IF NOT EXISTS atlas_versions (
                id {serial}, layer_id TEXT NOT NULL, city_id TEXT NOT NULL, version INTEGER NOT NULL,
                author TEXT NOT NULL, created_at TEXT NOT NULL, source_file TEXT NOT NULL, rows INTEGER NOT NULL,
                added INTEGER NOT NULL, removed INTEGER NOT NULL, note TEXT NOT NULL, is_current BOOLEAN NOT NULL,
                UNIQUE (layer_id, city_id, version))"""))
            conn.execute(sa.text(f"""CREATE TABLE IF NOT EXISTS atlas_features (
                version_id INTEGER NOT NULL REFERENCES atlas_versions(id), position INTEGER NOT NULL,
                properties TEXT NOT NULL, fingerprint TEXT NOT NULL, geom {geom_type} NOT NULL)"""))
            conn.execute(sa.text("CREATE INDEX IF NOT EXISTS atlas_features_version ON atlas_features (version_id)"))
            conn.execute(sa.text("""CREATE TABLE IF NOT EXISTS atlas_users (
                username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, cities TEXT NOT NULL)"""))
            conn.execute(sa.text(f"""CREATE TABLE IF NOT EXISTS atlas_dossier (
                id {serial}, city_id TEXT NOT NULL, version INTEGER NOT NULL, author TEXT NOT NULL,
                created_at TEXT NOT NULL, note TEXT NOT NULL, content TEXT NOT NULL, is_current BOOLEAN NOT NULL,
                UNIQUE (city_id, version))"""))

            conn.execute(sa.text(f"""CREATE TABLE IF NOT EXISTS atlas_results (
                id {serial}, city_id TEXT NOT NULL, version INTEGER NOT NULL, stamp TEXT NOT NULL,
                created_at TEXT NOT NULL, content TEXT NOT NULL, is_current BOOLEAN NOT NULL,
                UNIQUE (city_id, version))"""))

    def _geom_in(self) -> str:
        return "ST_GeomFromWKB(:wkb, 4326)" if self.postgis else ":wkb"

    def _geom_out(self) -> str:
        return "ST_AsBinary(f.geom)" if self.postgis else "f.geom"

    # -- reading --------------------------------------------------------------------------------------------
    def read_layer(self, layer_id: str, city_id: str | None = None) -> gpd.GeoDataFrame:
        """The current features of a layer (of one city, or every city), validated against the registry."""
        spec = get_layer_spec(layer_id)
        query = (f"SELECT v.city_id, f.properties, {self._geom_out()} AS wkb FROM atlas_features f "
                 "JOIN atlas_versions v ON v.id = f.version_id WHERE v.layer_id = :layer AND v.is_current "
                 + ("AND v.city_id = :city " if city_id else "") + "ORDER BY v.city_id, f.position")
        with self._reading() as conn:
            rows = conn.execute(sa.text(query), {"layer": layer_id, "city": city_id}).all()
        return validate_layer(_frame(spec.id, rows), spec)

    def history(self, layer_id: str, city_id: str) -> list[Version]:
        """Every version of a city's layer, newest first."""
        with self._reading() as conn:
            rows = conn.execute(sa.text(
                "SELECT layer_id, city_id, version, author, created_at, source_file, rows, added, removed, note "
                "FROM atlas_versions WHERE layer_id = :layer AND city_id = :city ORDER BY version DESC"),
                {"layer": layer_id, "city": city_id}).all()
        return [Version(*row) for row in rows]

    def snapshot(self) -> tuple[tuple, ...]:
        """Every row of every table, in a fixed order: what "unchanged" means, row for row."""
        with self._reading() as conn:
            versions = conn.execute(sa.text(
                "SELECT id, layer_id, city_id, version, author, created_at, source_file, rows, added, removed, "
                "note, is_current FROM atlas_versions ORDER BY id")).all()
            features = conn.execute(sa.text(
                f"SELECT f.version_id, f.position, f.properties, f.fingerprint, {self._geom_out()} "
                "FROM atlas_features f ORDER BY f.version_id, f.position")).all()
            users = conn.execute(sa.text("SELECT * FROM atlas_users ORDER BY username")).all()
            dossier = conn.execute(sa.text("SELECT * FROM atlas_dossier ORDER BY id")).all()
        return (tuple(map(tuple, versions)), tuple((*r[:4], bytes(r[4])) for r in features), tuple(map(tuple, users)),
                tuple(map(tuple, dossier)))

    # -- reading and writing ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self):
        """A connection for reading; a database that fails or stops answering is said as StoreUnavailable."""
        with _said_as_store_failures("reading"), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _writing(self, *lock_keys: str):
        """One write transaction, serialised with every other writer (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
        advisory lock per key, e.g. "layer/health_facilities/almaty"), so version numbers are allocated inside the
        transaction that writes them; database failures said as StoreBusy, StoreFull or StoreUnavailable."""
        with _said_as_store_failures("writing"), self.engine.begin() as conn:
            if self.postgis:
                for key in sorted(lock_keys):
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    def require_editor(self, editor: Editor, city_id: str) -> None:
        """PermissionDenied unless `editor` is one this store signed in, whose sign-in has not lapsed, and whose
        account, as stored now (not as it was at sign-in), may change `city_id`: a demoted or moved editor is
        refused at the next write."""
        if self._sessions.get(editor.session) is not editor or not editor.session:
            raise PermissionDenied(f"{editor.username} is not signed in to this store")
        if self._lapsed(editor):
            raise SessionExpired(f"the sign-in of {editor.username} has lapsed; sign in again")
        account = self.load_user(editor.username)
        current = Editor(editor.username, account[1], account[2]) if account else None
        if current is None or not current.can_edit(city_id):
            raise PermissionDenied(f"{editor.username} may not change the layers of {city_id}")
        self._session_times[editor.session] = (self._session_times[editor.session][0], time.monotonic())

    def _lapsed(self, editor: Editor) -> bool:
        """Whether the sign-in is past SESSION_IDLE_S since its last activity (a write, a page it opened) or
        SESSION_MAX_S since it began; a lapsed one is signed out."""
        signed_in_at, last_write = self._session_times[editor.session]
        now = time.monotonic()
        if now - last_write > SESSION_IDLE_S or now - signed_in_at > SESSION_MAX_S:
            self.sign_out(editor)
            return True
        return False

    def current_editor(self, editor: Editor | None) -> Editor | None:
        """The editor as the store knows it now: None once the sign-in has lapsed or the account is gone; its
        role and cities as stored now (the page shows the controls these allow). Opening a page is activity."""
        if editor is None or self._sessions.get(editor.session) is not editor or self._lapsed(editor):
            return None
        account = self.load_user(editor.username)
        if account is None:
            self.sign_out(editor)
            return None
        self._session_times[editor.session] = (self._session_times[editor.session][0], time.monotonic())  # active
        if (account[1], account[2]) == (editor.role, editor.cities):
            return editor
        refreshed = Editor(editor.username, account[1], account[2], session=editor.session)
        self._sessions[editor.session] = refreshed
        return refreshed

    def _check_based_on(self, conn, layer_id: str, city_id: str, based_on: int | None) -> None:
        """WriteConflict when the layer's current version is not the one the write was based on."""
        if based_on is None:
            return
        current = conn.execute(sa.text(
            "SELECT version, author, created_at FROM atlas_versions WHERE layer_id = :layer AND city_id = :city "
            "AND is_current"), {"layer": layer_id, "city": city_id}).one_or_none()
        if (current[0] if current else 0) != based_on:
            raise WriteConflict(current[1], current[2])

    def commit(self, layer_id: str, city_id: str, frame: gpd.GeoDataFrame, editor: Editor, source_file: str,
               note: str = "", based_on: int | None = None) -> Version:
        """Make `frame` the city's layer, as a new version, in one transaction; the old versions stay. With
        `based_on` (the version the editor saw), WriteConflict when another write came first."""
        self.require_editor(editor, city_id)
        spec = get_layer_spec(layer_id)
        frame = validate_layer(frame, spec)
        if (frame["city_id"] != city_id).any():
            raise PermissionDenied(f"the import for {city_id} holds rows of another city")
        records = _records(frame, spec.id)
        with self._writing(f"layer/{layer_id}/{city_id}") as conn:
            self._check_based_on(conn, layer_id, city_id, based_on)
            return self._write(conn, layer_id, city_id, records, editor.username, source_file, note)

    def commit_many(self, city_id: str, frames: dict[str, gpd.GeoDataFrame], editor: Editor, source_file: str,
                    note: str = "", based_on: dict[str, int] | None = None) -> list[Version]:
        """Several layers of one city (an OSM extract's) as new versions, all in one transaction; `based_on`:
        the version of each layer the editor saw (WriteConflict when another write came first)."""
        self.require_editor(editor, city_id)
        ready = {}
        for layer_id, frame in frames.items():
            spec = get_layer_spec(layer_id)
            frame = validate_layer(frame, spec)
            if (frame["city_id"] != city_id).any():
                raise PermissionDenied(f"the import for {city_id} holds rows of another city")
            ready[layer_id] = _records(frame, layer_id)
        with self._writing(*(f"layer/{layer_id}/{city_id}" for layer_id in ready)) as conn:
            for layer_id, version in (based_on or {}).items():
                self._check_based_on(conn, layer_id, city_id, version)
            return [self._write(conn, layer_id, city_id, records, editor.username, source_file, note)
                    for layer_id, records in ready.items()]

    def rollback(self, layer_id: str, city_id: str, version: int, editor: Editor,
                 based_on: int | None = None) -> Version:
        """Make an earlier version current again, itself as a new version (nothing is ever deleted); with
        `based_on`, WriteConflict when the current version is no longer the one the editor saw."""
        self.require_editor(editor, city_id)
        with self._writing(f"layer/{layer_id}/{city_id}") as conn:
            self._check_based_on(conn, layer_id, city_id, based_on)
            version_id = conn.execute(sa.text(
                "SELECT id FROM atlas_versions WHERE layer_id = :layer AND city_id = :city AND version = :version"),
                {"layer": layer_id, "city": city_id, "version": version}).scalar_one_or_none()
            if version_id is None:
                raise AtlasError(f"{layer_id} of {city_id} has no version {version}")
            rows = conn.execute(sa.text(
                f"SELECT f.properties, f.fingerprint, {self._geom_out()} FROM atlas_features f "
                "WHERE f.version_id = :id ORDER BY f.position"), {"id": version_id}).all()
            records = [(props, fingerprint, bytes(wkb)) for props, fingerprint, wkb in rows]
            return self._write(conn, layer_id, city_id, records, editor.username, f"version {version}",
                               f"rollback to version {version}")

    def _write(self, conn, layer_id: str, city_id: str, records: list[tuple[str, str, bytes]], author: str,
               source_file: str, note: str) -> Version:
        previous = conn.execute(sa.text(
            "SELECT v.id, v.version FROM atlas_versions v WHERE v.layer_id = :layer AND v.city_id = :city "
            "AND v.is_current"), {"layer": layer_id, "city": city_id}).one_or_none()
        old = set()
        if previous is not None:
            old = {r[0] for r in conn.execute(sa.text(
                "SELECT fingerprint FROM atlas_features WHERE version_id = :id"), {"id": previous[0]})}
        new = {fingerprint for _, fingerprint, _ in records}
        number = conn.execute(sa.text(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM atlas_versions WHERE layer_id = :layer AND city_id = :city"),
            {"layer": layer_id, "city": city_id}).scalar_one()
        conn.execute(sa.text("UPDATE atlas_versions SET is_current = FALSE WHERE layer_id = :layer "
                             "AND city_id = :city"), {"layer": layer_id, "city": city_id})
        version = Version(layer_id, city_id, number, author, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          source_file, len(records), len(new - old), len(old - new), note)
        version_id = conn.execute(sa.text(
            "INSERT INTO atlas_versions (layer_id, city_id, version, author, created_at, source_file, rows, added, "
            "removed, note, is_current) VALUES (:layer, :city, :version, :author, :created, :file, :rows, :added, "
            ":removed, :note, TRUE) RETURNING id"),
            {"layer": layer_id, "city": city_id, "version": number, "author": author, "created": version.created_at,
             "file": source_file, "rows": len(records), "added": version.added, "removed": version.removed,
             "note": note}).scalar_one()
        if records:
            conn.execute(sa.text(
                "INSERT INTO atlas_features (version_id, position, properties, fingerprint, geom) "
                f"VALUES (:vid, :pos, :props, :fp, {self._geom_in()})"),
                [{"vid": version_id, "pos": i, "props": props, "fp": fingerprint, "wkb": wkb}
                 for i, (props, fingerprint, wkb) in enumerate(records)])
        return version

    def seed(self, embedded_dir: Path = EMBEDDED_DIR, layer_ids: tuple[str, ...] | None = None) -> int:
        """Load the embedded dataset (or some of its layers) as version 1 of each layer and city the store does
        not hold yet: the whole dataset on first run, new embedded layers after an upgrade, never over an
        import."""
        from geo.embedded import read_layer as read_embedded
        from geo.embedded import read_manifest

        manifest = read_manifest(embedded_dir)
        with self._reading() as conn:
            present = set(map(tuple, conn.execute(sa.text("SELECT DISTINCT layer_id, city_id FROM atlas_versions"))))
        count = 0
        with self._writing() as conn:
            for spec in LAYERS.values():
                if not spec.embedded or "city_id" not in spec.columns or (layer_ids and spec.id not in layer_ids):
                    continue
                if all((spec.id, city_id) in present for city_id in manifest[spec.id]["per_city"]):
                    continue
                layer = read_embedded(spec.id, embedded_dir)
                for city_id, part in layer.groupby("city_id", sort=True):
                    if (spec.id, str(city_id)) in present:
                        continue
                    self._write(conn, spec.id, str(city_id), _records(part, spec.id), EMBEDDED_AUTHOR,
                                f"data/embedded/{spec.id}.parquet", "embedded dataset")
                    count += 1
        return count

    def current_versions(self, city_id: str) -> dict[str, int]:
        """The current version number of each of the city's layers: what its figures are computed from."""
        with self._reading() as conn:
            rows = conn.execute(sa.text("SELECT layer_id, version FROM atlas_versions WHERE city_id = :city "
                                        "AND is_current ORDER BY layer_id"), {"city": city_id}).all()
        return {layer_id: int(version) for layer_id, version in rows}

    # -- precomputed figures (geo.batch): each computation a new version, stamped with its inputs ----------------
    def save_results(self, city_id: str, stamp: str, content: str) -> int:
        """Store a city's computed values as its new current results version; returns the version number."""
        with self._writing() as conn:
            number = conn.execute(sa.text("SELECT COALESCE(MAX(version), 0) + 1 FROM atlas_results "
                                          "WHERE city_id = :city"), {"city": city_id}).scalar_one()
            conn.execute(sa.text("UPDATE atlas_results SET is_current = FALSE WHERE city_id = :city"),
                         {"city": city_id})
            conn.execute(sa.text(
                "INSERT INTO atlas_results (city_id, version, stamp, created_at, content, is_current) "
                "VALUES (:city, :version, :stamp, :created, :content, TRUE)"),
                {"city": city_id, "version": number, "stamp": stamp, "content": content,
                 "created": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        return int(number)

    def current_results(self, city_id: str) -> tuple[str, str] | None:
        """The city's current precomputed results: (stamp of their inputs, content), or None."""
        with self._reading() as conn:
            row = conn.execute(sa.text("SELECT stamp, content FROM atlas_results WHERE city_id = :city "
                                       "AND is_current"), {"city": city_id}).one_or_none()
        return (row[0], row[1]) if row else None

    # -- the city's own text and figures for its application dossier (geo.dossier) ----------------------------
    def dossier_entries(self, city_id: str, version: int | None = None) -> str | None:
        """The JSON of the city's current dossier entries (or of one version); None when it has none."""
        query = "SELECT content FROM atlas_dossier WHERE city_id = :city AND " + (
            "version = :version" if version else "is_current")
        with self._reading() as conn:
            return conn.execute(sa.text(query), {"city": city_id, "version": version}).scalar_one_or_none()

    def dossier_history(self, city_id: str) -> list[Version]:
        """Every version of the city's dossier entries, newest first (rows = number of entries)."""
        with self._reading() as conn:
            rows = conn.execute(sa.text(
                "SELECT version, author, created_at, note, content FROM atlas_dossier WHERE city_id = :city "
                "ORDER BY version DESC"), {"city": city_id}).all()
        return [Version("dossier", city_id, version, author, created, "", _entry_count(content), 0, 0, note)
                for version, author, created, note, content in rows]

    def save_dossier(self, city_id: str, content: str, editor: Editor, note: str, based_on: int | None = None,
                     merge: Callable[[str | None, str | None], tuple[str, tuple[str, str] | None]] | None = None
                     ) -> Version:
        """Store the city's entries (JSON, checked by geo.writes.save_dossier) as its new current version, the
        old ones kept. With `based_on` (the version the editor opened) and a newer current version, `merge(base,
        current)` gives the content to store, or the (section, their text) that both changed: WriteConflict."""
        self.require_editor(editor, city_id)
        with self._writing(f"dossier/{city_id}") as conn:
            current = conn.execute(sa.text(
                "SELECT version, author, created_at, content FROM atlas_dossier WHERE city_id = :city AND is_current"),
                {"city": city_id}).one_or_none()
            if based_on is not None and (current[0] if current else 0) != based_on:
                base = conn.execute(sa.text("SELECT content FROM atlas_dossier WHERE city_id = :city AND "
                                            "version = :version"), {"city": city_id, "version": based_on}
                                    ).scalar_one_or_none()
                if merge is None:
                    raise WriteConflict(current[1], current[2])
                content, clash = merge(base, current[3])
                if clash is not None:
                    raise WriteConflict(current[1], current[2], clash[0], clash[1])
            return self._write_dossier(conn, city_id, content, editor.username, note)

    def rollback_dossier(self, city_id: str, version: int, editor: Editor) -> Version:
        """Make an earlier version of the dossier entries current again, itself as a new version."""
        self.require_editor(editor, city_id)
        content = self.dossier_entries(city_id, version)
        if content is None:
            raise AtlasError(f"the dossier of {city_id} has no version {version}")
        with self._writing(f"dossier/{city_id}") as conn:
            return self._write_dossier(conn, city_id, content, editor.username, f"rollback to version {version}")

    def _write_dossier(self, conn, city_id: str, content: str, author: str, note: str) -> Version:
        number = conn.execute(sa.text("SELECT COALESCE(MAX(version), 0) + 1 FROM atlas_dossier WHERE city_id = :city"),
                              {"city": city_id}).scalar_one()
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        conn.execute(sa.text("UPDATE atlas_dossier SET is_current = FALSE WHERE city_id = :city"), {"city": city_id})
        conn.execute(sa.text(
            "INSERT INTO atlas_dossier (city_id, version, author, created_at, note, content, is_current) "
            "VALUES (:city, :version, :author, :created, :note, :content, TRUE)"),
            {"city": city_id, "version": number, "author": author, "created": created, "note": note,
             "content": content})
        return Version("dossier", city_id, number, author, created, "", _entry_count(content), 0, 0, note)

    # -- accounts -------------------------------------------------------------------------------------------
    def save_user(self, username: str, password_hash: str, role: str, cities: tuple[str, ...],
                  replace: bool = False) -> bool:
        """Store an account (geo.writes.add_user checks it first); False when the name exists and `replace` is
        not set."""
        with self._writing() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM atlas_users WHERE username = :name"),
                                  {"name": username}).first() is not None
            if exists and not replace:
                return False
            conn.execute(sa.text("DELETE FROM atlas_users WHERE username = :name"), {"name": username})
            conn.execute(sa.text("INSERT INTO atlas_users (username, password_hash, role, cities) "
                                 "VALUES (:name, :hash, :role, :cities)"),
                         {"name": username, "hash": password_hash, "role": role, "cities": ",".join(cities)})
        return True

    def usernames(self) -> list[str]:
        with self._reading() as conn:
            return [r[0] for r in conn.execute(sa.text("SELECT username FROM atlas_users ORDER BY username"))]

    def load_user(self, username: str) -> tuple[str, str, tuple[str, ...]] | None:
        """(password hash, role, cities) of an account, or None."""
        with self._reading() as conn:
            row = conn.execute(sa.text("SELECT password_hash, role, cities FROM atlas_users WHERE username = :name"),
                               {"name": username}).one_or_none()
        return None if row is None else (row[0], row[1], tuple(c for c in row[2].split(",") if c))

    def sign_in(self, username: str, password: str, client: str = "") -> Editor | None:
        """The account as an Editor this store will accept writes from, if the password matches; else None
        (the same answer, in the same time, for an unknown name). SignInThrottled when the account or the
        client (its address) failed too often lately."""
        try:
            name = normalise_username(username)
        except AccountError:
            name = ""
        account_key, client_key = f"account:{name}", f"client:{client}" if client else ""
        wait = self.throttle.retry_after(account_key, client_key)
        if wait:
            raise SignInThrottled(wait)
        row = self.load_user(name) if name else None
        if not password_matches(row[0] if row else None, password):
            self.throttle.failed(account_key, client_key)
            return None
        self.throttle.succeeded(account_key)
        editor = Editor(name, row[1], row[2], session=secrets.token_urlsafe(24))
        self._sessions[editor.session] = editor
        self._session_times[editor.session] = (time.monotonic(), time.monotonic())
        return editor

    def sign_out(self, editor: Editor) -> None:
        self._sessions.pop(editor.session, None)
        self._session_times.pop(editor.session, None)


def _entry_count(content: str) -> int:
    """Narratives and figures in a dossier version's JSON."""
    entries = json.loads(content)
    return sum(1 for text in entries.get("narratives", {}).values() if text) + len(entries.get("figures", []))


def _create_private_file(path: Path) -> None:
    """The SQLite file (it holds the password hashes) readable and writable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        os.chmod(path, 0o600)


def _json_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return value


def _records(frame: gpd.GeoDataFrame, layer_id: str) -> list[tuple[str, str, bytes]]:
    """(properties JSON, fingerprint, WKB) per feature; the fingerprint tells which features a version changed."""
    columns = [c for c in LAYERS[layer_id].columns if c != "city_id"]
    records = []
    for row, geom in zip(frame[columns].itertuples(index=False), frame.geometry.values):
        props = json.dumps({c: _json_value(v) for c, v in zip(columns, row)}, ensure_ascii=False, sort_keys=True)
        wkb = shapely.to_wkb(geom, output_dimension=2)
        records.append((props, hashlib.sha256(props.encode() + b"\0" + wkb).hexdigest()[:24], wkb))
    return records


def _frame(layer_id: str, rows) -> gpd.GeoDataFrame:
    spec = LAYERS[layer_id]
    records = [{"city_id": city, **json.loads(props)} for city, props, _ in rows]
    table = pd.DataFrame.from_records(records, columns=list(spec.columns))
    for column, column_spec in spec.columns.items():
        if column_spec.kind == "float":
            table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
        elif column_spec.kind == "int" and table[column].notna().all():
            table[column] = table[column].astype("int64")
        elif column_spec.kind == "bool":
            table[column] = table[column].astype(bool)
    geometry = shapely.from_wkb([bytes(wkb) for _, _, wkb in rows]) if rows else []
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, crs=STORAGE_CRS), crs=STORAGE_CRS)
