"""End to end: `arrears run` for one date, a blocked night, and the same night under Airflow."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipelines.cli import EXIT_BLOCKED, main
from pipelines.settings import Paths, lender_timezone
from pipelines.transform import STEPS
from pipelines.warehouse import reader
from tests.conftest import REPO
from tests.extracts import small_book, write_extract

pytestmark = pytest.mark.slow
DAY = date(2026, 3, 15)


def _run(paths, as_of) -> int:
    return main(["run", "--as-of", str(as_of), "--landing", str(paths.landing),
                 "--warehouse", str(paths.warehouse), "--out", str(paths.out)])


def _marts(warehouse) -> list[tuple]:
    with reader(warehouse) as con:
        return con.execute("select * from marts.loan_delinquency order by all").fetchall()


@pytest.fixture(scope="module")
def night_published(tmp_path_factory):
    """The small book's night DAY, run by `arrears run` on a new warehouse. The two tests below go on
    from it in file order (the module runs on one worker): the rerun, then a blocked next night."""
    root = tmp_path_factory.mktemp("nightly")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb", out=root / "outbox")
    write_extract(paths.landing, DAY, small_book())
    assert _run(paths, DAY) == 0
    return paths


def test_run_publishes_batch_and_rerun_is_idempotent(night_published):
    paths = night_published
    batch = json.loads((paths.out / str(DAY) / "_batch.json").read_text())
    assert batch["as_of"] == str(DAY) and batch["summary"]["active_loans"] == 1
    first = _marts(paths.warehouse)
    assert _run(paths, DAY) == 0
    assert _marts(paths.warehouse) == first


def test_blocked_night_prints_one_line_and_publishes_nothing(night_published, capsys):
    paths = night_published   # DAY published (and maybe rerun): the blocked night after it must change nothing
    published = (paths.out / str(DAY) / "_batch.json").read_bytes()
    before = _marts(paths.warehouse)
    folder = write_extract(paths.landing, date(2026, 3, 16), small_book())
    (folder / "payments.csv").write_bytes((folder / "payments.csv").read_bytes()[:-5])
    capsys.readouterr()
    assert _run(paths, date(2026, 3, 16)) == EXIT_BLOCKED
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("arrears: batch blocked: ") and "payments.csv" in err
    assert not (paths.out / "2026-03-16").exists()
    assert _marts(paths.warehouse) == before
    assert (paths.out / str(DAY) / "_batch.json").read_bytes() == published


def _airflow_env(tmp_path: Path, paths) -> dict[str, str]:
    return os.environ | {
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": str(REPO),  # this checkout, even where another one is installed
        "ARREARS_LANDING": str(paths.landing),
        "ARREARS_WAREHOUSE": str(paths.warehouse),
        "ARREARS_OUT": str(paths.out),
    }


def test_dag_imports_cleanly():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    dag = bag.dags["arrears_nightly"]
    assert dag.max_active_runs > 1, "a night waiting for its extract must not hold other dates"
    chain = ["prepare", "pull", "wait_for_extract", "ingest", "validate", *(f"dbt.{step}" for step in STEPS), "publish"]
    assert set(chain) <= set(dag.task_ids), "dbt steps are tasks"
    for before, after in zip(chain, chain[1:]):
        assert dag.get_task(after).upstream_task_ids == {before}, f"{after} follows {before} only: the graph is a chain"
    writers = {task_id for task_id in dag.task_ids if dag.get_task(task_id).pool == "arrears_warehouse"}
    assert writers == set(chain) - {"prepare", "wait_for_extract"}, "every warehouse task takes the one slot"
    assert dag.get_task("wait_for_extract").mode == "reschedule" and dag.get_task("wait_for_extract").retries == 0
    assert lender_timezone() in dag.timetable.summary and lender_timezone() in dag.timetable.description
    from airflow.serialization.serialized_objects import DagSerialization

    restored = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))  # as the scheduler sees it
    assert restored.timetable.serialize() == dag.timetable.serialize(), "the timetable plugin is registered"


def test_airflow_dags_test_runs_one_date_end_to_end(tmp_path, paths):
    write_extract(paths.landing, DAY, small_book())
    env = _airflow_env(tmp_path, paths)
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    done = subprocess.run([airflow, "dags", "test", "arrears_nightly", "-c", json.dumps({"as_of": str(DAY)})],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    batch = json.loads((paths.out / str(DAY) / "_batch.json").read_text())
    assert batch["summary"]["active_loans"] == 1
    assert len(_marts(paths.warehouse)) == 1


def test_demo_with_faults_tours_a_blocked_night_and_the_repairs(paths, capsys):
    """`arrears demo --faults`: the broken night is blocked with its one line and publishes nothing,
    the others run and publish; the printed repair counts are the warehouse's."""
    assert main(["demo", "--faults", "--loans", "300", "--days", "3", "--landing", str(paths.landing),
                 "--warehouse", str(paths.warehouse), "--out", str(paths.out)]) == 0
    printed = capsys.readouterr().out
    blocked = [line for line in printed.splitlines() if line.startswith("Blocked night")]
    assert len(blocked) == 1 and "sha256 does not match" in blocked[0]
    blocked_day = blocked[0].split(": ")[1]
    published = sorted(p.name for p in paths.out.iterdir() if (p / "_batch.json").exists())
    assert blocked_day not in published and len(published) == 2
    assert (paths.out / "kpi_report.html").exists()
    with reader(paths.warehouse) as con:
        restored = con.execute("select count(*) from quality.lost_records where action = 'restored'").fetchone()[0]
        quarantined = con.execute("select count(*) from quality.quarantine").fetchone()[0]
    assert f"{restored:,} lost records restored" in printed and f"{quarantined:,} rows quarantined" in printed


@pytest.mark.parametrize("zone, expected", [(None, date(2026, 11, 27)), ("America/New_York", date(2026, 11, 26))])
def test_business_date_is_the_as_of_param_or_the_logical_date_in_the_lenders_zone(monkeypatch, tmp_path, zone,
                                                                                   expected):
    """The run at 02:00 Shanghai time on 28 Nov has its data interval start at 2026-11-26T18:00Z:
    27 Nov in Shanghai, still 26 Nov in New York. An explicit as_of always wins; no date is refused.
    The lender's zone is the policy's reporting.lender_timezone (ARREARS_POLICY)."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    import yaml

    from pipelines.nightly import business_date
    from pipelines.settings import DEFAULT_POLICY

    if zone:
        document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
        document["reporting"]["lender_timezone"] = zone
        (tmp_path / "policy.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("ARREARS_POLICY", str(tmp_path / "policy.yaml"))
    else:
        monkeypatch.delenv("ARREARS_POLICY", raising=False)
    start = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
    assert business_date(None, start) == expected
    assert business_date("2026-10-01", start) == date(2026, 10, 1)
    with pytest.raises(ValueError, match="as_of"):
        business_date(None, None)
    # `dags trigger --logical-date 2026-10-02` (a bare date: 00:00 UTC) is that date, in any lender zone;
    # the timetable's logical date (00:00 in the lender's zone) is the date there
    assert business_date(None, datetime(2026, 10, 2, tzinfo=timezone.utc)) == date(2026, 10, 2)
    lender_midnight = datetime(2026, 10, 2, tzinfo=ZoneInfo(zone or "Asia/Shanghai"))
    assert business_date(None, lender_midnight) == date(2026, 10, 2)

