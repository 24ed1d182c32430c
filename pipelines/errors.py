"""Errors the nightly run reports to people as one line, never as a stack trace.

Each has its own exit code (the CLI maps them, see `exit_code`) and says whether it is transient:
only a transient error is worth retrying (the Airflow DAG retries those and fails the others at once).

    exit  error                 meaning                                                  retried
    2     BatchBlocked          the extract cannot be used (file and rule named)         no
    2     TrainingRefused       `score train`: no examples or too little matured history no
    3     WarehouseBusy         another process is writing the DuckDB file               yes
    4     TransformFailed       a dbt model failed to build (SQL or engine error)        no
    5     DataTestFailed        a dbt data test failed: the night's data breaks a rule   no
    64    PolicyError           the policy file is invalid (file and key named)          no
    69    MissingDependency     a system package is missing (the package is named)       no
"""
from __future__ import annotations


class ArrearsError(Exception):
    """An error with a one-line message people can act on."""

    exit_code = 1
    transient = False
    label = "error"

    def __init__(self, message: str):
        # One line, whatever the cause carried (dbt and drivers put newlines in their messages).
        super().__init__(" ".join(str(message).split()))


class BatchBlocked(ArrearsError):
    """The night's extract cannot be used; nothing is published and the warehouse is untouched."""

    exit_code, label = 2, "batch blocked"


class WarehouseBusy(ArrearsError):
    """Another process is writing the DuckDB file; DuckDB allows a single writer. Transient."""

    exit_code, transient, label = 3, True, "warehouse busy"


class TransformFailed(ArrearsError):
    """A dbt model (or seed/snapshot) failed to build: a bug or an engine problem, not the extract's fault.
    The message names the model(s); nothing is published."""

    exit_code, label = 4, "transformation failed"


class DataTestFailed(ArrearsError):
    """A dbt data test failed: the models built, but the night's data breaks a rule the tests hold.
    The message names the test(s) and their model; nothing downstream is built, nothing is published."""

    exit_code, label = 5, "data test failed"


class PolicyError(ArrearsError):
    """The policy file is invalid; the message names the file and the offending key."""

    exit_code, label = 64, "policy"


class SourcesError(PolicyError):
    """The sources file (where the extract is pulled from) or its connection is misconfigured: a
    configuration error like a bad policy (exit 64)."""

    label = "sources"


class ExtractMissing(BatchBlocked):
    """A business date's extract is missing although a newer one was delivered: it is not coming."""

    label = "extract missing"


class NotDelivered(BatchBlocked):
    """The lender has not finished delivering the extract (its manifest is not there yet): worth waiting for."""


class MissingDependency(ArrearsError):
    """A system package the night needs is not installed; the message names the package."""

    exit_code, label = 69, "missing system dependency"


def one_line(exc: ArrearsError) -> str:
    """`arrears: <label>: <message>`, what the CLI prints on stderr."""
    return f"arrears: {exc.label}: {exc}"
