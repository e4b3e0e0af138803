"""Errors the warehouse raises; the CLI turns them into one-line messages."""


class WarehouseError(Exception):
    """Base class."""


class WarehouseMissing(WarehouseError):
    """The warehouse file does not exist yet."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse file."""


class QueryError(WarehouseError):
    """The SQL failed."""
