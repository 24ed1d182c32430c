"""Issue 4, end to end on a real warehouse: GX validation, corrections, restoration, quarantine,
persons, masking, the blocked night, and the dbt quality layer.

- `faulty_book`: `arrears generate --faults` for three nights, each night ingested and validated
  (the truncated file blocks, the lender re-delivers it); every fault of the generator's ground
  truth must be detected, and each correctable one corrected, each lost record restored or
  reported — nothing else.
- `hand_book`: a hand-made book whose second night holds one of each case, and whose third night
  loses most customers (a critical failure: the night blocks).
"""
from __future__ import annotations

import ast
import csv
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from stdnum.cn import ric

from data_quality import store
from data_quality.step import validate_step
from data_quality.steward import REPORT_NAME, docs_folder
from pipelines import transform
from pipelines.errors import BatchBlocked
from pipelines.ingest import ingest
from pipelines.landing import LANDING_FILES
from pipelines.policy import load_policy
from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_POLICY, Paths
from tests.conftest import REPO
from tests.extracts import agent, customer, installment, loan, payment, small_book, write_extract

# One worker runs the whole module (`make test`: --dist loadscope, see tests/conftest.py), so its
# books are built once.

PII = ("full_name", "national_id", "phone", "email", "address_line1", "address_line2")


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _release_dbt() -> None:
    """dbt-duckdb keeps its connection open in the process after dbtRunner returns."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager._ENV = None


def _dbt(warehouse: Path, as_of: date, select: str, *extra: str) -> None:
    policy_vars = load_policy(DEFAULT_POLICY).dbt_vars()
    try:
        transform.run_dbt(["build", "--vars", transform.dbt_vars(as_of, **policy_vars), "--select", select,
                           "--indirect-selection", "cautious", *extra], warehouse)
    finally:
        _release_dbt()


def _csv_rows(path: Path, encoding: str) -> int:
    with path.open(encoding=encoding, newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


# --- the generator's faults ----------------------------------------------------------------------

@dataclass
class FaultyBook:
    paths: Paths
    truth: list[dict]
    blocked: dict[str, str]


@pytest.fixture(scope="module")
def faulty_book(tmp_path_factory) -> FaultyBook:
    from pipelines.generate import faults as generator_faults
    from pipelines.generate import generate

    root = tmp_path_factory.mktemp("faulty")
    start, days, loans, seed = date(2026, 10, 1), 3, 120, 11
    summary = generate(root / "landing", start, days, loans, seed=seed, faults=True, progress=False)
    # What the lender re-delivers after the blocked night: the same extract without the damage.
    truncate = generator_faults.Faults._truncate
    generator_faults.Faults._truncate = lambda self, as_of, path: None
    try:
        generate(root / "redelivered", start, days, loans, seed=seed, faults=True, progress=False)
    finally:
        generator_faults.Faults._truncate = truncate
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb", out=root / "out")
    blocked = {}
    for night in summary.dates:
        try:
            ingest(paths.landing, paths.warehouse, night, f"run-{night}")
        except BatchBlocked as exc:
            blocked[night.isoformat()] = str(exc)
            for file in (root / "redelivered" / night.isoformat()).iterdir():
                shutil.copyfile(file, paths.landing / night.isoformat() / file.name)
            ingest(paths.landing, paths.warehouse, night, f"run-{night}-redelivered")
        validate_step(night, paths, f"run-{night}")
    with summary.ground_truth.open(encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    return FaultyBook(paths, truth, blocked)


def _handled(con: duckdb.DuckDBPyConnection, fault: dict, blocked: dict[str, str]) -> bool:
    """Whether the pipeline detected the fault and did what the fault calls for."""
    day, kind, record, field = fault["as_of_date"], fault["fault_type"], fault["record_id"], fault["field"]

    def found(sql: str, *params) -> bool:
        return con.execute(sql, [day, *params]).fetchone()[0] > 0

    if kind in ("fullwidth_digits", "missing_country_code", "phone_separators", "uppercase_email"):
        # corrected back to exactly the value before the damage
        return found("""select count(*) from quality.corrections where as_of_date = ? and file = 'customers.csv'
                        and record_id = ? and field = ? and after = ?""", record, field, fault["original_value"])
    if kind == "blank_field":        # no earlier value exists: detected, kept and marked invalid (or fallen back)
        return found("""select count(*) from quality.customers where as_of_date = ? and customer_id = ?
                        and (list_contains(invalid_fields, ?) or list_contains(fallback_fields, ?))""",
                     record, field, field)
    if kind == "duplicate_person":   # the second customer id is linked to the person
        customer_id = record if fault["file"] == "customers.csv" else fault["injected_value"]
        return found("""select count(*) from quality.customers c where as_of_date = ? and customer_id = ?
                        and (select count(*) from quality.customers p
                             where p.as_of_date = c.as_of_date and p.person_id = c.person_id) > 1""", customer_id)
    if kind == "lost_record":        # restored, or reported when no loan of the file names the customer
        return found("""select count(*) from quality.lost_records where as_of_date = ? and file = 'customers.csv'
                        and record_id = ?""", record)
    if kind == "lost_loan":
        return found("""select count(*) from quality.lost_records where as_of_date = ? and file = 'loans.csv'
                        and record_id = ? and action = 'restored'""", record)
    if kind == "orphan_loan":
        return found("""select count(*) from quality.quarantine where as_of_date = ? and file = 'loans.csv'
                        and record_id = ? and rule = 'loans.customer_exists'""", record)
    if kind == "gbk_encoding":       # read as declared, and reported
        return found("""select count(*) from quality.validation_results where as_of_date = ?
                        and rule = 'files.encoding.utf8' and not success""")
    if kind == "truncated_file":     # the night blocked, naming the file
        return fault["file"] in blocked.get(day, "")
    raise AssertionError(f"unknown fault type {kind}")


def test_every_injected_fault_is_detected_and_corrected_restored_or_reported(faulty_book):
    from pipelines.generate.faults import FAULT_TYPES

    injected = Counter(f["fault_type"] for f in faulty_book.truth)
    assert set(injected) == set(FAULT_TYPES), "the book must contain every fault type"
    con = duckdb.connect(str(faulty_book.paths.warehouse), read_only=True)
    try:
        handled = Counter(f["fault_type"] for f in faulty_book.truth if _handled(con, f, faulty_book.blocked))
    finally:
        con.close()
    assert dict(handled) == dict(injected)


def test_nothing_is_restored_quarantined_or_rewritten_that_was_not_injected(faulty_book):
    con = duckdb.connect(str(faulty_book.paths.warehouse), read_only=True)
    try:
        con.execute("create temp table truth as select * from (values {}) t(as_of_date, fault_type, record_id, field)"
                    .format(", ".join(f"('{f['as_of_date']}', '{f['fault_type']}', '{f['record_id']}', '{f['field']}')"
                                      for f in faulty_book.truth)))
        extra_lost = con.execute("""select file, record_id from quality.lost_records r where file <> 'installments.csv'
            and not exists (select 1 from truth t where t.as_of_date = cast(r.as_of_date as varchar)
                            and t.record_id = r.record_id and t.fault_type in ('lost_record', 'lost_loan'))""").fetchall()
        extra_quarantine = con.execute("""select file, record_id, rule from quality.quarantine q
            where not exists (select 1 from truth t where t.as_of_date = cast(q.as_of_date as varchar)
                              and t.record_id = q.record_id and t.fault_type = 'orphan_loan')""").fetchall()
        extra_corrections = con.execute("""select record_id, field, rule from quality.corrections c
            where c.field in ('phone', 'email') and not exists (
                select 1 from truth t where t.as_of_date = cast(c.as_of_date as varchar)
                and t.record_id = c.record_id and t.field = c.field)""").fetchall()
    finally:
        con.close()
    assert (extra_lost, extra_quarantine, extra_corrections) == ([], [], [])


def test_no_customer_row_is_lost_between_raw_and_quality(faulty_book):
    """Every delivered row: in raw (typed) or quarantined at ingest; every loaded customer in
    quality.customers, plus the restored ones, each marked."""
    paths = faulty_book.paths
    for night in sorted({f["as_of_date"] for f in faulty_book.truth}):
        manifest = json.loads((paths.landing / night / "_manifest.json").read_text())
        for spec in LANDING_FILES.values():
            delivered = _csv_rows(paths.landing / night / spec.csv_name, manifest["files"][spec.csv_name]["encoding"])
            column = "as_of_date" if spec.kind == "snapshot" else "delivered_on"
            loaded = _query(paths.warehouse, f"select count(*) from raw.{spec.name} where {column} = ?", [night])[0][0]
            rejected, repeats = _query(paths.warehouse, """
                select (select count(*) from raw.rejected_rows where as_of_date = ? and file_name = ?),
                       (select duplicates_skipped from raw.load_log where as_of_date = ? and file_name = ?
                        order by loaded_at desc limit 1)""", [night, spec.csv_name, night, spec.csv_name])[0]
            assert delivered == loaded + rejected + repeats, (night, spec.name)
        raw_customers = _query(paths.warehouse, "select count(*) from raw.customers where as_of_date = ?", [night])[0][0]
        by_source = dict(_query(paths.warehouse, """select record_source, count(*) from quality.customers
                                                   where as_of_date = ? group by all""", [night]))
        restored = _query(paths.warehouse, """select count(*) from quality.lost_records where as_of_date = ?
                                              and file = 'customers.csv' and action = 'restored'""", [night])[0][0]
        assert by_source.get("delivered", 0) == raw_customers
        assert by_source.get("restored", 0) == restored


def test_personal_data_is_masked_in_data_docs_report_and_results(faulty_book):
    paths = faulty_book.paths
    values = {v for column in PII for (v,) in _query(
        paths.warehouse, f"select distinct {column} from raw.customers where length({column}) >= 6")}
    values |= {v for (v,) in _query(paths.warehouse, "select distinct \"before\" from quality.corrections "
                                                     "where length(\"before\") >= 6")}
    docs = paths.warehouse.parent / "data_docs"
    pages = {p: p.read_text(encoding="utf-8", errors="ignore") for p in docs.rglob("*.html")}
    samples = " ".join(s for (s,) in _query(paths.warehouse, "select sample from quality.validation_results "
                                                             "where sample is not null"))
    leaked = sorted({v for v in values if v in samples or any(v in text for text in pages.values())})
    assert leaked == []
    assert "****" in samples and any("****" in text for text in pages.values())


def test_data_docs_and_steward_report_are_written_per_night(faulty_book):
    paths = faulty_book.paths
    night = max(f["as_of_date"] for f in faulty_book.truth)
    folder = docs_folder(paths, date.fromisoformat(night))
    assert (folder / "index.html").exists()
    validated_assets = {p.parent.parent.parent.name for p in (folder / "validations").rglob("*.html")}
    assert {"customers", "loans", "installments", "payments", "contact_attempts", "flags", "agents",
            "customers_continuity", "loans_continuity", "files"} <= validated_assets
    report = (folder / REPORT_NAME).read_text(encoding="utf-8")
    restored = [r for (r,) in _query(paths.warehouse, "select record_id from quality.lost_records "
                                                       "where as_of_date = ? and file = 'loans.csv'", [night])]
    assert restored and all(r in report for r in restored)
    assert report.count("<td>ok</td>") == 3                  # counts over time: one row per night


# --- a hand-made book: one of each case ---------------------------------------------------------

N1, N2, N3 = date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 16)


def _national_id(n: int) -> str:
    body = f"110105198001{n % 28 + 1:02d}{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def _customers(ids: range) -> list[dict]:
    return [customer(f"C{n:02d}", national_id=_national_id(n), phone=f"+86138001380{n:02d}",
                     email=f"c{n}@example.com") for n in ids]


def _loans(ids: range, **overrides) -> list[dict]:
    return [loan(f"L{n:02d}", f"C{n:02d}", **overrides) for n in ids]


def _schedule(ids) -> list[dict]:
    return [installment(f"L{n:02d}", k, f"2026-0{k + 1}-10", "1000.00", "10.00") for n in ids for k in (1, 2, 3)]


def hand_nights() -> dict[date, dict[str, list[dict]]]:
    everyone = range(1, 31)
    night1 = {
        "customers": [*_customers(everyone), customer("C31", national_id=_national_id(31), phone="+8613800138031")],
        "loans": [*_loans(range(1, 3)), loan("L03", "C03", status="closed", closed_on="2026-03-10"),
                  *_loans(range(4, 31))],
        "installments": _schedule(everyone),
        "payments": [payment("P1", "L01", "2026-02-10", "1010.00")],
        "agents": [agent()],
    }
    customers2 = [c for c in _customers(everyone) if c["customer_id"] not in ("C01", "C03")]
    for c in customers2:
        if c["customer_id"] == "C04":
            c["phone"] = "not a phone"                                   # turned invalid: falls back
        if c["customer_id"] == "C05":
            c["national_id"] = _national_id(6)                           # same person as C06
        if c["customer_id"] == "C07":
            c["phone"] = "138 0013 8007"                                 # messy: corrected
    night2 = {
        "customers": customers2,                                          # C01 lost, C03 left, C31 gone
        "loans": [_loans(range(1, 2))[0], *_loans(range(4, 31)), loan("L99", "C99")],   # L02 lost, L03 closed & left
        "installments": [i for i in _schedule(everyone) if i["loan_id"] not in ("L02", "L03")],  # L02's lost too
        "payments": [payment("P2", "L04", "2026-03-15", "0.00"), payment("P3", "L77", "2026-03-15", "10.00")],
        # code values in another case are what staging reads (lower-cased, trimmed): not quarantined
        "flags": [{"subject_type": "Loan", "subject_id": "L05", "flag": "Dispute ", "effective_from": "2026-03-12",
                   "effective_to": "", "note": ""}],
        "agents": [agent()],
    }
    night3 = night2 | {"customers": [c for c in customers2 if c["customer_id"] >= "C26"]}   # most customers lost
    return {N1: night1, N2: night2, N3: night3}


@pytest.fixture(scope="module")
def hand_book(tmp_path_factory) -> tuple[Paths, str]:
    root = tmp_path_factory.mktemp("hand")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb", out=root / "out")
    for night, rows in hand_nights().items():
        write_extract(paths.landing, night, rows)
    for night in (N1, N2):
        ingest(paths.landing, paths.warehouse, night, f"run-{night}")
        validate_step(night, paths, f"run-{night}", data_docs=False)
    ingest(paths.landing, paths.warehouse, N3, "run-n3")
    with pytest.raises(BatchBlocked) as blocked:
        validate_step(N3, paths, "run-n3", data_docs=False)
    return paths, str(blocked.value)


def _customer(paths: Paths, customer_id: str, night: date = N2) -> dict:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        cursor = con.execute("select * from quality.customers where as_of_date = ? and customer_id = ?",
                             [night, customer_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row)) if row else {}
    finally:
        con.close()


def test_lost_customer_and_lost_loan_are_restored_a_closed_loan_may_leave(hand_book):
    paths, _ = hand_book
    lost = {(f, r): (a, reason) for f, r, a, reason in _query(
        paths.warehouse, "select file, record_id, action, reason from quality.lost_records where as_of_date = ?", [N2])}
    assert lost[("customers.csv", "C01")][0] == "restored"
    assert lost[("loans.csv", "L02")][0] == "restored" and "status active" in lost[("loans.csv", "L02")][1]
    assert {r for f, r in lost if f == "installments.csv"} == {"L02|1", "L02|2", "L02|3"}
    assert lost[("customers.csv", "C31")][0] == "reported"           # gone, and no loan ever named C31
    assert ("customers.csv", "C03") not in lost and ("loans.csv", "L03") not in lost
    c01 = _customer(paths, "C01")
    assert (c01["record_source"], c01["restored_from"], c01["phone"]) == ("restored", N1, "+8613800138001")


def test_a_field_that_turned_invalid_falls_back_to_its_last_valid_value(hand_book):
    paths, _ = hand_book
    c04 = _customer(paths, "C04")
    assert (c04["phone"], c04["fallback_fields"], c04["invalid_fields"]) == ("+8613800138004", ["phone"], [])
    assert _query(paths.warehouse, """select before, after from quality.corrections where as_of_date = ?
                  and record_id = 'C04' and rule = 'fallback_last_valid'""", [N2]) == [("not a phone", "+8613800138004")]
    c07 = _customer(paths, "C07")
    assert (c07["phone"], c07["corrected_fields"]) == ("+8613800138007", ["phone"])


def test_customers_sharing_a_national_id_are_one_person(hand_book):
    paths, _ = hand_book
    assert _customer(paths, "C05")["person_id"] == _customer(paths, "C06")["person_id"]
    assert _customer(paths, "C05", N1)["person_id"] != _customer(paths, "C06", N1)["person_id"]


def test_warning_rows_are_quarantined_with_file_row_and_reason(hand_book):
    paths, _ = hand_book
    rows = _query(paths.warehouse, """select file, source_row, record_id, rule, reason from quality.quarantine
                                      where as_of_date = ? order by file, source_row""", [N2])
    assert rows == [
        ("loans.csv", 29, "L99", "loans.customer_exists", "orphan loan: customer C99 was never delivered"),
        ("payments.csv", 1, "P2", "payments.amount.positive", "amount > 0"),
        ("payments.csv", 2, "P3", "payments.loan_exists", "the payment's loan is known (today's or yesterday's loans)"),
    ]


def test_a_critical_failure_blocks_the_night_with_one_line_and_is_recorded(hand_book):
    paths, reason = hand_book
    assert "\n" not in reason
    # 29 customers on N2; on N3 the loans still need 24 of them (C01, C02 through their loans, C04-C25)
    assert re.search(r"2026-03-16/customers\.csv: customers\.lost\.mass: .* — 24 of 29 rows, "
                     r"e\.g\. C01 \(state=lost\)$", reason), reason
    assert _query(paths.warehouse, "select status, reason from quality.runs where as_of_date = ?", [N3]) == [
        ("blocked", reason)]
    assert _query(paths.warehouse, "select count(*) from quality.days where as_of_date = ?", [N3]) == [(0,)]
    assert _query(paths.warehouse, "select count(*) from quality.customers where as_of_date = ?", [N3]) == [(0,)]
    failed = _query(paths.warehouse, """select rule, severity from quality.validation_results
                                        where as_of_date = ? and not success and severity = 'critical'""", [N3])
    assert failed == [("customers.lost.mass", "critical")]
    assert "Batch blocked" in (docs_folder(paths, N3) / REPORT_NAME).read_text(encoding="utf-8")


def test_rerunning_a_night_leaves_the_quality_tables_as_they_were(hand_book):
    paths, _ = hand_book

    def snapshot() -> dict[str, list]:
        return {t: _query(paths.warehouse, f"select * exclude (run_id) from quality.{t} where as_of_date = ? "
                                           "order by all", [N2]) for t in store.PER_DAY_TABLES if t != "days"}

    before = snapshot()
    validate_step(N2, paths, "rerun", data_docs=False)
    assert snapshot() == before


@pytest.mark.parametrize("zone, known_by_then", [("America/New_York", True), ("Asia/Shanghai", False)])
def test_the_business_date_ends_at_midnight_in_the_manifests_time_zone(tmp_path, zone, known_by_then):
    """A payment booked at 20:00 New York time on the business date is not 'in the future' for a
    lender in New York, but is for one in Shanghai (where that instant is the next morning)."""
    paths = Paths.resolve(landing=tmp_path / "landing", warehouse=tmp_path / "w" / "arrears.duckdb", out=tmp_path / "o")
    book = small_book()
    book["payments"] = [payment("P1", "L1", "2026-03-15", "1030.00", booked_at="2026-03-15T20:00:00-04:00")]
    folder = write_extract(paths.landing, N2, book)
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    (folder / "_manifest.json").write_text(json.dumps(manifest | {"timezone": zone}), encoding="utf-8")
    ingest(paths.landing, paths.warehouse, N2, "run")
    validate_step(N2, paths, "run", data_docs=False)
    assert _query(paths.warehouse, "select success from quality.validation_results "
                                   "where rule = 'payments.booked_at.not_future'") == [(known_by_then,)]


def test_quality_macro_columns_match_the_tables_the_step_creates(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    store.ensure(con)
    created = {}
    for table, column, kind in con.execute("""select table_name, column_name, data_type from information_schema.columns
                                              where table_schema = 'quality' order by table_name, ordinal_position""").fetchall():
        created.setdefault(table, []).append([column, kind])
    con.close()
    macro = (DBT_PROJECT_DIR / "macros" / "quality" / "quality_source.sql").read_text()
    listed = ast.literal_eval(re.search(r"return\((\{.*?\})\)", macro, re.S).group(1))
    assert listed == created


# --- the dbt layer --------------------------------------------------------------------------------

QUALITY_MODELS = "+path:models/intermediate/quality path:tests/quality stg_customers"


@pytest.mark.slow
def test_dbt_quality_layer_accounts_for_every_row_restores_and_keeps_history(hand_book):
    paths, _ = hand_book
    _dbt(paths.warehouse, N2, QUALITY_MODELS)       # includes the row-accounting test of N2
    w = paths.warehouse

    # stg_customers: validated nights from quality.customers, the blocked night as delivered
    assert dict(_query(w, "select record_source, count(*) from staging.stg_customers where as_of_date = ? "
                          "group by all", [N2])) == {"delivered": 28, "restored": 1}
    assert _query(w, "select distinct record_source from staging.stg_customers where as_of_date = ?", [N3]) == [
        ("unvalidated",)]
    assert _query(w, "select is_restored, person_id is not null from staging.stg_customers "
                     "where as_of_date = ? and customer_id = 'C01'", [N2]) == [(True, True)]

    # no delivered row lost, per file per night: delivered = staging + quarantined + repeats
    for night in (N1, N2):
        for spec in LANDING_FILES.values():
            delivered = _csv_rows(paths.landing / str(night) / spec.csv_name, "utf-8")
            staged, at_ingest, by_validation, repeats, unaccounted, held_outside = _query(w, """
                select in_staging, quarantined_at_ingest, quarantined_by_validation, repeat_events_skipped,
                       unaccounted, held_not_in_staging
                from intermediate.int_quality_row_accounting where as_of_date = ? and file = ?""",
                [night, spec.csv_name])[0]
            assert delivered == staged + at_ingest + repeats and unaccounted == 0 and held_outside == 0
            assert delivered == (staged - by_validation) + by_validation + at_ingest + repeats

    # what the accountability mart reads: blocked orphans, restored loans and customers
    status = {loan_id: (s, blocks, reason) for loan_id, s, blocks, reason in _query(
        w, "select loan_id, data_status, blocks_collection, reason from intermediate.int_quality_loan_data_status "
           "where as_of_date = ?", [N2])}
    assert status["L99"] == ("orphan", True, "orphan loan: customer C99 was never delivered")
    assert status["L02"][:2] == ("restored", False) and status["L01"][:2] == ("customer_restored", False)
    assert _query(w, "select count(*) from intermediate.int_quality_loans where as_of_date = ? and loan_id = 'L02' "
                     "and is_restored", [N2]) == [(1,)]
    assert _query(w, "select count(*) from intermediate.int_quality_installments where as_of_date = ? "
                     "and loan_id = 'L02'", [N2]) == [(3,)]

    # SCD2 on business dates: C04's phone has one version (the fallback kept it), C05 two persons
    history = "select * from intermediate.int_quality_customer_history order by all"
    full = _query(w, history)
    assert _query(w, "select count(*) from intermediate.int_quality_customer_history "
                     "where customer_id = 'C04' and valid_from <= ? and (valid_to is null or valid_to > ?)",
                  [N2, N2]) == [(1,)]
    c05 = _query(w, "select valid_from, valid_to from intermediate.int_quality_customer_history "
                    "where customer_id = 'C05' order by valid_from")
    assert c05[:2] == [(N1, N2), (N2, N3)]
    # an incremental rerun of N2 (truncate at N2, recompute N2 and N3) rebuilds exactly the same history
    _dbt(w, N2, "int_quality_customer_history")
    assert _query(w, history) == full


@pytest.mark.slow
def test_a_lost_loan_keeps_its_dpd_and_is_accounted_for_quarantined_rows_do_not_count(hand_book):
    """L02 vanished from N2's snapshot with its schedule: it is measured on its restored version
    (overdue since 02-10, DPD 33) and has its one accountability row. The payments quarantined on N2
    (P2: amount 0, P3: unknown loan L77) stay in staging, marked, and count for nothing."""
    paths, _ = hand_book
    w = paths.warehouse
    _dbt(w, N2, "+overdue_accountability +loan_dpd_workings +loan_installment_allocation +loan_payment_effects "
         "+delivered_loans +quarantined_payments",
         "--exclude-resource-type", "unit_test")  # explain reads the marts views
    assert _query(w, """select dpd, overdue_since, overdue_amount, bucket, is_restored from marts.loan_delinquency
                        where as_of_date = ? and loan_id = 'L02'""", [N2]) == [
        (33, date(2026, 2, 10), Decimal("2020.00"), "M2", True)]
    assert _query(w, """select count(*), any_value(outcome) <> 'data_blocked', any_value(data_status)
                        from marts.overdue_accountability where as_of_date = ? and loan_id = 'L02'""", [N2]) == [
        (1, True, "restored")]
    assert _query(w, """select outcome, suppressed_by from marts.overdue_accountability
                        where as_of_date = ? and loan_id = 'L05'""", [N2]) == [("suppressed", "block")]  # "Dispute "
    assert _query(w, "select payment_id, is_quarantined from staging.stg_payments order by 1") == [
        ("P1", False), ("P2", True), ("P3", True)]
    assert _query(w, "select payment_id from intermediate.int_payment_effects order by 1") == [("P1",)]
    # what an agent sees: the restoration, and the quarantined payment that never counts
    from pipelines.explain import explain
    assert "restored: the 2026-03-15 snapshot lost this loan" in explain("L02", N2, w)
    assert "never counts (quarantined: amount > 0)" in explain("L04", N2, w)


@pytest.mark.slow
def test_dag_validates_between_ingest_and_dbt():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO / "dags")).dags["arrears_nightly"]
    validate = dag.get_task("validate")
    assert validate.upstream_task_ids == {"ingest"}        # the graph is a chain: the load, then validation
    assert validate.downstream_task_ids and all(t.startswith("dbt.") for t in validate.downstream_task_ids)
