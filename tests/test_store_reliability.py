"""Nothing lost, nothing hung: concurrent editors (two threads released by a barrier), revoked and lapsed
accounts, a busy or full store and a silent database, on SQLite and PostGIS where each applies."""
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from geo.dossier import CityEntries, CityFigure
from geo.errors import PermissionDenied, SessionExpired, StoreBusy, StoreFull, StoreUnavailable, WriteConflict
from geo.layerstore import LayerStore
from geo.writes import add_user, save_dossier
from tests.conftest import BACKENDS, POSTGIS_DATABASE, make_store, signed_in_editor

ROOT = Path(__file__).resolve().parent.parent
CITY = "almaty"


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    made = make_store(request.param, tmp_path, layer_ids=("boundary", "health_facilities"))
    yield made
    made.close()


def at_once(*calls):
    """Run the calls in threads released together by a barrier; each call's result or exception."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each writer got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def saved(store, city_id=CITY) -> CityEntries:
    return CityEntries.from_json(store.dossier_entries(city_id))


def test_two_editors_saving_different_sections_at_once_both_keep_their_text(store):
    aigul, bakyt = (signed_in_editor(store, name, (CITY,)) for name in ("aigul", "bakyt"))
    base = save_dossier(store, aigul, CITY, CityEntries({"territory": "first"}), "start").version
    for _ in range(3):  # several rounds: a lost update shows up in any of them
        results = at_once(
            lambda: save_dossier(store, aigul, CITY, saved(store).with_narrative("territory", f"T{base}"), "a", based_on=base),
            lambda: save_dossier(store, bakyt, CITY, saved(store).with_narrative("environment", f"E{base}"), "b", based_on=base))
        assert not [r for r in results if isinstance(r, Exception)], results
        current = saved(store)
        assert current.narratives["territory"] == f"T{base}" and current.narratives["environment"] == f"E{base}"
        numbers = [v.version for v in store.dossier_history(CITY)]
        assert numbers == sorted(set(numbers), reverse=True) and numbers[0] == base + 2  # one number each
        base = numbers[0]


def test_a_save_based_on_an_older_version_never_overwrites_a_colleagues_newer_text(store):
    aigul, bakyt = (signed_in_editor(store, name, (CITY,)) for name in ("aigul", "bakyt"))
    opened = save_dossier(store, aigul, CITY, CityEntries({"territory": "draft"}), "start").version
    save_dossier(store, bakyt, CITY, CityEntries({"territory": "Bakyt's careful text"}), "b", based_on=opened)
    with pytest.raises(WriteConflict) as conflict:
        save_dossier(store, aigul, CITY, CityEntries({"territory": "Aigul's older edit"}), "a", based_on=opened)
    assert conflict.value.author == "bakyt" and conflict.value.theirs == "Bakyt's careful text"
    assert conflict.value.section == "territory"
    assert saved(store).narratives["territory"] == "Bakyt's careful text"
    # a figure added to another section on the same old version is applied, Bakyt's text kept
    figure = CityFigure("digitalization", label="E-services", value=61.5, unit="%", year=2025, source="survey")
    save_dossier(store, aigul, CITY, CityEntries({"territory": "draft"}, (figure,)), "fig", based_on=opened)
    assert saved(store) == CityEntries({"territory": "Bakyt's careful text"}, (figure,))


def test_two_simultaneous_imports_into_one_layer_land_as_successive_versions(store):
    from geo.layerstore import Version

    aigul, bakyt = (signed_in_editor(store, name, (CITY,)) for name in ("aigul", "bakyt"))
    frame = store.read_layer("health_facilities", CITY)
    before = store.history("health_facilities", CITY)[0].version
    results = at_once(lambda: store.commit("health_facilities", CITY, frame.head(10), aigul, "a.geojson"),
                      lambda: store.commit("health_facilities", CITY, frame.head(20), bakyt, "b.geojson"))
    assert all(isinstance(r, Version) for r in results), results
    assert sorted(r.version for r in results) == [before + 1, before + 2]
    # both based on the same version the editors saw: one lands, the other is told who came first
    seen = before + 2
    results = at_once(lambda: store.commit("health_facilities", CITY, frame.head(5), aigul, "c", based_on=seen),
                      lambda: store.commit("health_facilities", CITY, frame.head(6), bakyt, "d", based_on=seen))
    landed = [r for r in results if isinstance(r, Version)]
    refused = [r for r in results if isinstance(r, WriteConflict)]
    assert len(landed) == 1 and len(refused) == 1 and refused[0].author == landed[0].author
    assert len(store.read_layer("health_facilities", CITY)) == landed[0].rows


def test_a_demoted_or_moved_editor_is_refused_at_the_next_write(store):
    editor = signed_in_editor(store, "aigul", (CITY,))
    entries = CityEntries({"territory": "x"})
    save_dossier(store, editor, CITY, entries, "ok")
    add_user(store, "aigul", "correct horse battery", "viewer", (CITY,), replace=True)  # demoted
    with pytest.raises(PermissionDenied):
        save_dossier(store, editor, CITY, entries, "after demotion")
    assert store.current_editor(editor).role == "viewer"  # the page shows a viewer's controls
    add_user(store, "aigul", "correct horse battery", "editor", ("astana",), replace=True)  # moved
    with pytest.raises(PermissionDenied):
        store.commit("health_facilities", CITY, store.read_layer("health_facilities", CITY), editor, "f")
    assert len(store.dossier_history(CITY)) == 1


def test_a_sign_in_lapses_after_idle_time_and_absolutely(store, monkeypatch):
    import geo.layerstore as layerstore

    editor = signed_in_editor(store, "aigul", (CITY,))
    save_dossier(store, editor, CITY, CityEntries({"territory": "x"}), "ok")
    clock = time.monotonic()
    monkeypatch.setattr(layerstore.time, "monotonic", lambda: clock + layerstore.SESSION_IDLE_S + 1)
    with pytest.raises(SessionExpired):
        save_dossier(store, editor, CITY, CityEntries({"territory": "y"}), "late")
    assert store.current_editor(editor) is None
    monkeypatch.setattr(layerstore.time, "monotonic", lambda: clock)
    editor = signed_in_editor(store, "aigul", (CITY,))
    for hours in range(1, 13):  # active every hour: never idle, but 12 hours is the end
        monkeypatch.setattr(layerstore.time, "monotonic", lambda h=hours: clock + h * 3600 + 1)
        if hours * 3600 + 1 > layerstore.SESSION_MAX_S:
            with pytest.raises(SessionExpired):
                save_dossier(store, editor, CITY, CityEntries({"territory": f"h{hours}"}), "late")
        else:
            store._session_times[editor.session] = (clock, clock + hours * 3600 - 60)
            save_dossier(store, editor, CITY, CityEntries({"territory": f"h{hours}"}), "hourly")


def test_sqlite_readers_do_not_wait_for_a_writer_and_a_held_lock_is_said_as_busy(tmp_path, monkeypatch):
    """WAL: a backup or admin shell holding the write lock does not stop page reads; a writer waits the busy
    timeout, then is told the store is busy (not "unexpected error") and nothing is stored."""
    import sqlite3

    import geo.layerstore as layerstore

    monkeypatch.setattr(layerstore, "BUSY_TIMEOUT_S", 1)
    monkeypatch.setattr(layerstore, "SQLITE_OPTIONS", {"connect_args": {"timeout": 1}})
    store = make_store("sqlite", tmp_path, layer_ids=("boundary", "health_facilities"))
    editor = signed_in_editor(store, "aigul", (CITY,))
    admin = sqlite3.connect(tmp_path / "store.sqlite", isolation_level=None)
    admin.execute("BEGIN IMMEDIATE")  # an admin shell in the middle of a change
    try:
        started = time.monotonic()
        assert len(store.read_layer("health_facilities", CITY)) > 0  # reads go on
        with pytest.raises(StoreBusy):
            save_dossier(store, editor, CITY, CityEntries({"territory": "x"}), "while locked")
        assert time.monotonic() - started < 10
    finally:
        admin.execute("ROLLBACK")
        admin.close()
    assert store.dossier_entries(CITY) is None
    save_dossier(store, editor, CITY, CityEntries({"territory": "x"}), "after")  # recovers by itself
    assert saved(store).narratives == {"territory": "x"}


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs (root only): a real disk that fills up, as a server's does."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16M", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.slow
def test_a_full_disk_is_said_as_full_and_leaves_the_store_as_it_was(small_disk):
    import shutil

    store = make_store("sqlite", small_disk, layer_ids=("boundary", "health_facilities"))
    editor = signed_in_editor(store, "aigul", (CITY,))
    frame = store.read_layer("health_facilities", CITY)
    before = store.history("health_facilities", CITY)[0].version
    filler = small_disk / "filler"
    with open(filler, "wb") as out:  # everything but 64 kB taken by another file
        out.write(b"\0" * max(0, shutil.disk_usage(small_disk).free - 64 * 1024))
    big = frame.loc[frame.index.repeat(200)].reset_index(drop=True)
    with pytest.raises(StoreFull):
        store.commit("health_facilities", CITY, big, editor, "big.geojson")
    assert store.history("health_facilities", CITY)[0].version == before
    assert len(store.read_layer("health_facilities", CITY)) == len(frame)
    filler.unlink()  # the administrators free space: the store works again, nothing to restart
    assert store.commit("health_facilities", CITY, big, editor, "big.geojson").version == before + 1
    store.close()


@pytest.mark.slow
def test_a_silent_database_fails_in_seconds_instead_of_hanging():
    """A PostgreSQL address that accepts connections and never answers (a partition, a dead proxy): opening the
    store says it is unavailable within the connect timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    stop = threading.Event()

    def swallow():  # accept and keep every connection, answer nothing
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    threading.Thread(target=swallow, daemon=True).start()
    port = listener.getsockname()[1]
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailable):
            LayerStore(f"postgresql+psycopg://atlas:atlas@127.0.0.1:{port}/{POSTGIS_DATABASE}")
        assert time.monotonic() - started < 20
    finally:
        stop.set()
        for connection in held:
            connection.close()
        listener.close()


