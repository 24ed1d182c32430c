"""`arrears pull` from a real PostgreSQL server (started by the tests on 127.0.0.1) holding the sample
core-banking schema of examples/core_banking, mapped by its extract_sql/ queries."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines import nightly
from pipelines.cli import EXIT_BLOCKED, main
from pipelines.generate.generator import generate as generate_book
from pipelines.landing import LANDING_FILES, MANIFEST_NAME
from pipelines.warehouse import reader
from tests import core_banking as cb
from tests.conftest import REPO
from tests.extracts import agent, customer, installment, loan, payment

SHANGHAI = ZoneInfo("Asia/Shanghai")
D1, D2 = date(2026, 3, 14), date(2026, 3, 15)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def lender(postgres, monkeypatch, tmp_path):
    """A fresh lender database with the sample schema; AIRFLOW_CONN_CORE_BANKING points at it."""
    database = postgres.create_database()
    url = postgres.url(database)
    cb.create_schema(url)
    monkeypatch.setenv("AIRFLOW_CONN_CORE_BANKING", postgres.url(database, scheme="postgres"))
    monkeypatch.delenv("ARREARS_SOURCE_URL", raising=False)
    monkeypatch.delenv("ARREARS_SOURCES", raising=False)
    return url


def _pull(paths, as_of, sources) -> int:
    return main(["pull", "--as-of", str(as_of), "--sources", str(sources), "--landing", str(paths.landing),
                 "--warehouse", str(paths.warehouse)])


def _book(payments: list[dict]) -> dict[str, list[dict]]:
    return {"customers": [customer()], "loans": [loan()],
            "installments": [installment("L1", 1, "2026-02-10", "1000.00", "30.00"),
                             installment("L1", 2, "2026-03-10", "1000.00", "20.00"),
                             installment("L1", 3, "2026-04-10", "1000.00", "10.00")],
            "payments": payments, "agents": [agent()]}


def test_pull_writes_the_contract_folder_manifest_last_and_ingest_accepts_it(lender, paths, tmp_path):
    cb.apply_night(lender, _book([payment("P1", "L1", "2026-02-10", "1030.00"),
                                  payment("P2", "L1", "2026-03-12", "500.55", channel="card")]), _at(D1, 20))
    assert _pull(paths, D1, cb.sources_file(tmp_path)) == 0
    folder = paths.landing / str(D1)
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    assert manifest["as_of"] == str(D1) and manifest["timezone"] == "Asia/Shanghai" and manifest["currency"] == "CNY"
    assert manifest["files"]["payments.csv"]["sums"] == {"amount": "1530.55"}
    assert manifest["pull"]["until"] == "2026-03-15T00:00:00+08:00"
    assert not any(p.name.startswith(".") for p in paths.landing.iterdir()), "staging folder removed"
    loans = (folder / "loans.csv").read_text(encoding="utf-8").splitlines()
    assert loans[1] == "L1,C1,cash_loan,CNY,3000.00,0.12,2026-01-10,2026-04-10,active,"
    payments = (folder / "payments.csv").read_text(encoding="utf-8").splitlines()
    assert "P2,L1,2026-03-12,2026-03-12T12:00:00+08:00,500.55,card," in payments
    result = nightly.ingest_step(D1, paths, "run-1")
    assert result["files"]["payments.csv"] == 2 and result["quarantined"] == 0
    with reader(paths.warehouse) as con:
        state = con.execute("select source, as_of_date, until from raw.pull_state").fetchall()
    assert state == [("sql:core_banking", D1, _at(D2, 0))]


def test_late_committed_payment_and_ties_on_the_watermark_load_exactly_once(lender, paths, tmp_path):
    """A payment written at 23:50 whose transaction commits only after the night's pull, and one
    written exactly at midnight (the watermark), each arrive exactly once over the next nights; the
    overlap re-reads yesterday's payments, which ingest skips as repeats."""
    sources = cb.sources_file(tmp_path)
    cb.apply_night(lender, _book([payment("P1", "L1", "2026-02-10", "1030.00")]), _at(D1, 20))
    late = cb.connect(lender)   # a long transaction on the lender's side, open across the pull
    with late.cursor() as cur:
        cb.add_payments(cur, [payment("P-LATE", "L1", str(D1), "200.00", booked_at="2026-03-14T23:50:00+08:00")],
                        _at(D1, 23, 50))
    with cb.connect(lender) as con, con.cursor() as cur:
        cb.add_payments(cur, [payment("P-TIE", "L1", str(D2), "100.00")], _at(D2, 0))   # rec_ts == until(D1)
    assert _pull(paths, D1, sources) == 0
    night1 = (paths.landing / str(D1) / "payments.csv").read_text()
    assert "P1," in night1 and "P-LATE" not in night1 and "P-TIE" not in night1
    nightly.ingest_step(D1, paths, "run-1")
    late.commit()
    late.close()
    with cb.connect(lender) as con, con.cursor() as cur:
        cb.add_payments(cur, [payment("P3", "L1", str(D2), "50.00")], _at(D2, 9))
    for attempt in range(2):   # a rerun of the night pulls the same window and changes nothing
        assert _pull(paths, D2, sources) == 0
        manifest = json.loads((paths.landing / str(D2) / MANIFEST_NAME).read_text())
        assert manifest["pull"]["since"] == "2026-03-13T00:00:00+08:00"   # until(D1) - 2 days
        result = nightly.ingest_step(D2, paths, f"run-2{attempt}")
        assert result["files"]["payments.csv"] == 3 and result["repeat_events_skipped"] == 1   # P1 re-read
    with reader(paths.warehouse) as con:
        delivered = con.execute("select payment_id, delivered_on, count(*) over (partition by payment_id) "
                                "from raw.payments order by payment_id").fetchall()
    assert delivered == [("P-LATE", D2, 1), ("P-TIE", D2, 1), ("P1", D1, 1), ("P3", D2, 1)]


