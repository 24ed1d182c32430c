"""Airflow DAG `arrears_score_training`: wiring only. Weekly, it trains a challenger collection
score on the warehouse's history and promotes it only when it beats the model in force on a time
holdout's early loans (pipelines.scoring.train.training_step, the same function as `arrears score train`)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from pipelines.airflow_tasks import run_step
from pipelines.policy import load_policy
from pipelines.scoring.train import training_step
from pipelines.settings import Paths, lender_timezone

DOC = """
### arrears_score_training — the weekly challenger for the collection score

**What it does:** reads the examples the newest night built (`marts.score_training_examples`: every
loan overdue at a past month end and what it did in the 30 days after), trains a challenger scorecard
on all but the newest 3 matured month ends, scores those 3 with the challenger and with the model in
force, and **promotes the challenger only when its holdout AUC is higher on the loans where
treatment is decided** (policy `scoring.promotion`: DPD 1-30 by default). The decision and both
models' figures are in the model card (`<warehouse dir>/score_models/<version>/model_card.md`) and in
`scoring.model_registry`. A promoted model scores from the night after the training date on:
`arrears_nightly` always uses the newest promoted version (else the packaged default), and a rerun of
an earlier night keeps the scores it had.

**Business date:** the `as_of` param when given (it must be the newest night built), else the newest
night in the warehouse. Runs Sundays 05:00 in the lender's time zone, after the nightly run.

**If it fails** with "score train: ..." (no examples table for that night, or history too short to
hold out 3 matured month ends), it fails at once without retries: nothing was written, the model in
force stays. **If the warehouse is busy** (a night still writing), the task retries.

Paths come from `ARREARS_WAREHOUSE`, `ARREARS_POLICY`.
"""

PATHS = Paths.resolve()


@dag(
    dag_id="arrears_score_training",
    schedule=CronDataIntervalTimetable("0 5 * * 0", timezone=lender_timezone()),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=15)},
    params={"as_of": Param(None, type=["null", "string"], description="night to train on YYYY-MM-DD; blank = newest")},
    tags=["arrears", "collections", "scoring"],
    doc_md=DOC,
)
def arrears_score_training():
    @task
    def train_challenger() -> dict:
        as_of = get_current_context()["params"].get("as_of")
        run_step(load_policy, PATHS.policy)  # an invalid policy stops here, before any write
        return run_step(training_step, date.fromisoformat(as_of) if as_of else None, PATHS)

    train_challenger()


arrears_score_training()
