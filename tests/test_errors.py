"""Errors that say what happened: each kind has its own exit code and one line naming the culprit.

Real components throughout: a DuckDB lock held by another process, dbt runs on a real warehouse, the
letters engine without its fonts.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import duckdb
import pytest
import yaml

from pipelines import errors, nightly, transform
from pipelines.cli import main
from pipelines.errors import DataTestFailed, TransformFailed, WarehouseBusy
from pipelines.settings import DEFAULT_POLICY
from pipelines.warehouse import reader
from tests.extracts import small_book, write_extract

DAY = date(2026, 3, 15)


def _run(paths, *extra: str) -> int:
    return main(["run", "--as-of", str(DAY), "--landing", str(paths.landing), "--warehouse", str(paths.warehouse),
                 "--out", str(paths.out), *extra])


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


def test_exit_codes_are_distinct_and_only_a_busy_warehouse_is_transient():
    kinds = [c for c in vars(errors).values() if isinstance(c, type) and errors.ArrearsError in c.__bases__]
    codes = {c.exit_code for c in kinds}
    assert len(codes) == len(kinds) and {2, 3, 64} <= codes
    assert [c.__name__ for c in kinds if c.transient] == ["WarehouseBusy"]
    assert "\n" not in str(TransformFailed("model x:\n  syntax error\n at line 3"))


def test_a_busy_warehouse_exits_3_and_names_the_file(paths, capsys):
    write_extract(paths.landing, DAY, small_book())
    paths.warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(120)", str(paths.warehouse)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert _run(paths) == 3
        line = _one_line(capsys)
        assert line.startswith("arrears: warehouse busy: ") and str(paths.warehouse) in line
        with pytest.raises(WarehouseBusy):  # dbt meeting the lock says the same, not "batch blocked"
            transform.run_step(DAY, paths.warehouse, "staging")
    finally:
        holder.kill()
        holder.wait()


def test_a_bad_visit_policy_exits_64_naming_file_and_key(paths, capsys, tmp_path):
    write_extract(paths.landing, DAY, small_book())
    policy = tmp_path / "policy.yaml"
    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    document["contact"]["visits"]["hours"] = {"start": "22:00", "end": "23:00"}
    policy.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert _run(paths, "--policy", str(policy)) == 64
    line = _one_line(capsys)
    assert line.startswith("arrears: policy: ") and "contact.visits.hours" in line and "night" in line


def test_a_bad_policy_exits_64_naming_file_and_key(paths, capsys, tmp_path):
    write_extract(paths.landing, DAY, small_book())
    policy = tmp_path / "policy.yaml"
    policy.write_text("delinquency:\n  minimum_days: -3\n", encoding="utf-8")
    assert _run(paths, "--policy", str(policy)) == 64
    line = _one_line(capsys)
    assert line.startswith("arrears: policy: ") and str(policy) in line


def test_missing_fonts_exit_69_naming_the_package(monkeypatch, tmp_path, capsys):
    import letters.fonts as fonts

    config = tmp_path / "fonts.yaml"
    config.write_text(fonts.CONFIG.read_text(encoding="utf-8").replace("/usr/share/fonts/truetype/", str(tmp_path) + "/gone/"),
                      encoding="utf-8")
    monkeypatch.setattr(fonts, "CONFIG", config)
    monkeypatch.setattr(fonts, "_FACES", {})
    monkeypatch.setattr(fonts, "_SETS", {})
    import letters.render as render
    monkeypatch.setattr(render, "_COMPOSERS", {})  # composers an earlier test built hold their fonts
    code = main(["letters", "preview", "--template", "formal_demand", "--language", "zh-CN",
                 "--out", str(tmp_path / "p.pdf")])
    line = _one_line(capsys)
    assert code == 69, line
    assert line.startswith("arrears: missing system dependency: ") and "fonts-wqy-zenhei" in line
    assert "Traceback" not in line


@pytest.fixture
def validated(paths):
    """A small book ingested and validated (no dbt yet)."""
    write_extract(paths.landing, DAY, small_book())
    nightly.ingest_step(DAY, paths, "run-1")
    nightly.validate_step(DAY, paths, "run-1", data_docs=False)
    return paths


@pytest.mark.slow
def test_a_failed_data_test_has_its_own_code_names_test_and_model_and_stops_the_night(validated):
    paths = validated
    with duckdb.connect(str(paths.warehouse)) as con:  # a loader bug: the same loan twice in one snapshot
        con.execute("insert into raw.loans select * from raw.loans where as_of_date = ?", [DAY])
    with pytest.raises(DataTestFailed) as failure:
        nightly.transform_step(DAY, paths)
    assert failure.value.exit_code == 5
    assert "stg_loans" in str(failure.value) and "unique_combination" in str(failure.value)
    with reader(paths.warehouse) as con:  # nothing built on the untested data
        assert not con.execute("select count(*) from information_schema.tables "
                               "where table_schema = 'marts' and table_name = 'loan_delinquency'").fetchone()[0]


@pytest.mark.slow
def test_a_model_that_does_not_build_has_its_own_code_and_names_the_model(validated):
    paths = validated
    with duckdb.connect(str(paths.warehouse)) as con:  # a schema the SQL does not expect
        con.execute("alter table raw.loans drop column product")
    with pytest.raises(TransformFailed) as failure:
        nightly.transform_step(DAY, paths)
    assert failure.value.exit_code == 4
    assert "stg_loans" in str(failure.value) and "\n" not in str(failure.value)


def test_the_dag_retries_only_what_is_transient():
    import importlib.util

    from airflow.sdk.exceptions import AirflowFailException

    from pipelines.airflow_tasks import run_step
    from pipelines.scoring.train import TrainingRefused
    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("arrears_nightly_dag", REPO / "dags" / "arrears_nightly.py")
    dag_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dag_module)

    def fail(exc):
        raise exc

    for permanent in (errors.BatchBlocked("x.csv: bad"), DataTestFailed("t on m"), TransformFailed("m"),
                      errors.PolicyError("p: k"), errors.MissingDependency("fonts"),
                      TrainingRefused("w.duckdb: marts.score_training_examples is empty")):
        with pytest.raises(AirflowFailException, match=permanent.label):  # fails at once, no retry
            run_step(fail, permanent)
    with pytest.raises(WarehouseBusy):  # left to the task's retries
        run_step(fail, WarehouseBusy("w.duckdb: busy"))
    dag = dag_module.arrears_nightly()
    assert all(t.retries >= 1 for t in dag.tasks if t.task_id.startswith(("ingest", "validate", "dbt.", "publish")))
