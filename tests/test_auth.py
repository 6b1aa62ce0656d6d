"""Editor accounts: salted hashes only, sign-in through the store, city limits, names that cannot impersonate,
throttled guessing (on an injected clock, no sleeping), and the command that makes the first editor."""
import stat

import pytest

from geo.auth import FAILURES_BEFORE_LOCK, FIRST_LOCK_S, SignInThrottle, normalise_username
from geo.errors import AccountError, CatalogueError, PermissionDenied, SignInThrottled
from geo.layerstore import Editor, LayerStore
from geo.writes import add_user

PASSWORD = "correct horse battery"


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock():
    return FakeClock()


@pytest.fixture()
def store(tmp_path, clock):
    layer_store = LayerStore(f"sqlite:///{tmp_path / 'accounts.sqlite'}", throttle=SignInThrottle(clock))
    yield layer_store
    layer_store.close()


def test_password_is_kept_only_as_a_salted_hash(store):
    add_user(store, "aigul", PASSWORD, "editor", ("bishkek",))
    add_user(store, "timur", PASSWORD, "editor", "all")
    first, second = store.load_user("aigul")[0], store.load_user("timur")[0]
    assert "correct horse" not in first and first.startswith("$argon2id$")
    assert first != second  # same password, different salt


def test_sign_in_checks_the_password_and_keeps_the_city_limit(store):
    add_user(store, "aigul", PASSWORD, "editor", ("bishkek", "osh"))
    editor = store.sign_in("aigul", PASSWORD)
    assert editor is not None and editor.can_edit("osh") and not editor.can_edit("almaty")
    assert store.sign_in("aigul", "wrong horse battery") is None
    assert store.sign_in("nobody", PASSWORD) is None
    add_user(store, "guest", PASSWORD, "viewer")
    assert not store.sign_in("guest", PASSWORD).can_edit("osh")
    add_user(store, "timur", PASSWORD, "editor", "all")
    assert store.sign_in("timur", PASSWORD).can_edit("almaty")


def test_bad_accounts_are_refused_with_reasons(store):
    with pytest.raises(AccountError, match="at least 12"):
        add_user(store, "aigul", "short", "editor", ("bishkek",))
    with pytest.raises(AccountError, match="user name"):
        add_user(store, "robert'); DROP TABLE atlas_users;--", PASSWORD, "editor", ("bishkek",))
    with pytest.raises(CatalogueError, match="unknown city"):
        add_user(store, "aigul", PASSWORD, "editor", ("atlantis",))
    with pytest.raises(AccountError, match="needs the cities"):
        add_user(store, "aigul", PASSWORD, "editor", ())  # never read as "every city"
    with pytest.raises(AccountError, match="at most"):
        add_user(store, "aigul", "x" * 5000, "editor", ("bishkek",))
    assert store.usernames() == []


def test_names_differing_by_case_width_or_look_alike_letters_are_one_name(store):
    assert normalise_username("  AiGul ") == "aigul"
    assert normalise_username("ＡＩＧＵＬ") == "aigul"  # fullwidth, folded by NFKC
    assert normalise_username("Айгүл") == "айгүл"  # one script: Cyrillic names are fine
    with pytest.raises(AccountError, match="one script"):
        normalise_username("аigul")  # Cyrillic а, Latin igul
    add_user(store, "Aigul", PASSWORD, "editor", ("bishkek",))
    for same in ("aigul", "AIGUL", "ＡＩＧＵＬ"):
        with pytest.raises(AccountError, match="exists already"):
            add_user(store, same, PASSWORD, "editor", ("osh",))
    add_user(store, "opec", PASSWORD, "editor", ("osh",))
    with pytest.raises(AccountError, match="reads the same"):
        add_user(store, "орес", PASSWORD, "editor", ("osh",))  # all Cyrillic letters that look like "opec"
    assert store.usernames() == ["aigul", "opec"]
    assert store.load_user("aigul")[2] == ("bishkek",)  # not replaced
    assert store.sign_in("AIGUL", PASSWORD).username == "aigul"


def test_an_account_is_replaced_only_when_asked(store):
    add_user(store, "aigul", PASSWORD, "editor", ("bishkek",))
    add_user(store, "aigul", "another long sentence", "editor", ("osh",), replace=True)
    assert store.load_user("aigul")[2] == ("osh",)
    assert store.sign_in("aigul", PASSWORD) is None and store.sign_in("aigul", "another long sentence")


def test_guessing_is_throttled_per_account_and_per_client(store, clock):
    add_user(store, "aigul", PASSWORD, "editor", ("bishkek",))
    for _ in range(FAILURES_BEFORE_LOCK):
        assert store.sign_in("aigul", "wrong guess 123", client="10.0.0.9") is None
    with pytest.raises(SignInThrottled) as throttled:
        store.sign_in("aigul", PASSWORD, client="10.0.0.7")  # the right password waits too, from anywhere
    assert throttled.value.retry_after_s == FIRST_LOCK_S and "try again in 30 s" in str(throttled.value)
    with pytest.raises(SignInThrottled):
        store.sign_in("timur", PASSWORD, client="10.0.0.9")  # the guessing client waits for every account
    clock.now += FIRST_LOCK_S
    assert store.sign_in("aigul", "wrong guess 456", client="10.0.0.7") is None  # one more wrong: longer lock
    with pytest.raises(SignInThrottled) as longer:
        store.sign_in("aigul", PASSWORD, client="10.0.0.7")
    assert longer.value.retry_after_s == 2 * FIRST_LOCK_S
    clock.now += 2 * FIRST_LOCK_S
    assert store.sign_in("aigul", PASSWORD, client="10.0.0.7").username == "aigul"
    assert store.sign_in("aigul", "wrong again 789", client="10.0.0.7") is None  # a success reset the count
    assert store.sign_in("aigul", PASSWORD, client="10.0.0.7") is not None


