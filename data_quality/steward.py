"""The data-steward report: the day's lost, restored, corrected and quarantined records, with
counts over time, as static HTML (personal data masked).

Written by the validate step on every run, blocked ones included, beside the night's Data Docs:
`<warehouse dir>/data_docs/<as-of>/steward_report.html`. On a published night the publish step
adds it to the outbox folder as `<out>/<as-of>/data_quality_report.html` (`report_writer`). The
same figures as a table: dbt model `int_quality_steward_daily`.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import jinja2
import jinja2.sandbox

from data_quality import masking

REPORT_NAME = "steward_report.html"
OUTBOX_NAME = "data_quality_report.html"
LIST_LIMIT = 200
FIELD_KINDS = masking.PII_COLUMNS["customers"]

_env = jinja2.sandbox.ImmutableSandboxedEnvironment(loader=jinja2.PackageLoader("data_quality", "templates"),
                          autoescape=jinja2.select_autoescape(["html", "j2"]))


def docs_folder(paths, as_of: date) -> Path:
    """Where a night's GX Data Docs and steward report are written: beside the warehouse,
    `<warehouse dir>/data_docs/<as-of>/` (index.html, steward_report.html)."""
    return paths.warehouse.parent / "data_docs" / as_of.isoformat()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _count(con, sql: str, params: list) -> int:
    return con.execute(sql, params).fetchone()[0]


def gather(con: duckdb.DuckDBPyConnection, as_of: date) -> dict:
    p = [as_of]
    run = con.execute("select * from quality.runs where as_of_date = ? order by started_at desc limit 1", p)
    names = [d[0] for d in run.description]
    last = run.fetchone()
    summary = dict(zip(names, last)) if last else {}
    summary.setdefault("expectations", 0)
    summary["failed_warning"] = summary.get("failed_warning") or 0
    files = _rows(con, """
        with log as (
            select * from raw.load_log where as_of_date = ?
            qualify row_number() over (partition by file_name order by loaded_at desc) = 1)
        select l.file_name, l.encoding, l.rows_in_file, l.rows_loaded, l.rows_quarantined, l.duplicates_skipped,
               (select count(distinct source_row) from quality.quarantine q
                 where q.as_of_date = l.as_of_date and q.file = regexp_replace(l.file_name, '\\.parquet$', '.csv')) as quality_quarantined,
               (select count(*) from quality.corrections c
                 where c.as_of_date = l.as_of_date and c.file = regexp_replace(l.file_name, '\\.parquet$', '.csv')) as corrected,
               (select count(*) from quality.lost_records r
                 where r.as_of_date = l.as_of_date and r.file = regexp_replace(l.file_name, '\\.parquet$', '.csv')) as restored
        from log l order by l.file_name""", p)
    run_id = summary.get("run_id")
    failures = _rows(con, """
        select file, rule, description, severity, action, unexpected_count, element_count, sample
        from quality.validation_results where run_id = ? and not success
        order by severity = 'critical' desc, file, rule""", [run_id])
    restored = _rows(con, f"""select file, record_id, action, restored_from, last_delivered_on, reason
        from quality.lost_records where as_of_date = ? order by action desc, file, record_id limit {LIST_LIMIT}""", p)
    quarantine = _rows(con, f"""select file, source_row, record_id, rule, reason from quality.quarantine
        where as_of_date = ? order by file, source_row, rule limit {LIST_LIMIT}""", p)
    rules = _rows(con, """select rule, field, count(*) as n from quality.corrections where as_of_date = ?
        group by all order by rule, field""", p)
    corrections = _rows(con, f"""select record_id, field, before, after, rule from quality.corrections
        where as_of_date = ? order by record_id, field, rule limit {LIST_LIMIT}""", p)
    for row in corrections:
        kind = FIELD_KINDS.get(row["field"])
        row["before"], row["after"] = masking.mask(kind, row["before"]), masking.mask(kind, row["after"])
    invalid = _rows(con, f"""select customer_id, array_to_string(invalid_fields, ', ') as fields
        from quality.customers where as_of_date = ? and len(invalid_fields) > 0
        order by customer_id limit {LIST_LIMIT}""", p)
    persons = _rows(con, """select count(*) as persons, coalesce(sum(n), 0) as customers from (
        select person_id, count(*) as n from quality.customers where as_of_date = ? group by person_id having n > 1)""", p)[0]
    history = _rows(con, """
        with runs as (
            select * from quality.runs qualify row_number() over (partition by as_of_date order by started_at desc) = 1),
        log as (
            select as_of_date, sum(rows_in_file) as delivered, sum(rows_quarantined) as rejected from (
                select * from raw.load_log
                qualify row_number() over (partition by as_of_date, file_name order by loaded_at desc) = 1)
            group by as_of_date)
        select r.as_of_date, r.status, l.delivered, l.rejected, r.quarantined, r.corrections, r.fallbacks,
               r.restored, r.failed_warning
        from runs r left join log l using (as_of_date)
        where r.as_of_date <= ? order by r.as_of_date desc limit 60""", p)
    return {
        "as_of": as_of.isoformat(), "summary": summary, "files": files, "failures": failures,
        "restored": restored, "restored_more": _more(con, "lost_records", as_of, len(restored)),
        "quarantine": quarantine, "quarantine_more": _more(con, "quarantine", as_of, len(quarantine)),
        "correction_rules": rules, "corrections": corrections,
        "corrections_more": _more(con, "corrections", as_of, len(corrections)),
        "invalid": invalid, "invalid_more": _count(con, """select count(*) from quality.customers
            where as_of_date = ? and len(invalid_fields) > 0""", p) if len(invalid) >= LIST_LIMIT else 0,
        "persons": persons, "history": history,
    }


def _more(con, table: str, as_of: date, shown: int) -> int:
    if shown < LIST_LIMIT:
        return 0
    return _count(con, f"select count(*) from quality.{table} where as_of_date = ?", [as_of])


def render(data: dict, blocked: str | None = None, docs_href: str = "index.html",
           docs_where: str = "same folder") -> str:
    """The report; `docs_href` links the night's GX Data Docs (relative beside them, absolute in the outbox)."""
    return _env.get_template("steward_report.html.j2").render(**data, blocked=blocked, docs_href=docs_href,
                                                              docs_where=docs_where)


def write_report(con: duckdb.DuckDBPyConnection, as_of: date, folder: Path, blocked: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REPORT_NAME
    path.write_text(render(gather(con, as_of), blocked), encoding="utf-8")
    return path


def report_writer(as_of: date, paths):
    """A publish writer (pipelines.publish.FileWriter) adding the night's steward report to the
    outbox folder as data_quality_report.html; its count is the number of records the quality
    step restored, quarantined or corrected that night."""
    from pipelines.warehouse import reader

    def write(folder: Path) -> dict[str, int]:
        docs = docs_folder(paths, as_of)
        if not (docs / REPORT_NAME).exists():
            return {}
        with reader(paths.warehouse) as con:
            # the outbox copy links the Data Docs where they are (beside the warehouse, not in the outbox)
            html = render(gather(con, as_of), docs_href=(docs / "index.html").as_uri(), docs_where=str(docs))
            (folder / OUTBOX_NAME).write_text(html, encoding="utf-8")
            records = sum(_count(con, f"select count(*) from quality.{t} where as_of_date = ?", [as_of])
                          for t in ("lost_records", "quarantine", "corrections"))
        return {OUTBOX_NAME: records}

    return write


def as_json(data: dict) -> str:
    return json.dumps(data, default=str, ensure_ascii=False, indent=2)
