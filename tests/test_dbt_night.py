"""What a night costs in dbt: the date in the environment keeps dbt's parse from one night to the next,
`arrears run` builds the night in one dbt invocation, and the marts are those of a build with the date
as a dbt var (how every night was built before; what tests and one-off dbt commands still do).

One book of three nights (tests/test_backfill.py's, across a month end: late, repeated and reversed
payments, a phone change, a lost loan, an agency placement) is built into two warehouses, then every
marts table is compared row for row (bench/compare_marts.py). The first build is the session's shared
in-order build of that book (tests.conftest.backfill_in_order, which the order test starts from): this
test reads it and its dbt log, and builds the second one itself.
"""
from __future__ import annotations

import os
import re
from datetime import date

import pytest

from bench.compare_marts import compare_marts
from pipelines import nightly, transform
from pipelines.policy import load_policy
from pipelines.warehouse import duckdb_settings
from tests.test_backfill import NIGHTS, _landing, _paths  # the order test's book and its night's paths

pytestmark = pytest.mark.slow


def _ingest_and_validate(paths, as_of: date) -> None:
    run = nightly.new_run_id(as_of)
    nightly.ingest_step(as_of, paths, run)
    nightly.validate_step(as_of, paths, run, data_docs=False)


def _invocations(log_text: str) -> list[str]:
    """dbt.log split at each invocation's first line."""
    return [part for part in re.split(r"\n(?=.*Running with dbt=)", log_text) if "Running with dbt=" in part]


def test_nights_keep_the_parse_and_build_the_marts_of_the_build_with_the_date_as_a_var(tmp_path, backfill_in_order):
    _landing(tmp_path / "landing")
    by_var = _paths(tmp_path, "by_var")
    # `arrears run`: one invocation a night, the date in the environment. The session's in-order build
    # of the book (tests.conftest.backfill_in_order: ingest, validate, nightly.transform_step a night
    # on a new warehouse), read only.
    night = _paths(backfill_in_order, "in_order")
    policy_vars = load_policy(night.policy).dbt_vars()

    for as_of in NIGHTS:  # as before: the date a dbt var (a full parse each night)
        _ingest_and_validate(by_var, as_of)
        transform.run_dbt([*transform.step_args(transform.NIGHT), "--vars", transform.dbt_vars(as_of, **policy_vars)],
                          by_var.warehouse)

    assert compare_marts(night.warehouse, by_var.warehouse) == []

    log = (night.warehouse.parent / ".dbt" / "logs" / "dbt.log").read_text(errors="replace")
    runs = _invocations(log)
    assert len(runs) == len(NIGHTS)  # one dbt invocation a night
    assert "Unable to do partial parsing because saved manifest not found" in runs[0]
    for later in runs[1:]:  # a new date is not a change dbt parses again for
        assert "Unable to do partial parsing" not in later
        assert "Partial parsing enabled" in later
    # the date in the environment is for the invocation only
    assert transform.AS_OF_ENV not in os.environ
    # dbt's own DuckDB connection gets the pipeline's memory limit, threads and spill folder (on-run-start)
    settings = duckdb_settings(night.warehouse)
    for run in runs:
        for name, value in settings.items():
            assert f"set {name} = '{value}';" in run
