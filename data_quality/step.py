"""The nightly validate step: after ingest, before dbt.

    validate_step(as_of, paths, run_id) -> dict

1. read the date's delivered rows and yesterday's validated state (data_quality.day); on a following
   night only new and changed customers, loans and installments go through GX, the others carry their
   verdicts forward (data_quality.delta; ARREARS_VALIDATE_FULL=1 validates everything);
2. correct the customer master with the named rules (data_quality.corrections);
3. run the GX suites (data_quality.suites) on every file and the cross-file assets;
4. a failed critical expectation blocks the night: its result is recorded, Data Docs are
   written, and BatchBlocked names file, rule, count and an example row (masked);
5. otherwise warnings act: rows are quarantined, customer fields fall back to their last valid
   value, lost customers and loans are restored, persons are linked;
6. the date's `quality.*` tables are replaced in one transaction, Data Docs and the steward
   report are written beside the warehouse: <warehouse dir>/data_docs/<as-of>/.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from data_quality import corrections as rules
from data_quality import delta, formats, history, steward, store, suites
from data_quality.day import Day, prepare
from data_quality.validate import Outcome, Validation
from pipelines.errors import BatchBlocked
from pipelines.ingest.extract import open_extract
from pipelines.landing import LANDING_FILES
from pipelines.settings import Paths, lender_timezone
from pipelines.warehouse import writer

CUSTOMER_COLUMNS = store.CUSTOMER_COLUMNS


@dataclass
class Night:
    as_of: date
    run_id: str
    day: Day
    customers: pd.DataFrame          # today's delivered customers after correction and fallback
    corrections: pd.DataFrame
    outcomes: list[Outcome]


def _record_id(frame: pd.DataFrame, name: str) -> pd.Series:
    key = LANDING_FILES[name].key
    text = frame[list(key)].astype("str").fillna("")
    return text.iloc[:, 0] if len(key) == 1 else text.agg("|".join, axis=1)


def _customers_frame(day: Day) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(today's loaded customers corrected by the rules, correction audit)."""
    return rules.correct_customers(day.frames["customers"])


