"""The ordered steps of one night, shared by `arrears run` and the Airflow DAG.

Each step takes the business date explicitly (never the wall clock) and the resolved paths, and
returns a small JSON-able summary (what Airflow keeps as XCom, what the CLI prints).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from pipelines import crashpoints, transform
from pipelines.errors import ExtractMissing, NotDelivered
from pipelines.landing import manifest_path, newest_delivered
from pipelines.policy import load_policy
from pipelines.private import lock_down, restrict
from pipelines.settings import Paths, lender_timezone

# Each step imports what it needs when it runs: an Airflow task (or a bench step) runs one step in its
# own process and should not pay for the others' libraries (pyarrow for ingest, Great Expectations for
# validate, dbt for transform, ReportLab and openpyxl for publish); nor should parsing the DAG file.


def business_date(as_of_param: str | None, logical_date: datetime | None) -> date:
    """The run's business date: the explicit `as_of` if given, else the run's logical date. The timetable's
    runs (scheduled, backfill) and a date given with the lender's zone have it at 00:00 there: that date. A
    logical date at exactly 00:00 UTC is a bare date (`airflow dags trigger --logical-date 2026-10-02`): that
    date as written. Any other instant: its date in the lender's time zone."""
    if as_of_param:
        return date.fromisoformat(str(as_of_param))
    if logical_date is None:
        raise ValueError("no business date: pass the run's as_of param (YYYY-MM-DD) or a logical date")
    local = logical_date.astimezone(ZoneInfo(lender_timezone()))
    in_utc = logical_date.astimezone(timezone.utc)
    midnight = datetime.min.time()
    if local.time() != midnight and in_utc.time() == midnight:
        return in_utc.date()
    return local.date()


def extract_ready(as_of: date, paths: Paths) -> bool:
    """Whether the extract of `as_of` is complete (its manifest, written last, is there). When it is not
    but a newer business date's is, the lender has moved on: waiting would never end (ExtractMissing)."""
    if manifest_path(paths.landing, as_of).is_file():
        return True
    newest = newest_delivered(paths.landing)
    if newest is not None and newest > as_of:
        raise ExtractMissing(f"{manifest_path(paths.landing, as_of)} is missing and the newer extract of "
                             f"{newest} has been delivered: ask the lender to deliver {as_of}")
    return False


def new_run_id(as_of: date) -> str:
    return f"{as_of.isoformat()}-{uuid.uuid4().hex[:8]}"


def pull_step(as_of: date, paths: Paths, sources: str | None = None, wait: bool = False) -> dict:
    """Fill the landing folder of `as_of` from the lender's database or SFTP server when the sources file
    (`sources` or ARREARS_SOURCES) says so; with the file drop (no sources file) there is nothing to do.
    `ready` is False only with `wait` (the DAG's sensor) while the lender's SFTP folder lacks its manifest."""
    from pipelines.pull import pull

    try:
        return {"ready": True, **pull(as_of, paths.landing, paths.warehouse, sources)}
    except NotDelivered as exc:
        if not wait:
            raise
        return {"ready": False, "waiting": str(exc)}


def ingest_step(as_of: date, paths: Paths, run_id: str) -> dict:
    from pipelines.ingest import ingest

    restrict()
    result = ingest(paths.landing, paths.warehouse, as_of, run_id)
    return {
        "files": {f.file_name: f.rows_loaded for f in result.files},
        "quarantined": result.rows_quarantined,
        "repeat_events_skipped": sum(f.duplicates_skipped for f in result.files),
    }


def transform_step(as_of: date, paths: Paths, step: str | None = None) -> dict:
    """dbt for the night: every step of `transform.STEPS` in order, or just `step` (one DAG task)."""
    restrict()
    policy = load_policy(paths.policy)
    if step:
        transform.run_step(as_of, paths.warehouse, step, extra_vars=policy.dbt_vars())
    else:
        transform.build(as_of, paths.warehouse, extra_vars=policy.dbt_vars())
    return {"policy_version": policy.version, "dbt": step or "build"}


def delinquency_summary(as_of: date, paths: Paths) -> dict:
    """Headline figures of the night, read back from the marts (what the batch file records)."""
    from pipelines.warehouse import reader

    with reader(paths.warehouse) as con:
        loans, overdue, overdue_amount = con.execute(
            """select count(*), count(*) filter (where is_overdue),
                      coalesce(sum(overdue_amount) filter (where is_overdue), 0)
               from marts.loan_delinquency where as_of_date = ?""",
            [as_of],
        ).fetchone()
        by_bucket = dict(con.execute(
            """select bucket, count(*) from marts.loan_delinquency
               where as_of_date = ? and is_overdue group by bucket order by bucket""", [as_of]
        ).fetchall())
    return {"active_loans": loans, "overdue_loans": overdue, "overdue_amount": str(overdue_amount),
            "overdue_by_bucket": by_bucket}


def validate_step(as_of: date, paths: Paths, run_id: str, data_docs: bool = True) -> dict:
    """data_quality's step (GX suites, corrections, restoration, Data Docs), its files private."""
    from data_quality import validate_step as _validate_step

    restrict()
    try:
        return _validate_step(as_of, paths, run_id, data_docs=data_docs)
    finally:
        lock_down(paths.warehouse.parent / "data_docs")


def publish_step(as_of: date, paths: Paths, run_id: str) -> dict:
    from data_quality.steward import report_writer as steward_report_writer
    from pipelines import reporting
    from pipelines.contact.letters import letters_writer
    from pipelines.contact.outbox import contact_writers
    from pipelines.evidence import evidence_writer
    from pipelines.publish import publish

    restrict()
    policy = load_policy(paths.policy)
    summary = delinquency_summary(as_of, paths)
    writers = contact_writers(paths.warehouse, as_of, paths.policy)  # sms, e-mail, calls, skip trace, referrals
    writers.append(letters_writer(paths.warehouse, as_of, paths.policy))  # letters/<batch>.pdf + manifests
    writers.append(evidence_writer(paths.warehouse, as_of, paths.out, paths.policy))  # evidence/<loan>.zip
    writers.append(steward_report_writer(as_of, paths))               # data_quality_report.html
    writers += reporting.writers(as_of, paths, run_id)                # kpi_report.html, kpi_tables.xlsx
    batch = publish(paths.out, as_of, run_id, policy.version, writers=writers, summary=summary)
    reporting.publish_latest(paths.out, as_of)                         # <out>/kpi_report.html: newest date
    return {"folder": str(batch.folder), **summary}


@dataclass
class Night:
    as_of: date
    run_id: str
    steps: dict[str, dict] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def run_night(as_of: date, paths: Paths, run_id: str | None = None) -> Night:
    """All steps in order; a BatchBlocked from any step stops the night before publishing. The whole
    policy file is validated first (PolicyError): a bad policy stops the night before anything is written."""
    load_policy(paths.policy)
    night = Night(as_of, run_id or new_run_id(as_of))
    steps = [
        ("ingest", lambda: ingest_step(as_of, paths, night.run_id)),
        ("validate", lambda: validate_step(as_of, paths, night.run_id)),
        ("transform", lambda: transform_step(as_of, paths)),
        ("publish", lambda: publish_step(as_of, paths, night.run_id)),
    ]
    for name, step in steps:
        started = time.perf_counter()
        night.steps[name] = step()
        night.seconds[name] = round(time.perf_counter() - started, 2)
        crashpoints.reached(f"after_{name}")
    return night
