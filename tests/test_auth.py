"""Editor accounts: salted hashes only, sign-in, city limits, and the command that makes the first editor."""
import subprocess
import sys

import pytest

from geo.auth import AccountError, add_user, sign_in
from geo.errors import CatalogueError
from geo.layerstore import LayerStore


@pytest.fixture()
def store(tmp_path):
    layer_store = LayerStore(f"sqlite:///{tmp_path / 'accounts.sqlite'}")
    yield layer_store
    layer_store.close()


def test_password_is_kept_only_as_a_salted_hash(store):
    add_user(store, "aigul", "correct horse battery", "editor", ("bishkek",))
    add_user(store, "timur", "correct horse battery", "editor")
    first, second = store.load_user("aigul")[0], store.load_user("timur")[0]
    assert "correct horse" not in first and first.startswith("$argon2id$")
    assert first != second  # same password, different salt


def test_sign_in_checks_the_password_and_keeps_the_city_limit(store):
    add_user(store, "aigul", "correct horse battery", "editor", ("bishkek", "osh"))
    editor = sign_in(store, "aigul", "correct horse battery")
    assert editor is not None and editor.can_edit("osh") and not editor.can_edit("almaty")
    assert sign_in(store, "aigul", "wrong horse battery") is None
    assert sign_in(store, "nobody", "correct horse battery") is None
    add_user(store, "guest", "correct horse battery", "viewer")
    assert not sign_in(store, "guest", "correct horse battery").can_edit("osh")


def test_bad_accounts_are_refused_with_reasons(store):
    with pytest.raises(AccountError, match="at least 10"):
        add_user(store, "aigul", "short")
    with pytest.raises(AccountError, match="user name"):
        add_user(store, "robert'); DROP TABLE atlas_users;--", "correct horse battery")
    with pytest.raises(CatalogueError, match="unknown city"):
        add_user(store, "aigul", "correct horse battery", "editor", ("atlantis",))
    assert store.load_user("aigul") is None


def test_the_first_editor_is_made_from_the_command_line(tmp_path):
    env = {"ATLAS_USER_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    made = subprocess.run([sys.executable, "-m", "geo", "users", "add", "aigul", "--cities", "bishkek",
                           "--password-stdin"], input="correct horse battery\n", capture_output=True, text=True,
                          env=env)
    assert made.returncode == 0, made.stderr
    assert "editor aigul saved for bishkek" in made.stdout
    refused = subprocess.run([sys.executable, "-m", "geo", "users", "add", "bob", "--password-stdin"],
                             input="short\n", capture_output=True, text=True, env=env)
    assert refused.returncode == 2 and "at least 10 characters" in refused.stderr
    store = LayerStore(f"sqlite:///{tmp_path / 'atlas.sqlite'}")
    assert sign_in(store, "aigul", "correct horse battery").cities == ("bishkek",)
    store.close()