def test_bad_password_fails_with_one_line_and_loads_nothing(lender, postgres, paths, tmp_path, capsys, monkeypatch):
    cb.apply_night(lender, _book([]), _at(D1, 20))
    wrong = "Wr0ng-Secret-pw"
    monkeypatch.setenv("AIRFLOW_CONN_CORE_BANKING", postgres.url(lender.rsplit("/", 1)[1], password=wrong,
                                                                 scheme="postgres"))
    assert _pull(paths, D1, cb.sources_file(tmp_path)) == EXIT_BLOCKED
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("arrears: batch blocked: sql:core_banking")
    assert "password authentication failed" in err and wrong not in err
    assert not (paths.landing / str(D1)).exists() and not paths.warehouse.exists()


def test_control_totals_mismatch_blocks_the_night_with_one_line(lender, paths, tmp_path, capsys):
    queries = _mapping(tmp_path)
    (queries / "control_totals.sql").write_text(  # the source counts one payment more than the query returns
        "select 'payments' as table_name, 'rows' as measure, count(*) + 1 as value from cbs.ln_txn\n"
        "where rec_ts >= :since and rec_ts < :until")
    cb.apply_night(lender, _book([payment("P1", "L1", "2026-02-10", "1030.00")]), _at(D1, 20))
    assert _pull(paths, D1, cb.sources_file(tmp_path, queries=queries)) == EXIT_BLOCKED
    err = capsys.readouterr().err.strip()
    assert err == "arrears: batch blocked: payments.csv: control totals: rows extracted 1 but control_totals.sql says 2"
    assert not paths.landing.exists() or not any(paths.landing.iterdir())


def test_example_control_totals_pass(lender, paths, tmp_path):
    """The example's control_totals.sql agrees with its own extract (counts and sums in cents)."""
    cb.apply_night(lender, _book([payment("P1", "L1", "2026-02-10", "1030.00"),
                                  payment("R1", "L1", "2026-02-10", "1030.00", reverses="P1")]), _at(D1, 20))
    assert (cb.EXAMPLE / "extract_sql" / "control_totals.sql").exists()
    assert _pull(paths, D1, cb.sources_file(tmp_path)) == 0
    rows = (paths.landing / str(D1) / "payments.csv").read_text().splitlines()
    assert "R1,L1,2026-02-10,2026-02-10T12:00:00+08:00,1030.00,bank_transfer,P1" in rows


