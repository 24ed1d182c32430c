"""Customer data quality: GX Core suites for every landing file, named correction rules,
restoration of lost records from history, one person per national id, and the data-steward
report. The nightly step is `validate_step`, run after ingest and before dbt
(docs/data-quality.md)."""
from data_quality.step import validate_step

__all__ = ["validate_step"]