def test_the_store_takes_writes_only_from_editors_it_signed_in(store):
    store.seed(layer_ids=("boundary", "health_facilities"))
    add_user(store, "aigul", PASSWORD, "editor", ("bishkek",))
    layer = store.read_layer("health_facilities", "bishkek")
    before = store.snapshot()
    forged = Editor("aigul", "editor", ("bishkek",))
    copied_token = Editor("aigul", "editor", ("bishkek", "osh"), session=store.sign_in("aigul", PASSWORD).session)
    for editor in (forged, copied_token):
        with pytest.raises(PermissionDenied, match="not signed in"):
            store.commit("health_facilities", "bishkek", layer, editor, "x.geojson")
        with pytest.raises(PermissionDenied):
            store.rollback("health_facilities", "bishkek", 1, editor)
    assert store.snapshot() == before
    real = store.sign_in("aigul", PASSWORD)
    store.commit("health_facilities", "bishkek", layer, real, "x.geojson")
    store.sign_out(real)
    with pytest.raises(PermissionDenied):
        store.commit("health_facilities", "bishkek", layer, real, "x.geojson")


def test_the_sqlite_store_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "user" / "atlas.sqlite"
    LayerStore(f"sqlite:///{path}").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)  # a store made by an older version is tightened when opened
    LayerStore(f"sqlite:///{path}").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture
def users_add(geo_cli, tmp_path):
    """`python -m geo users add ARGS --password-stdin` on a store in tmp_path, the password piped in."""
    def run(*args, password=PASSWORD):
        return geo_cli("users", "add", *args, "--password-stdin", env={"ATLAS_USER_DIR": str(tmp_path)},
                       stdin=password + "\n")
    return run


def test_the_first_editor_is_made_from_the_command_line(users_add, tmp_path):
    made = users_add("aigul", "--cities", "bishkek")
    assert made.returncode == 0, made.stderr
    assert "editor aigul saved for bishkek" in made.text
    refused = users_add("bob", "--cities", "osh", password="short")
    assert refused.returncode == 2 and "at least 12 characters" in refused.stderr
    no_cities = users_add("bob", "--cities", ",")
    assert no_cities.returncode == 2 and "say which cities" in no_cities.stderr
    again = users_add("AIGUL", "--cities", "osh")
    assert again.returncode == 2 and "exists already" in again.stderr
    replaced = users_add("aigul", "--cities", "osh,bishkek", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    store = LayerStore(f"sqlite:///{tmp_path / 'atlas.sqlite'}")
    assert store.sign_in("aigul", PASSWORD).cities == ("osh", "bishkek")
    assert "bob" not in store.usernames()
    store.close()


def test_a_store_that_cannot_open_says_so_without_host_user_or_path(tmp_path):
    from geo.errors import StoreUnavailable
    url = "postgresql+psycopg://atlas_admin:s3cret-pass@127.0.0.1:5432/atlas_test"
    with pytest.raises(StoreUnavailable) as refused:
        LayerStore(url)
    not_a_folder = tmp_path / "user-data"
    not_a_folder.write_text("a file where the user-data folder should be")  # unwritable even for root
    with pytest.raises(StoreUnavailable) as unwritable:
        LayerStore(f"sqlite:///{not_a_folder / 'atlas.sqlite'}")
    for error in (refused.value, unwritable.value):
        text = str(error)
        assert "cannot be opened" in text
        for secret in ("atlas_admin", "s3cret", "127.0.0.1", "5432", str(tmp_path), "Traceback"):
            assert secret not in text



@pytest.mark.parametrize("password, reason", [
    (" " * 14, "only spaces"),
    ("password1234", "contains 'password'"),
    ("aigul-is-the-best", "contains 'aigul'"),
    ("Bishkek2026!!", "contains 'bishkek'"),
    ("qwertyuiop12", "too easy to guess"),
    ("1234567890123", "too easy to guess"),
])
def test_guessable_passwords_are_refused_as_owasp_asks(store, password, reason):
    """ASVS 2.1: at least 12 characters, not only spaces, no account name, city or service word inside, and not
    guessable from lists of common passwords and patterns (zxcvbn)."""
    with pytest.raises(AccountError, match=reason):
        add_user(store, "aigul", password, "editor", ("bishkek",))
    assert "aigul" not in store.usernames()


def test_a_password_piped_from_any_platform_loses_its_line_ending(users_add, tmp_path):
    made = users_add("aigul", "--cities", "bishkek", password=PASSWORD + "\r")  # Windows line ending
    assert made.returncode == 0, made.stderr
    store = LayerStore(f"sqlite:///{tmp_path / 'atlas.sqlite'}")
    assert store.sign_in("aigul", PASSWORD) is not None
