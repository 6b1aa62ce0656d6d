"""The Atlas's own error types, so callers can tell bad data from bugs."""


class AtlasError(Exception):
    """Base class of every error the Atlas raises on purpose."""


class CatalogueError(AtlasError):
    """The city catalogue is malformed, or a city id is unknown."""


class LayerValidationError(AtlasError):
    """A layer does not match its registry entry (columns, geometry type, CRS, values)."""


class DataMissingError(AtlasError):
    """An embedded data file the Atlas needs is absent; rebuild with `python -m geo.build`."""
