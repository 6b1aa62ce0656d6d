"""Every change to the store goes through here, checked first, so a rejected write leaves the store as it was:
imported files (read, checked, then committed), water samples, OpenStreetMap layers, rollbacks, the dossier's
entries and accounts. The store (geo.layerstore) only persists; pages, the CLI and the tests call these."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.auth import (
    ALL_CITIES,
    ROLES,
    hash_password,
    name_skeleton,
    normalise_username,
    password_problem,
)
from geo.cities import City, get_city
from geo.dossier import CityEntries, checked, merged_sections
from geo.errors import AccountError, ImportRejected
from geo.imports import Prepared, default_mapping, prepare
from geo.layerstore import Editor, LayerStore, Version
from geo.osm import derive_layers, registry_frame
from geo.readers import read_file
from geo.water import samples_layer


def checked_import(store: LayerStore, editor: Editor, city: City, layer_id: str, name: str, content: bytes,
                   licence: str, mapping: dict[str, str] | None = None, declared_crs: str = "",
                   raw: gpd.GeoDataFrame | None = None) -> Prepared:
    """A file checked as the city's layer, nothing stored: the layer as it would be, repairs and problems.
    `raw`: the file as geo.readers.read_file gave it already (the page reads it once to offer the mapping)."""
    store.require_editor(editor, city.id)
    raw = read_file(name, content, declared_crs) if raw is None else raw
    boundary = store.read_layer("boundary", city.id).geometry.iloc[0]
    return prepare(raw, layer_id, city, boundary, mapping if mapping is not None else default_mapping(raw, layer_id),
                   f"{name}, imported by {editor.username}", licence)


def import_file(store: LayerStore, editor: Editor, city: City, layer_id: str, name: str, content: bytes,
                licence: str, mapping: dict[str, str] | None = None, declared_crs: str = "",
                based_on: int | None = None) -> tuple[Version, Prepared]:
    """Check a file and, only if it passes, store it as the city's new layer version (one transaction); with
    `based_on` (the version the editor saw), WriteConflict when another write came first."""
    prepared = checked_import(store, editor, city, layer_id, name, content, licence, mapping, declared_crs)
    if prepared.problems:
        raise ImportRejected(prepared.problems)
    return store.commit(layer_id, city.id, prepared.frame, editor, name, based_on=based_on), prepared


def store_water_samples(store: LayerStore, editor: Editor, city: City, judged: pd.DataFrame, file_name: str,
                        licence: str) -> Version:
    """A checked sampling file (geo.water.read_water_csv) kept as the city's water-samples layer, a new version."""
    layer = samples_layer(judged, city.id, f"{file_name}, stored by {editor.username}", licence)
    return store.commit("water_samples", city.id, layer, editor, file_name)


def store_osm_layers(store: LayerStore, editor: Editor, city: City, elements: gpd.GeoDataFrame, source: str,
                     file_name: str) -> list[Version]:
    """Every layer of the tag table derived from OpenStreetMap elements inside the city, stored as new versions
    in one transaction."""
    boundary = store.read_layer("boundary", city.id).geometry.iloc[0]
    derived = derive_layers(elements[elements.intersects(boundary)], source)
    frames = {layer_id: registry_frame(layer_id, frame, city.id) for layer_id, frame in derived.items() if len(frame)}
    return store.commit_many(city.id, frames, editor, file_name, note=source)


def save_plan(store: LayerStore, editor: Editor, city: City, sites: gpd.GeoDataFrame, note: str,
              based_on: int | None = None) -> Version:
    """A solved siting plan (geo.siting.plan_layer) kept as the city's planned_sites layer, a new version."""
    return store.commit("planned_sites", city.id, sites, editor, "siting plan", note=note, based_on=based_on)


def roll_back_layer(store: LayerStore, editor: Editor, city: City, layer_id: str, version: int,
                    based_on: int | None = None) -> Version:
    """An earlier version of the city's layer made current again, itself as a new version."""
    return store.rollback(layer_id, city.id, version, editor, based_on=based_on)


def save_dossier(store: LayerStore, editor: Editor, city_id: str, entries: CityEntries, note: str,
                 based_on: int | None = None) -> Version:
    """The city's dossier entries as its new version, DossierRejected (nothing stored) unless every entry passes
    geo.dossier's checks. With `based_on` (the version the editor opened), the sections this save changed are
    applied to a newer current version; WriteConflict names the author, time and text of a section another
    editor changed meanwhile."""
    entries = checked(entries)

    def merge(base: str | None, current: str | None) -> tuple[str, tuple[str, str] | None]:
        merged, clash = merged_sections(CityEntries.from_json(base), entries, CityEntries.from_json(current))
        return merged.to_json(), clash

    return store.save_dossier(city_id, entries.to_json(), editor, note, based_on, merge)


def roll_back_dossier(store: LayerStore, editor: Editor, city_id: str, version: int) -> Version:
    """An earlier version of the city's dossier entries made current again, itself as a new version."""
    return store.rollback_dossier(city_id, version, editor)


def add_user(store: LayerStore, username: str, password: str, role: str = "editor",
             cities: tuple[str, ...] | str = (), replace: bool = False) -> str:
    """Create an account (or replace one, only when asked); returns the stored, normalised name.

    Editors name their cities, or ALL_CITIES; an empty list is refused rather than read as "every city"."""
    name = normalise_username(username)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if cities == ALL_CITIES or cities == (ALL_CITIES,):
        cities = (ALL_CITIES,)
    else:
        cities = tuple(cities)
        for city_id in cities:
            get_city(city_id)  # CatalogueError names the known cities
        if role == "editor" and not cities:
            raise AccountError(f"an editor needs the cities they may change (e.g. bishkek,osh), or '{ALL_CITIES}'")
    problem = password_problem(password, name, cities)
    if problem:
        raise AccountError(problem)
    password_hash = hash_password(password)
    look_alike = next((other for other in store.usernames() if other != name
                       and name_skeleton(other) == name_skeleton(name)), None)
    if look_alike is not None:
        raise AccountError(f"'{name}' reads the same as the existing account '{look_alike}'; choose another name")
    if not store.save_user(name, password_hash, role, cities, replace=replace):
        raise AccountError(f"an account '{name}' exists already; replace it explicitly (--replace) if meant")
    return name

