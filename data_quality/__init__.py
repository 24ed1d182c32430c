"""Customer data quality: GX Core suites for every landing file, named correction rules,
restoration of lost records from history, one person per national id, and the data-steward
report. The nightly step is `validate_step`, run after ingest and before dbt
(docs/data-quality.md)."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.settings import Paths


def validate_step(as_of: date, paths: "Paths", run_id: str, data_docs: bool = True) -> dict:
    """Validate, correct and restore one business date (data_quality.step.validate_step).

    Imported on first call: Great Expectations takes seconds to import, which the CLI's other
    commands and Airflow's DAG parsing should not pay."""
    return _step_module().validate_step(as_of, paths, run_id, data_docs=data_docs)


def _step_module():
    """data_quality.step, with Great Expectations imported without SQLAlchemy when nothing in the
    process has imported either yet. GX imports SQLAlchemy whenever it is installed (Airflow installs
    it) for its SQL data sources only; this validation is pandas-only, and the import is 0.5-0.7 s
    CPU of every validate process (docs/performance.md). A later `import sqlalchemy` in the same
    process works as usual; GX then simply has no SQL data sources."""
    import sys

    hide = "sqlalchemy" not in sys.modules and "great_expectations" not in sys.modules
    if hide:
        sys.modules["sqlalchemy"] = None     # `import sqlalchemy` raises ImportError: GX skips it
    try:
        from data_quality import step
    finally:
        if hide and "sqlalchemy" in sys.modules and sys.modules["sqlalchemy"] is None:
            del sys.modules["sqlalchemy"]
    return step


__all__ = ["validate_step"]
