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
    from data_quality.step import validate_step as step

    return step(as_of, paths, run_id, data_docs=data_docs)


__all__ = ["validate_step"]
