"""Errors the nightly run reports to people as one line, never as a stack trace."""


class BatchBlocked(Exception):
    """The night's extract cannot be used; nothing is published and the warehouse is untouched."""


class WarehouseBusy(Exception):
    """Another process is writing the DuckDB file; DuckDB allows a single writer."""


class PolicyError(Exception):
    """The policy file is invalid; the message names the file and the offending key."""


class ExtractMissing(Exception):
    """A business date's extract is missing although a newer one was delivered: it is not coming."""


class SourcesError(Exception):
    """The sources file (where the extract is pulled from) or its connection is misconfigured."""


class NotDelivered(BatchBlocked):
    """The lender has not finished delivering the extract (its manifest is not there yet): worth waiting for."""