def _mapping(tmp_path: Path, **replace: tuple[str, str]) -> Path:
    """A copy of the example's extract_sql with text replaced in some files (file stem -> (old, new))."""
    queries = tmp_path / "mapping"
    queries.mkdir(parents=True)
    for sql in (cb.EXAMPLE / "extract_sql").glob("*.sql"):
        text = sql.read_text()
        if sql.stem in replace:
            old, new = replace[sql.stem]
            assert old in text
            text = text.replace(old, new)
        (queries / sql.name).write_text(text)
    return queries


def test_queries_share_one_read_only_repeatable_read_transaction(lender, paths, tmp_path, capsys):
    """Extra columns are kept: the transaction's start time, isolation and read-only flag as each query saw them."""
    probe = (",\n       now() as tx_started, current_setting('transaction_isolation') as isolation, "
             "current_setting('transaction_read_only') as read_only\n")
    queries = _mapping(tmp_path, agents=(" as daily_capacity\n", " as daily_capacity" + probe),
                       flags=(" as note\n", " as note" + probe))
    cb.apply_night(lender, _book([]) | {"flags": [{"subject_type": "loan", "subject_id": "L1", "flag": "dispute",
                                                  "effective_from": "2026-03-01", "effective_to": "", "note": ""}]},
                   _at(D1, 20))
    assert _pull(paths, D1, cb.sources_file(tmp_path, queries=queries)) == 0
    seen = set()
    for name in ("agents", "flags"):
        rows = cb.read_rows(paths.landing / str(D1), name)
        seen |= {(r["tx_started"], r["isolation"], r["read_only"]) for r in rows}
    assert len(seen) == 1 and next(iter(seen))[1:] == ("repeatable read", "on")
    writing = _mapping(tmp_path / "w", flags=("select case", "select nextval('cbs.ln_txn_txn_id_seq') as n, case"))
    assert _pull(paths, D1, cb.sources_file(tmp_path, queries=writing)) == EXIT_BLOCKED
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "flags.sql: cannot execute nextval() in a read-only transaction" in err