class ForwardingProxy:
    """A TCP proxy on a free loopback port to PostgreSQL: the path a partition can cut without touching the
    other connections of the test run."""

    def __init__(self, target_port: int = 5432):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.target_port = target_port
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client = self.listener.accept()[0]
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


def iptables(*rule: str) -> subprocess.CompletedProcess:
    return subprocess.run(["iptables", *rule], capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.postgis
def test_a_partition_after_connecting_fails_a_read_in_seconds(tmp_path):
    """The database goes silent mid-session (packets to and from it dropped, as in a network partition): the next
    read is said unavailable once TCP keepalives and the user timeout give up, instead of hanging the page."""
    make_store("postgis", tmp_path).close()  # the test database, seeded (and skipped or failed as CI requires)
    proxy = ForwardingProxy()
    rules = [("-p", "tcp", "--dport", str(proxy.port), "-j", "DROP"),
             ("-p", "tcp", "--sport", str(proxy.port), "-j", "DROP")]
    store = LayerStore(f"postgresql+psycopg://atlas:atlas@127.0.0.1:{proxy.port}/{POSTGIS_DATABASE}")
    try:
        assert len(store.read_layer("boundary", CITY)) == 1
        for rule in rules:
            added = iptables("-I", "INPUT", *rule)
            if added.returncode != 0:
                pytest.skip(f"iptables cannot drop packets here: {added.stderr.strip()}")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.read_layer("boundary", CITY)
        assert time.monotonic() - started < 60
    finally:
        for rule in rules:
            iptables("-D", "INPUT", *rule)
        store.close()
        proxy.close()
