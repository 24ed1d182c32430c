"""Airflow DAG `arrears_nightly`: wiring only. Every task calls a step from `pipelines.nightly`,
the same functions `arrears run` calls; dbt runs as one task per layer through dbt's programmatic
runner (one task per model with astronomer-cosmos took over 10 minutes for one night here)."""
from __future__ import annotations

import logging
from datetime import date, timedelta

import pendulum
from airflow.sdk import Param, PokeReturnValue, TaskGroup, WeightRule, chain, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from pipelines import nightly
from pipelines.airflow_timetable import NightlyTimetable
from pipelines.airflow_tasks import run_step
from pipelines.errors import ExtractMissing
from pipelines.landing import manifest_path
from pipelines.policy import load_policy
from pipelines.settings import Paths, lender_timezone
from pipelines.transform import STEPS

LOG = logging.getLogger(__name__)
PATHS = Paths.resolve()
LENDER_TZ = lender_timezone()
RUN_AT = "02:00"                      # lender time: the business day has closed, the extract is due
EXTRACT_POKE_SECONDS = 5 * 60         # a late extract is looked for every 5 minutes (the worker slot is freed)
EXTRACT_WAIT_SECONDS = 6 * 60 * 60    # ... until 08:00: then the night fails as "extract missing"
WAREHOUSE_POOL = "arrears_warehouse"  # one slot: DuckDB allows one writing process per file

DOC = f"""
### arrears_nightly — the collections night for one business date

**What it does:** `prepare` (business date, policy check) → `wait_for_extract` (the lender's extract of
the business date: its `_manifest.json`, written last; every 5 minutes for up to 6 hours, without holding a
worker or the warehouse) → `ingest` (verify and load) → `validate` (Great Expectations: corrections,
restores, quarantine; Data Docs and the steward report beside the warehouse in `data_docs/<date>/`) → dbt
staging → delinquency → contact → reporting (one task each: `dbt build` of the step's models with their data
tests, so a failing test, named with its model, stops the night before anything is built on its data) →
`publish` (the day's files for operations, `_batch.json` written last).

**Retries:** only a busy warehouse (another writer) is retried; a blocked batch, a failed model or data test,
a bad policy or a missing system package fails the task at once with its one-line reason.

**Schedule and business date:** every night at {RUN_AT} in the lender's time zone ({LENDER_TZ}, the
policy's `reporting.lender_timezone`), for the business date that just closed. A run's **logical date is its
business date** (00:00 {LENDER_TZ}; the data interval is that whole day). The `as_of` param, when given, wins (manual runs, reruns:
`airflow dags trigger arrears_nightly -c '{{"as_of": "2026-11-27"}}'`). Never the wall clock.

**Backfill** business dates D1..D2 (both included):
`airflow backfill create --dag-id arrears_nightly --from-date D1 --to-date D2`.

**First unpause** starts nothing for nights already past: the first scheduled run is the next {RUN_AT}.
Backfill past dates on purpose.

**Rerunning a date** is safe: raw, marts and files for that date are replaced, never duplicated.

**If `wait_for_extract` fails**, the extract did not arrive: its log names the path and the deadline. It
fails at once (no retry) when a newer business date's extract is already there — the lender has moved on —
and otherwise after 6 hours. Ask the lender, then clear the task. A waiting or failed night does not hold
up other dates: manual runs and backfills of other dates go ahead.

**Pulling (`pull`, before the wait):** when the sources file (`ARREARS_SOURCES`) names `sql` or `sftp`, the
night fetches its extract from the lender's database or SFTP server into the landing folder, `_manifest.json`
last (an SFTP folder without the lender's manifest is waited for like the file drop); with the file drop it
does nothing. **If `pull` fails**, its one line says why (connection refused or lost, bad credentials, an
unknown host key, control totals that disagree): no `_manifest.json` was written; fix the cause and clear
the task.

**If `ingest` fails** with "batch blocked", the extract is incomplete or corrupt (the log line names the
file and the rule). Nothing was written; fix or re-deliver the extract and clear the task.

**If `validate` fails** with "batch blocked", a critical expectation failed (the line names file, rule,
count and a masked example row; details in `data_docs/<date>/steward_report.html`). dbt does not run and
nothing is published for the date; re-deliver the extract, then clear `ingest`.

**One writer:** DuckDB allows one writing process per file, so every task that opens the warehouse
(`ingest`, `validate`, the dbt tasks, `publish`) runs in the pool `{WAREHOUSE_POOL}` with **one slot**
(`make airflow` creates it; elsewhere: `airflow pools set {WAREHOUSE_POOL} 1 "DuckDB: one writer"`).
Several nights may be active at once; they queue for that slot, a night already under way first.
`prepare` and the waiting sensor take no slot.

Paths come from `ARREARS_LANDING`, `ARREARS_WAREHOUSE`, `ARREARS_OUT`, `ARREARS_POLICY`.
"""


