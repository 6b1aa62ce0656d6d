"""Every error the Atlas raises on purpose, in one place, so callers can tell bad input and unavailable
services from bugs. Errors about input carry Problems (geo.problems): what is wrong and where."""
from __future__ import annotations

from geo.problems import Problem


class AtlasError(Exception):
    """Base class of every error the Atlas raises on purpose."""


class CatalogueError(AtlasError):
    """The city catalogue is malformed, or a city id is unknown."""


class LayerValidationError(AtlasError):
    """A layer does not match its registry entry (columns, geometry type, CRS, values)."""


class DataMissingError(AtlasError):
    """An embedded data file the Atlas needs is absent; rebuild with `python -m geo.build`."""


# -- input ----------------------------------------------------------------------------------------------------
class InputRejected(AtlasError):
    """Input that cannot be stored as given; `problems` says every reason, with rows and columns."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.english() for p in problems[:5]))


class ImportRejected(InputRejected):
    """The file cannot become a layer (nothing was stored)."""


class DossierRejected(InputRejected):
    """The city's entries cannot be stored as given (nothing was stored)."""


class WaterDataError(AtlasError):
    """A water-quality file the Atlas cannot take; `problems` lists each one (a Problem: code and where, said
    in the UI language by the page) with its row and column."""

    def __init__(self, source_name: str, problems: list[Problem]):
        self.problems = problems
        english = [p.english() for p in problems]
        super().__init__(f"{source_name}: " + "; ".join(english[:10]) + (
            f"; and {len(english) - 10} more" if len(english) > 10 else ""))


class OsmError(AtlasError):
    """An OSM extract cannot be read, or the Overpass API cannot be reached; `problem` says what."""

    def __init__(self, code: str, **params: object):
        self.problem = Problem(code, params)
        super().__init__(self.problem.english())


# -- accounts and the store -----------------------------------------------------------------------------------
class AccountError(AtlasError):
    """An account cannot be created as asked (name, password, role or city)."""


class SignInThrottled(AtlasError):
    """Too many failed sign-ins for this account or from this client: `retry_after_s` to wait."""

    def __init__(self, retry_after_s: int):
        self.retry_after_s = retry_after_s
        super().__init__(f"too many failed sign-ins; try again in {retry_after_s} s")


class PermissionDenied(AtlasError):
    """The account may not write this city's layers (or is not signed in as an editor)."""


class SessionExpired(PermissionDenied):
    """The sign-in lapsed (SESSION_IDLE_S without a write, or SESSION_MAX_S since signing in)."""


class StoreUnavailable(AtlasError):
    """The store cannot be opened or reached (database down or silent, wrong password, folder not writable). The
    message says so without hosts, users or paths; the server log has the details."""


class StoreBusy(AtlasError):
    """Another writer (an import, a backup, an admin shell) held the store longer than the busy timeout: nothing
    was written; trying again in a moment works."""


class StoreFull(AtlasError):
    """The disk (or the database's tablespace) is full: nothing was written."""


class WriteConflict(AtlasError):
    """Someone else's write came first: the version this write was based on is no longer the current one. Says
    who changed it, when, and (for a dossier section) what they wrote, so nothing is overwritten unseen."""

    def __init__(self, author: str, created_at: str, section: str = "", theirs: str = ""):
        self.author, self.created_at, self.section, self.theirs = author, created_at, section, theirs
        where = f" (section {section})" if section else ""
        super().__init__(f"changed by {author} at {created_at}{where} since you opened it; nothing was stored")


class BatchError(AtlasError):
    """The batch cannot start as asked (no scheduler at the address, no workers)."""
