"""Editor accounts: browsing needs none; importing, editing and rolling back need an editor of the city.
Passwords are kept only as Argon2id salted hashes (argon2-cffi); user names are compared as NFKC case-folded
text in one script, so "Aigul", "ＡＩＧＵＬ" and a Cyrillic look-alike cannot be three accounts; failed sign-ins
are throttled per account and per client. Signing in is the store's own act (LayerStore.sign_in), so the
store can refuse writes from an Editor it did not hand out.

    python -m geo users add NAME --cities bishkek,osh   # or --cities all; asks for the password
"""
from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from geo.cities import get_city
from geo.errors import AccountError

MIN_PASSWORD_LENGTH = 12  # OWASP ASVS 4.0 2.1.1
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable" against an offline slow-hash attack
CONTEXT_WORDS = ("atlas", "healthy", "cities", "who", "password", "admin")  # this service's own words
MAX_PASSWORD_LENGTH = 1024  # Argon2 hashes anything; a megabyte "password" is only a way to spend server time
MAX_USERNAME_LENGTH = 64
ROLES = ("editor", "viewer")
ALL_CITIES = "all"  # --cities all: an editor of every city, said explicitly
FAILURES_BEFORE_LOCK = 5  # wrong passwords in a row (per account, and per client) before waiting is required
FIRST_LOCK_S = 30.0
MAX_LOCK_S = 900.0
_HASHER = PasswordHasher()


def _script(character: str) -> str:
    """The script of a letter ("LATIN", "CYRILLIC", ...), '' for digits and punctuation."""
    if not character.isalpha():
        return ""
    return unicodedata.name(character, "UNKNOWN").split(" ")[0]


def normalise_username(username: str) -> str:
    """The account name as it is compared and stored: NFKC, case-folded, stripped; AccountError for a name
    that is empty, too long, has characters other than letters, digits, '-', '_', '.', or mixes scripts."""
    name = unicodedata.normalize("NFKC", username).casefold().strip()
    if not name or len(name) > MAX_USERNAME_LENGTH:
        raise AccountError(f"a user name is 1 to {MAX_USERNAME_LENGTH} letters, digits, '-', '_' or '.'")
    if not all(c.isalnum() or c in "-_." for c in name):
        raise AccountError("a user name is letters, digits, '-', '_' or '.'")
    scripts = {_script(c) for c in name} - {""}
    if len(scripts) > 1:
        raise AccountError(f"a user name is written in one script, not {' and '.join(sorted(scripts)).lower()}")
    return name


# Letters of other scripts that read as Latin ones (after NFKC and case-folding): two names with the same
# skeleton are one name to a reader, so the second is refused.
_LOOK_ALIKES = str.maketrans("аеорсухіјѕһԁԛԝӏɑαορντκι", "aeopcyxijshdqwlaaopvtki")


def name_skeleton(name: str) -> str:
    """The name as a reader sees it: look-alike letters of other scripts mapped to the Latin ones."""
    return normalise_username(name).translate(_LOOK_ALIKES)


def password_problem(password: str, username: str, cities: tuple[str, ...] = ()) -> str:
    """Why a new password is refused (OWASP ASVS 2.1, NIST SP 800-63B 5.1.1.2), '' when it is fine: fewer than
    MIN_PASSWORD_LENGTH characters, nothing but spaces, the account's name, its cities or this service's words
    inside it, or guessable from lists of common passwords, words, names and keyboard patterns (zxcvbn)."""
    if not password.strip():
        return "the password cannot be only spaces"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password may have at most {MAX_PASSWORD_LENGTH} characters"
    context = [username, *CONTEXT_WORDS]
    for city_id in cities:
        if city_id != ALL_CITIES:
            context += [city_id, *get_city(city_id).names.values()]
    folded = password.casefold()
    word = next((w for w in context if len(w) >= 3 and w.casefold() in folded), None)
    if word:
        return f"the password contains '{word}', which anyone who knows the account can guess"
    if zxcvbn(password[:72], user_inputs=context)["score"] < MIN_PASSWORD_SCORE:  # zxcvbn reads 72 at most
        return "the password is too easy to guess (a common password, word or pattern); use a few unrelated words"
    return ""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether the password fits the hash; an unknown account (None) costs the same time as a real check."""
    if password_hash is None or len(password) > MAX_PASSWORD_LENGTH:
        _HASHER.hash(password[:MAX_PASSWORD_LENGTH])
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass
class SignInThrottle:
    """Counts failed sign-ins per account and per client; after FAILURES_BEFORE_LOCK in a row, each further
    try waits a lock that doubles (30 s, 60 s, ... up to 15 min). The clock is injectable for tests."""
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, int] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)

    def retry_after(self, *keys: str) -> int:
        """Seconds until a try is allowed for every key (0: now)."""
        now = self.clock()
        wait = max((self._locked_until.get(k, 0.0) - now for k in keys if k), default=0.0)
        return max(0, int(wait + 0.999))

    def failed(self, *keys: str) -> None:
        for key in filter(None, keys):
            count = self._failures.get(key, 0) + 1
            self._failures[key] = count
            if count >= FAILURES_BEFORE_LOCK:
                lock = min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** (count - FAILURES_BEFORE_LOCK))
                self._locked_until[key] = self.clock() + lock

    def succeeded(self, account_key: str) -> None:
        """A right password clears the account's count (a client's count stays: it may be guessing many)."""
        self._failures.pop(account_key, None)
        self._locked_until.pop(account_key, None)