@dag(
    dag_id="arrears_nightly",
    # a night missed by up to the extract's wait (scheduler down at 02:00) still runs; older ones: backfill
    schedule=NightlyTimetable(at=RUN_AT, timezone=LENDER_TZ, late_start=timedelta(seconds=EXTRACT_WAIT_SECONDS)),
    start_date=pendulum.datetime(2026, 1, 1, tz=LENDER_TZ),
    catchup=False,
    max_active_runs=16,  # runs wait for the warehouse slot, not for each other: a stuck night blocks no date
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "pool": WAREHOUSE_POOL,
        "weight_rule": WeightRule.UPSTREAM,  # a night under way keeps the slot before another night starts
    },
    params={"as_of": Param(None, type=["null", "string"], description="business date YYYY-MM-DD; blank = the run's logical date")},
    tags=["arrears", "collections"],
    doc_md=DOC,
)
def arrears_nightly():
    @task(retries=0, pool="default_pool")
    def prepare() -> dict:
        """Resolve the business date and the policy once, for every later task."""
        context = get_current_context()
        as_of = nightly.business_date(context["params"].get("as_of"), context.get("logical_date"))
        load_policy(PATHS.policy)  # an invalid policy stops the night here, before any write
        return {"as_of": as_of.isoformat(), "run_id": context["run_id"]}

    @task.sensor(poke_interval=EXTRACT_POKE_SECONDS, timeout=EXTRACT_WAIT_SECONDS, mode="reschedule")
    def pull() -> PokeReturnValue:
        """Pull from the sources file's sql or sftp source (an SFTP folder without the lender's manifest
        is waited for); with the file drop there is nothing to pull. A failed pull leaves no manifest.
        In the warehouse pool: a finished pull records its watermark in the warehouse."""
        result = run_step(nightly.pull_step, _date(_night()), PATHS, None, True)  # sources from ARREARS_SOURCES
        return PokeReturnValue(is_done=result["ready"], xcom_value=result)

    @task.sensor(poke_interval=EXTRACT_POKE_SECONDS, timeout=EXTRACT_WAIT_SECONDS, mode="reschedule",
                 retries=0, pool="default_pool")
    def wait_for_extract() -> PokeReturnValue:
        """The lender writes _manifest.json last: the extract is complete once it is there."""
        night = _night()
        context = get_current_context()
        started = context["ti"].get_first_reschedule_date(context) or pendulum.now("UTC")
        deadline = pendulum.instance(started).add(seconds=EXTRACT_WAIT_SECONDS).in_timezone(LENDER_TZ)
        LOG.info("waiting for %s until %s", manifest_path(PATHS.landing, _date(night)), deadline.to_iso8601_string())
        try:
            return PokeReturnValue(is_done=nightly.extract_ready(_date(night), PATHS))
        except ExtractMissing as missing:
            raise AirflowFailException(str(missing)) from None  # not coming: fail now, no retry

    @task
    def ingest() -> dict:
        night = _night()
        return run_step(nightly.ingest_step, _date(night), PATHS, night["run_id"])

    @task
    def validate() -> dict:
        night = _night()
        return run_step(nightly.validate_step, _date(night), PATHS, night["run_id"])

    @task
    def publish() -> dict:
        night = _night()
        return run_step(nightly.publish_step, _date(night), PATHS, night["run_id"])

    @task
    def dbt_step(step: str) -> dict:
        night = _night()
        return run_step(nightly.transform_step, _date(night), PATHS, step)

    with TaskGroup("dbt", tooltip="dbt build step by step: each step's models with their data tests") as dbt:
        chain(*[dbt_step.override(task_id=step)(step) for step in STEPS])
    chain(prepare(), pull(), wait_for_extract(), ingest(), validate(), dbt, publish())


def _night() -> dict:
    """What `prepare` resolved (business date, run id): pulled, so each task depends only on the one before."""
    return get_current_context()["ti"].xcom_pull(task_ids="prepare")


def _date(night: dict) -> date:
    return date.fromisoformat(night["as_of"])


arrears_nightly()