def test_pull_killed_halfway_leaves_no_manifest(lender, paths, tmp_path):
    """SIGKILL while the payments query runs (customers.csv already written): no landing folder, no
    state; the next pull starts clean."""
    queries = _mapping(tmp_path, payments=("where t.txn_cd", "where (select count(*) from pg_sleep(60)) = 1 and t.txn_cd"))
    cb.apply_night(lender, _book([payment("P1", "L1", "2026-02-10", "1030.00")]), _at(D1, 20))
    command = [str(Path(sys.executable).parent / "arrears"), "pull", "--as-of", str(D1),
               "--sources", str(cb.sources_file(tmp_path, queries=queries)), "--landing", str(paths.landing),
               "--warehouse", str(paths.warehouse)]
    proc = subprocess.Popen(command, env=os.environ | {"PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    staged = paths.landing / f".{D1}.pull" / str(D1) / "installments.csv"
    deadline = time.monotonic() + 60
    while not staged.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert staged.exists(), proc.stderr.read().decode() if proc.poll() is not None else "pull never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (paths.landing / str(D1)).exists()
    assert not list(paths.landing.rglob(MANIFEST_NAME))
    assert not paths.warehouse.exists()
    assert _pull(paths, D1, cb.sources_file(tmp_path)) == 0
    assert (paths.landing / str(D1) / MANIFEST_NAME).exists()
    assert not (paths.landing / f".{D1}.pull").exists()


# Lineage of a run or a delivery, not business data: `source_row` is the row's line in the delivered
# file (the delivered-records marts keep it for the evidence pack), which a pull numbers in its query's order.
MARTS_IGNORED = {"run_id", "load_id", "_load_id", "loaded_at", "built_at", "source_row"}


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with reader(warehouse) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        found = {}
        for table in tables:
            columns = [c for (c,) in con.execute("select column_name from information_schema.columns where "
                                                 "table_schema = 'marts' and table_name = ? order by ordinal_position",
                                                 [table]).fetchall() if c not in MARTS_IGNORED]
            found[table] = con.execute(f"select {', '.join(chr(34) + c + chr(34) for c in columns)} "
                                       f"from marts.{table} order by all").fetchall()
    return found


def _night(paths, as_of: date) -> None:
    run_id = nightly.new_run_id(as_of)
    nightly.ingest_step(as_of, paths, run_id)
    nightly.validate_step(as_of, paths, run_id)
    nightly.transform_step(as_of, paths)


@pytest.mark.slow
def test_two_night_pull_gives_the_same_marts_as_the_same_data_delivered_as_files(lender, tmp_path):
    """The generator's two nights once as files, once written into the core-banking database night by
    night and pulled through the example mapping: every mart table comes out identical."""
    from pipelines.settings import Paths

    files = Paths.resolve(landing=tmp_path / "files", warehouse=tmp_path / "files.duckdb", out=tmp_path / "out1")
    pulled = Paths.resolve(landing=tmp_path / "pulled", warehouse=tmp_path / "pulled.duckdb", out=tmp_path / "out2")
    start = date(2026, 3, 1)
    generate_book(files.landing, start=start, days=2, loans=150, seed=7)
    sources = cb.sources_file(tmp_path)
    for as_of in (start, start + timedelta(days=1)):
        delivered = files.landing / str(as_of)
        cb.apply_night(lender, {name: cb.read_rows(delivered, name) for name in LANDING_FILES}, _at(as_of, 21))
        assert _pull(pulled, as_of, sources) == 0
        _night(files, as_of)
        _night(pulled, as_of)
    expected, actual = _marts(files.warehouse), _marts(pulled.warehouse)
    assert expected.keys() == actual.keys() and len(expected) >= 5
    assert sum(len(rows) for rows in expected.values()) > 150
    for table in expected:
        assert actual[table] == expected[table], table


def test_dag_pulls_before_it_ingests():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO / "dags")).dags["arrears_nightly"]
    assert "pull" in dag.get_task("ingest").get_flat_relative_ids(upstream=True)


@pytest.mark.slow
def test_airflow_dags_test_pulls_the_night_from_the_database(lender, paths, tmp_path):
    """`airflow dags test` with ARREARS_SOURCES naming the sql source and the connection in
    AIRFLOW_CONN_CORE_BANKING: the night is pulled, ingested, built and published."""
    cb.apply_night(lender, _book([payment("P1", "L1", "2026-02-10", "1030.00")]), _at(D1, 20))
    env = os.environ | {
        "AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PYTHONPATH": str(REPO),
        "ARREARS_SOURCES": str(cb.sources_file(tmp_path)), "ARREARS_LANDING": str(paths.landing),
        "ARREARS_WAREHOUSE": str(paths.warehouse), "ARREARS_OUT": str(paths.out),
    }
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    done = subprocess.run([airflow, "dags", "test", "arrears_nightly", "-c", json.dumps({"as_of": str(D1)})],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    password = env["AIRFLOW_CONN_CORE_BANKING"].split(":")[2].split("@")[0]
    assert password not in done.stdout + done.stderr
    manifest = json.loads((paths.landing / str(D1) / MANIFEST_NAME).read_text())
    assert manifest["source_system"] == "sql:core_banking"
    batch = json.loads((paths.out / str(D1) / "_batch.json").read_text())
    assert batch["summary"]["active_loans"] == 1
    with reader(paths.warehouse) as con:
        assert con.execute("select count(*) from raw.pull_state").fetchone()[0] == 1
        assert con.execute("select count(*) from marts.loan_delinquency").fetchone()[0] == 1
