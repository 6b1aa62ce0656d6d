"""Editor accounts: browsing needs none; importing, editing and rolling back need an editor, possibly limited
to given cities. Passwords are kept only as Argon2id salted hashes (argon2-cffi).

    python -m geo users add NAME [--cities bishkek,osh]   # asks for the password (or --password-stdin)
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.cities import get_city
from geo.errors import AtlasError
from geo.layerstore import Editor, LayerStore

MIN_PASSWORD_LENGTH = 10
ROLES = ("editor", "viewer")
_HASHER = PasswordHasher()


class AccountError(AtlasError):
    """An account cannot be created as asked (name, password, role or city)."""


def add_user(store: LayerStore, username: str, password: str, role: str = "editor",
             cities: tuple[str, ...] = ()) -> Editor:
    """Create or replace an account; the password is stored only as a salted Argon2id hash."""
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise AccountError("a user name is letters, digits, '-', '_' or '.'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    for city_id in cities:
        get_city(city_id)  # CatalogueError names the known cities
    store.save_user(username, _HASHER.hash(password), role, tuple(cities))
    return Editor(username, role, tuple(cities))


def sign_in(store: LayerStore, username: str, password: str) -> Editor | None:
    """The account if the password matches, else None (the same answer for an unknown name)."""
    row = store.load_user(username)
    if row is None:
        _HASHER.hash(password)  # spend the same time as a real check
        return None
    password_hash, role, cities = row
    try:
        _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return Editor(username, role, cities)