def _with_id_birth_date(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    birth = formats.cn_resident_id_birth_date(frame["national_id"])
    frame["_id_birth_date"] = birth.where(frame["country"].eq("CN").fillna(False).astype(bool))
    frame["date_of_birth"] = pd.to_datetime(frame["date_of_birth"])
    return frame


def _lender_timezone(paths: Paths, as_of: date) -> tzinfo:
    """The time zone the extract's manifest names (the business date ends at its midnight); when it
    names none or an unknown one, the lender's (the policy's reporting.lender_timezone, as for the DAG)."""
    try:
        return ZoneInfo(str(open_extract(paths.landing, as_of)[1].get("timezone")))
    except (BatchBlocked, ValueError, ZoneInfoNotFoundError):
        return ZoneInfo(lender_timezone(paths.policy))


def _context(day: Day, lender_zone: tzinfo) -> suites.Context:
    loaded = {name: day.rows_of(name) for name in LANDING_FILES}
    return suites.Context(day.as_of, day.counts.get("previous_customers", 0), day.counts.get("previous_loans", 0),
                          loaded.get("loans", 0), loaded.get("installments", 0), loaded.get("payments", 0),
                          loaded.get("contact_attempts", 0), lender_zone)


def _blocked_line(paths: Paths, as_of: date, failed: list[Outcome]) -> str:
    first = failed[0]
    file = first.file
    if file == "*" and first.sample:
        file = str(first.sample[0].get("file_name", file))
    where = paths.landing / as_of.isoformat() / file
    count = f"{first.unexpected_count:,} of {first.element_count:,} rows"
    more = f" (and {len(failed) - 1} more critical failure(s))" if len(failed) > 1 else ""
    example = first.example()
    return f"{where}: {first.rule}: {first.description} — {count}" + (f", {example}" if example else "") + more


def _validation_rows(night_outcomes: list[Outcome], as_of: date, run_id: str) -> pd.DataFrame:
    import json

    now = datetime.now(timezone.utc)
    return pd.DataFrame([{
        "run_id": run_id, "as_of_date": as_of, "file": o.file, "suite": f"arrears.{o.asset}", "rule": o.rule,
        "expectation": o.expectation, "description": o.description, "severity": o.severity, "action": o.action,
        "success": o.success, "element_count": o.element_count, "unexpected_count": o.unexpected_count,
        "unexpected_percent": o.unexpected_percent,
        "sample": json.dumps(o.sample[:5], ensure_ascii=False, default=str) if o.sample else None,
        "validated_at": now} for o in night_outcomes])


def _quarantine_rows(day: Day, outcomes: list[Outcome], as_of: date, run_id: str) -> pd.DataFrame:
    parts = []
    for o in outcomes:
        if o.success or o.action != "quarantine" or not o.rows or o.asset not in LANDING_FILES:
            continue
        rows = day.delivered_rows(o.asset, o.rows)
        rows = rows[rows["_ingest_problem"].isna()]
        if rows.empty:
            continue
        reason = pd.Series(o.description, index=rows.index)
        if o.rule == "loans.customer_exists":
            status = rows["_customer_status"].map({
                "never_delivered": "orphan loan: customer {} was never delivered",
                "rejected_without_history": "customer {}'s row was rejected at ingest and has no earlier version",
                "blank": "the loan names no customer{}"})
            reason = pd.Series([s.format(c if isinstance(c, str) else "") for s, c in
                                zip(status, rows["customer_id"])], index=rows.index)
        parts.append(pd.DataFrame({
            "as_of_date": as_of, "file": LANDING_FILES[o.asset].csv_name, "source_row": rows["_source_row"],
            "record_id": _record_id(rows, o.asset), "rule": o.rule, "severity": o.severity,
            "reason": reason, "run_id": run_id}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _final_customers(night: Night, run_id: str, audit: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """quality.customers rows of the date (delivered + restored) and the restored customers' audit."""
    day, as_of = night.day, night.as_of
    delivered = night.customers.copy()
    corrected_fields = audit[audit["rule"] != "fallback_last_valid"].groupby("record_id")["field"].agg(
        lambda f: sorted(set(f)))
    delivered["corrected_fields"] = delivered["customer_id"].map(corrected_fields)
    delivered["record_source"] = "delivered"
    delivered["restored_from"] = pd.NaT
    delivered["source_row"] = delivered["_source_row"]
    delivered["load_id"] = delivered["_load_id"]

    restored = day.restored_customers.copy()
    restored_audit = pd.DataFrame(columns=rules.CORRECTION_COLUMNS)
    if not restored.empty:
        restored, restored_audit = rules.correct_customers(restored)
        restored["corrected_fields"] = restored["customer_id"].map(
            restored_audit.groupby("record_id")["field"].agg(lambda f: sorted(set(f))))
        restored["record_source"] = "restored"
        restored["fallback_fields"] = [[] for _ in range(len(restored))]
        restored["invalid_fields"] = restored["invalid_fields"].map(lambda v: list(v) if v is not None else [])
        restored["source_row"] = pd.NA
        restored["load_id"] = None
    customers = pd.concat([delivered, restored], ignore_index=True)
    customers["corrected_fields"] = customers["corrected_fields"].map(lambda v: v if isinstance(v, list) else [])
    customers["as_of_date"] = as_of
    customers["run_id"] = run_id
    customers["date_of_birth"] = pd.to_datetime(customers["date_of_birth"]).dt.date
    customers["person_id"] = history.person_ids(customers)
    return customers, restored_audit


def _lost_rows(day: Day, as_of: date, run_id: str) -> pd.DataFrame:
    """quality.lost_records: records lost from today's snapshots, restored, or (customers that
    nothing shows were closed but no loan needs) reported."""
    parts = []
    if not day.restored_customers.empty:
        c = day.restored_customers
        parts.append(pd.DataFrame({
            "file": "customers.csv", "record_id": c["customer_id"], "action": "restored",
            "restored_from": c["restored_from"], "last_delivered_on": c["restored_from"],
            "reason": "absent from the snapshot while a loan still needs the customer (version of "
                      + c["_version_of"].astype(str).str.slice(0, 10) + ")"}))
    continuity = day.frames["customers_continuity"]
    gone = continuity[continuity["state"] == "unexplained"]
    if not gone.empty:
        parts.append(pd.DataFrame({
            "file": "customers.csv", "record_id": gone["customer_id"], "action": "reported",
            "restored_from": pd.NaT, "last_delivered_on": gone["last_delivered_on"],
            "reason": "absent from the snapshot; no loan of yesterday or today names the customer, so nothing "
                      "shows the relationship ended (not restored: no loan to collect)"}))
    if not day.restored_loans.empty:
        loans = day.restored_loans
        parts.append(pd.DataFrame({
            "file": "loans.csv", "record_id": loans["loan_id"], "action": "restored",
            "restored_from": loans["restored_from"], "last_delivered_on": loans["restored_from"],
            "reason": loans["reason"]}))
    if not day.restored_installments.empty:
        inst = day.restored_installments
        parts.append(pd.DataFrame({
            "file": "installments.csv",
            "record_id": inst["loan_id"].astype(str) + "|" + inst["installment_no"].astype(str), "action": "restored",
            "restored_from": inst["restored_from"], "last_delivered_on": inst["restored_from"],
            "reason": "schedule of restored loan " + inst["loan_id"].astype(str)}))
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    frame["as_of_date"] = as_of
    frame["run_id"] = run_id
    return frame


def validate_step(as_of: date, paths: Paths, run_id: str, data_docs: bool = True) -> dict:
    """Validate, correct and restore one business date (see the module docstring).
    `data_docs=False` skips rendering the GX Data Docs (tests that do not read them)."""
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc)
    validation = Validation(run_id, as_of.isoformat())
    folder = steward.docs_folder(paths, as_of)
    with writer(paths.warehouse) as con:
        store.ensure(con)
        zone = _lender_timezone(paths, as_of)
        day = prepare(con, as_of, signature=delta.signature(suites, zone))
        corrected, audit = _customers_frame(day)
        gx_customers = _with_id_birth_date(corrected)
        day.frames["customers"] = gx_customers
        context = _context(day, zone)
        for asset, build in suites.SUITES.items():
            expectations = build(context)
            carried = None
            if asset in day.delta.assets and asset in delta.CORRECTED_FIRST:
                day.frames[asset], carried_rows = delta.select_rows(con, asset, day.frames[asset], expectations,
                                                                    day.delta)
                carried = delta.carried_counts(con, asset, expectations, carried_rows)
            elif asset in day.delta.assets:
                carried = delta.carried_counts(con, asset, expectations)
            validation.run_chunks(asset, day.chunks(asset), expectations, carried)
        outcomes = validation.outcomes
        failed_critical = [o for o in outcomes if not o.success and o.severity == "critical"]
        results = _validation_rows(outcomes, as_of, run_id)

        if failed_critical:
            reason = _blocked_line(paths, as_of, failed_critical)
            store.insert_frame(con, "validation_results", results, list(results.columns))
            _record_run(con, run_id, as_of, "blocked", reason, started_at, started, outcomes, {})
            if data_docs:
                validation.build_docs(folder)
            steward.write_report(con, as_of, folder, blocked=reason)
            raise BatchBlocked(reason)

        # Warnings act. Customers: fields fall back to their last valid value.
        failing: dict[str, set[int]] = {}
        for o in outcomes:
            if o.asset == "customers" and o.action == "fallback" and not o.success:
                for field_name in o.fields:
                    failing.setdefault(field_name, set()).update(int(r) for r in o.rows if r is not None)
        loaded = gx_customers.set_index("_source_row", drop=False)
        loaded["date_of_birth"] = pd.to_datetime(loaded["date_of_birth"])
        fixed, fallback_audit, fallback_fields, invalid_fields = history.fall_back(loaded, failing, day.prior_customers)
        fixed["fallback_fields"] = fallback_fields
        fixed["invalid_fields"] = invalid_fields
        audit = pd.concat([audit, fallback_audit], ignore_index=True)
        night = Night(as_of, run_id, day, fixed.reset_index(drop=True), audit, outcomes)
        customers, restored_audit = _final_customers(night, run_id, audit)
        audit = pd.concat([audit, restored_audit], ignore_index=True)
        audit["as_of_date"], audit["file"], audit["run_id"] = as_of, "customers.csv", run_id
        quarantine = _quarantine_rows(day, outcomes, as_of, run_id)
        lost = _lost_rows(day, as_of, run_id)

        con.execute("begin transaction")
        try:
            store.clear_day(con, as_of)
            store.insert_frame(con, "validation_results", results, list(results.columns))
            store.insert_frame(con, "customers", customers, ["as_of_date", *CUSTOMER_COLUMNS, "person_id",
                               "record_source", "restored_from", "corrected_fields", "fallback_fields",
                               "invalid_fields", "source_row", "load_id", "run_id"])
            store.insert_frame(con, "corrections", audit, ["as_of_date", "file", "record_id", "field", "before",
                                                           "after", "rule", "run_id"])
            store.insert_frame(con, "quarantine", quarantine, ["as_of_date", "file", "source_row", "record_id", "rule",
                                                               "severity", "reason", "run_id"])
            store.insert_frame(con, "lost_records", lost, ["as_of_date", "file", "record_id", "action",
                                                           "restored_from", "last_delivered_on", "reason", "run_id"])
            loans = day.restored_loans.assign(as_of_date=as_of, run_id=run_id)
            store.insert_frame(con, "restored_loans", loans, ["as_of_date", *store.LOAN_COLUMNS, "restored_from",
                                                              "reason", "run_id"])
            installments = day.restored_installments.assign(as_of_date=as_of, run_id=run_id)
            store.insert_frame(con, "restored_installments", installments,
                               ["as_of_date", *store.INSTALLMENT_COLUMNS, "restored_from", "run_id"])
            delta.record(con, as_of, run_id, day.delta, outcomes)
            con.execute("insert into quality.days values (?, ?, now())", [as_of, run_id])
            linked = int(customers.groupby("person_id")["customer_id"].transform("count").gt(1).sum())
            counts = {"corrections": int((audit["rule"] != "fallback_last_valid").sum()),
                      "fallbacks": int((audit["rule"] == "fallback_last_valid").sum()),
                      "restored": int((lost["action"] == "restored").sum()) if len(lost) else 0,
                      "reported_lost": int((lost["action"] == "reported").sum()) if len(lost) else 0,
                      "quarantined": len(quarantine), "persons_linked": linked}
            _record_run(con, run_id, as_of, "ok", None, started_at, started, outcomes, counts)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        docs = validation.build_docs(folder) if data_docs else None
        report = steward.write_report(con, as_of, folder)
    failed_warning = sum(1 for o in outcomes if not o.success and o.severity != "critical")
    return {"expectations": len(outcomes), "failed_warnings": failed_warning,
            "corrections": counts["corrections"], "fallbacks": counts["fallbacks"],
            "restored": counts["restored"], "reported_lost": counts["reported_lost"],
            "quarantined": counts["quarantined"],
            "customers_linked_to_a_person": linked, "data_docs": str(docs) if docs else None,
            "steward_report": str(report), "mode": day.delta.mode, "mode_reason": day.delta.reason,
            "rows_validated": day.delta.validated, "rows_carried": day.delta.carried,
            "seconds": round(time.perf_counter() - started, 2)}


def _record_run(con, run_id: str, as_of: date, status: str, reason: str | None, started_at: datetime,
                started: float, outcomes: list[Outcome], counts: dict) -> None:
    failed_critical = sum(1 for o in outcomes if not o.success and o.severity == "critical")
    failed_warning = sum(1 for o in outcomes if not o.success and o.severity != "critical")
    con.execute("insert into quality.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        run_id, as_of, status, reason, started_at, round(time.perf_counter() - started, 2), len(outcomes),
        failed_critical, failed_warning, counts.get("corrections", 0), counts.get("fallbacks", 0),
        counts.get("restored", 0), counts.get("quarantined", 0), counts.get("persons_linked", 0)])
