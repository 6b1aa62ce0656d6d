"""Warming the shared caches at the first run: once per process, in the background, with the same figures the
pages compute."""
import logging

from components import data, warmup
from geo.cities import member_cities
from geo.indicators import latest_values


def test_warming_starts_once_and_fills_the_caches_with_the_pages_figures(monkeypatch, caplog):
    assert warmup.warm_shared_caches() is None  # switched off for the tests (conftest)
    monkeypatch.delenv(warmup.WARM_ENV)
    monkeypatch.setattr(warmup, "_THREADS", [])
    data.forget_layers()
    with caplog.at_level(logging.ERROR, logger="atlas.warmup"):
        thread = warmup.warm_shared_caches()
        assert warmup.warm_shared_caches() is thread  # a second session's run starts nothing new
        thread.join(timeout=600)
    assert not thread.is_alive() and not caplog.records
    warmed = data.all_latest()
    assert set(warmed["city_id"]) == {c.id for c in member_cities()}
    expected = latest_values(data.city_values("almaty")).set_index("indicator_id")["value"].sort_index()
    got = warmed[warmed["city_id"] == "almaty"].set_index("indicator_id")["value"].sort_index()
    assert got.fillna(-1).equals(expected.fillna(-1))
    data.forget_layers()
