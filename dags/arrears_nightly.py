"""Airflow DAG `arrears_nightly`: wiring only. Every task calls a step from `pipelines.nightly`,
the same functions `arrears run` calls; dbt runs as one task per layer through dbt's programmatic
runner (one task per model with astronomer-cosmos took over 10 minutes for one night here)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from airflow.sdk import Param, PokeReturnValue, TaskGroup, chain, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from pipelines import nightly
from pipelines.landing import MANIFEST_NAME
from pipelines.policy import load_policy
from pipelines.settings import Paths, lender_timezone
from pipelines.transform import STEPS

DOC = """
### arrears_nightly — the collections night for one business date

**What it does:** waits for the lender's extract of the business date (`wait_for_extract`: its
`_manifest.json`, written last; every 5 minutes for up to 6 hours, without holding a worker), verifies
and loads it (`ingest`), validates,
corrects and restores it with Great Expectations (`validate`: Data Docs and the steward report beside the
warehouse in `data_docs/<date>/`), builds the dbt models staging → delinquency → contact → reporting (one task
each), then runs every data test of the night (`dbt.tests`: a failing test names the model), then publishes the day's files for operations (`publish`, `_batch.json`
written last).

**Business date:** the `as_of` param when given (manual runs, reruns, backfills:
`airflow dags trigger arrears_nightly -c '{"as_of": "2026-11-27"}'`); on a scheduled run, the start of the
data interval in the lender's time zone (the policy's `reporting.lender_timezone`, default Asia/Shanghai; the DAG runs at
02:00 there) — the 02:00 run processes the day that just closed. Never the wall clock.

**Rerunning a date** is safe: raw, marts and files for that date are replaced, never duplicated.

**If `wait_for_extract` times out**, the extract never arrived: ask the lender, then clear the task.

**If `ingest` fails** with "batch blocked", the extract is incomplete or corrupt (the log line names the
file and the rule). Nothing was written; fix or re-deliver the extract and clear the task.

**If `validate` fails** with "batch blocked", a critical expectation failed (the line names file, rule,
count and a masked example row; details in `data_docs/<date>/steward_report.html`). dbt does not run and
nothing is published for the date; re-deliver the extract, then clear `ingest`.

**One writer:** DuckDB allows one writing process per file, so this DAG runs one task at a time
(`max_active_tasks=1`) and one run at a time (`max_active_runs=1`).

Paths come from `ARREARS_LANDING`, `ARREARS_WAREHOUSE`, `ARREARS_OUT`, `ARREARS_POLICY`.
"""

PATHS = Paths.resolve()
EXTRACT_POKE_SECONDS = 5 * 60         # a late extract is looked for every 5 minutes (the worker slot is freed)
EXTRACT_WAIT_SECONDS = 6 * 60 * 60    # ... until 08:00: then the night fails as "extract missing"


@dag(
    dag_id="arrears_nightly",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone=lender_timezone()),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    params={"as_of": Param(None, type=["null", "string"], description="business date YYYY-MM-DD; blank = data interval")},
    tags=["arrears", "collections"],
    doc_md=DOC,
)
def arrears_nightly():
    @task(retries=0)
    def prepare() -> dict:
        """Resolve the business date and the policy once, for every later task."""
        context = get_current_context()
        as_of = nightly.business_date(context["params"].get("as_of"), context.get("data_interval_start"))
        load_policy(PATHS.policy)  # an invalid policy stops the night here, before any write
        return {"as_of": as_of.isoformat(), "run_id": context["run_id"]}

    @task.sensor(poke_interval=EXTRACT_POKE_SECONDS, timeout=EXTRACT_WAIT_SECONDS, mode="reschedule")
    def wait_for_extract(night: dict) -> PokeReturnValue:
        """The lender writes _manifest.json last: the extract is complete once it is there."""
        return PokeReturnValue(is_done=(PATHS.landing / night["as_of"] / MANIFEST_NAME).exists())

    @task(retries=0)  # a blocked batch is not transient: retrying would only repeat the same reason
    def ingest(night: dict) -> dict:
        return nightly.ingest_step(_date(night), PATHS, night["run_id"])

    @task(retries=0)  # a critical data-quality failure blocks the batch: not transient either
    def validate(night: dict) -> dict:
        return nightly.validate_step(_date(night), PATHS, night["run_id"])

    @task
    def publish(night: dict) -> dict:
        return nightly.publish_step(_date(night), PATHS, night["run_id"])

    @task
    def dbt_step(night: dict, step: str) -> dict:
        return nightly.transform_step(_date(night), PATHS, step=step)

    night = prepare()
    with TaskGroup("dbt", tooltip="dbt: models step by step, then every data test of the night"):
        steps = [dbt_step.override(task_id=step)(night, step) for step in STEPS]
    chain(wait_for_extract(night), ingest(night), validate(night), *steps, publish(night))


def _date(night: dict) -> date:
    return date.fromisoformat(night["as_of"])


arrears_nightly()
