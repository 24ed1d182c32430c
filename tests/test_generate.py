"""The synthetic lender (pipelines.generate): contract shape, control totals, determinism,
exact money, calibration against the Home Credit sample, and injected faults with ground truth."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from pipelines.generate import generate
from pipelines.generate.calibration import calibration_report
from pipelines.generate.faults import FAULT_TYPES, GROUND_TRUTH
from pipelines.landing import LANDING_FILES, MANIFEST_NAME

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HOME_CREDIT = SHARED / "realdata" / "home_credit_sample" / "installments_payments.csv"
START = date(2026, 10, 1)
DAYS = 3
LOANS = 1_500
MONEY = re.compile(r"^\d+\.\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")

# Tolerances of the calibration test (generated vs the Home Credit sample).
LATE_SHARE_TOLERANCE = 0.015      # absolute, on a share of about 0.09
MEDIAN_DAYS_LATE_TOLERANCE = 1    # days


def _folders(out: Path) -> list[Path]:
    return [out / (START + timedelta(days=i)).isoformat() for i in range(DAYS)]


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    encoding = _manifest(folder)["files"][name]["encoding"]
    return list(csv.DictReader(io.StringIO((folder / name).read_bytes().decode(encoding), newline="")))


def _all_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(out, START, DAYS, LOANS, seed=7, progress=False)
    return out


@pytest.fixture(scope="module")
def faulted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("faulted")
    generate(out, START, DAYS, LOANS, seed=7, faults=True, progress=False)
    return out


@pytest.fixture(scope="module")
def ground_truth(faulted: Path) -> pd.DataFrame:
    return pd.read_csv(faulted / GROUND_TRUTH, dtype=str, keep_default_na=False)


# -- determinism ---------------------------------------------------------------------------------

def test_same_arguments_give_byte_identical_files(landing: Path, tmp_path: Path):
    generate(tmp_path, START, DAYS, LOANS, seed=7, progress=True)
    assert _all_bytes(tmp_path) == _all_bytes(landing)
    generate(tmp_path, START, DAYS, LOANS, seed=7, progress=False)   # rewriting an existing landing zone
    assert _all_bytes(tmp_path) == _all_bytes(landing)


def test_other_seed_gives_other_files(landing: Path, tmp_path: Path):
    generate(tmp_path, START, 1, LOANS, seed=8, progress=False)
    day = START.isoformat()
    assert (tmp_path / day / "loans.csv").read_bytes() != (landing / day / "loans.csv").read_bytes()


def test_more_days_leave_earlier_days_unchanged(landing: Path, tmp_path: Path):
    generate(tmp_path, START, DAYS - 1, LOANS, seed=7, progress=False)
    written = _all_bytes(tmp_path)
    assert written and all(written[name] == _all_bytes(landing)[name] for name in written)


# -- the contract ---------------------------------------------------------------------------------

OPTIONAL_COLUMNS = {"agents.csv": ["regions"]}


def test_every_file_has_the_contract_columns_in_order(landing: Path):
    for folder in _folders(landing):
        expected = [MANIFEST_NAME] + [f.csv_name for f in LANDING_FILES.values()]
        assert sorted(p.name for p in folder.iterdir()) == sorted(expected)
        for spec in LANDING_FILES.values():
            header = (folder / spec.csv_name).read_bytes().split(b"\r\n", 1)[0].decode()
            # the required columns first, then the optional ones the contract names (field agents' regions)
            assert header.split(",") == list(spec.columns) + OPTIONAL_COLUMNS.get(spec.csv_name, []), spec.csv_name
    assert not [p for p in landing.iterdir() if p.name.startswith(".")], "temporary folders left behind"


def test_manifest_rows_sha256_and_sums_match_the_files(landing: Path):
    for folder in _folders(landing):
        manifest = _manifest(folder)
        assert (manifest["as_of"], manifest["timezone"], manifest["currency"]) == (folder.name, "Asia/Shanghai", "CNY")
        manifest_written = (folder / MANIFEST_NAME).stat().st_mtime_ns
        for spec in LANDING_FILES.values():
            declared = manifest["files"][spec.csv_name]
            path = folder / spec.csv_name
            assert path.stat().st_mtime_ns <= manifest_written, "manifest must be written last"
            assert declared["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert declared["encoding"] == "utf-8"
            rows = _rows(folder, spec.csv_name)
            assert declared["rows"] == len(rows)
            for column in spec.money_columns:
                values = [r[column] for r in rows if r[column]]
                assert all(MONEY.match(v) for v in values), column
                assert declared["sums"][column] == f"{sum(map(Decimal, values), Decimal('0')):.2f}"


def test_schedules_sum_to_the_principal_exactly(landing: Path):
    for folder in _folders(landing):
        principal = {r["loan_id"]: Decimal(r["principal_amount"]) for r in _rows(folder, "loans.csv")}
        scheduled = defaultdict(Decimal)
        for r in _rows(folder, "installments.csv"):
            scheduled[r["loan_id"]] += Decimal(r["principal_due"])
        assert scheduled == principal


def test_loans_of_every_status_and_product_are_present(landing: Path):
    loans = pd.DataFrame(_rows(_folders(landing)[-1], "loans.csv"))
    assert set(loans["status"]) == {"active", "closed", "written_off", "restructured"}
    assert set(loans["product"]) == {"cash_loan", "consumer_instalment"}
    closed = loans[loans["status"].isin(["closed", "written_off"])]
    assert (closed["closed_on"] != "").all() and (loans.loc[loans["status"] == "active", "closed_on"] == "").all()
    rate = loans["annual_interest_rate"].astype(float)
    assert rate.between(0.06, 0.24).all()


def test_customers_look_like_a_chinese_lenders_master(landing: Path):
    customers = pd.DataFrame(_rows(_folders(landing)[0], "customers.csv"))
    mainland = customers[customers["country"] == "CN"]
    assert len(mainland) / len(customers) > 0.9
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for national_id, birth in zip(mainland["national_id"], mainland["date_of_birth"]):
        check = "10X98765432"[sum(int(d) * w for d, w in zip(national_id[:17], weights)) % 11]
        assert national_id[17] == check and national_id[6:14] == birth.replace("-", "")
    assert mainland["phone"].str.fullmatch(r"\+861[3-9]\d{9}").all()
    abroad = customers[customers["country"] != "CN"]
    codes = {"HK": "+852", "SG": "+65", "GB": "+44", "US": "+1"}
    assert all(phone.startswith(codes[country]) for phone, country in zip(abroad["phone"], abroad["country"]))
    assert customers["updated_at"].str.match(TIMESTAMP).all()
    assert set(customers["preferred_language"]) == {"zh-CN", "en"}


def test_events_first_day_full_load_then_increments(landing: Path):
    first, *later = _folders(landing)
    history = pd.DataFrame(_rows(first, "payments.csv"))
    assert history["value_date"].min() < (START - timedelta(days=365)).isoformat()
    for folder in later:
        payments = pd.DataFrame(_rows(folder, "payments.csv"))
        booked = payments["booked_at"].str[:10]
        assert (booked <= folder.name).all() and (payments["value_date"] <= booked).all()
        assert payments["booked_at"].str.match(TIMESTAMP).all()
    contacts = pd.DataFrame(_rows(first, "contact_attempts.csv"))
    promise = contacts["outcome"] == "promise_to_pay"
    assert ((contacts["promise_amount"] != "") == promise).all() and ((contacts["promise_date"] != "") == promise).all()
    assert ((contacts["agent_id"] == "") == contacts["channel"].isin(["sms", "email", "letter"])).all()
    hours = contacts["started_at"].str[11:13].astype(int)
    assert hours.between(8, 20).all()


def test_reversals_name_an_earlier_payment_of_the_same_amount(landing: Path):
    payments = pd.concat([pd.DataFrame(_rows(f, "payments.csv")) for f in _folders(landing)]).drop_duplicates()
    by_id = payments.set_index("payment_id")
    reversals = payments[payments["reverses_payment_id"] != ""]
    assert len(reversals) > 0
    original = by_id.loc[reversals["reverses_payment_id"]]
    assert (original["amount"].values == reversals["amount"].values).all()
    assert (original["booked_at"].values < reversals["booked_at"].values).all()


# -- calibration -----------------------------------------------------------------------------------

def test_lateness_is_calibrated_against_home_credit(tmp_path: Path):
    real = pd.read_csv(HOME_CREDIT, encoding="utf-8-sig")
    late_days = real["DAYS_ENTRY_PAYMENT"] - real["DAYS_INSTALMENT"]
    real_share, real_median = (late_days > 0).mean(), late_days[late_days > 0].median()

    generate(tmp_path, START, 1, 12_000, seed=11, progress=False)
    report = calibration_report(tmp_path)
    assert abs(report["late_share"] - real_share) <= LATE_SHARE_TOLERANCE
    assert abs(report["days_late"]["p50"] - real_median) <= MEDIAN_DAYS_LATE_TOLERANCE
    assert 0.55 <= report["promise_kept_rate"] <= 0.75           # industry range 60-80%, target ~65%
    assert 0.40 <= report["call_outcomes"]["no_answer"] <= 0.50


# -- faults ----------------------------------------------------------------------------------------

def test_ground_truth_lists_every_fault_type(ground_truth: pd.DataFrame):
    assert list(ground_truth.columns) == ["as_of_date", "file", "fault_type", "record_id", "field",
                                          "original_value", "injected_value"]
    assert set(ground_truth["fault_type"]) == set(FAULT_TYPES)


def test_injected_values_appear_in_the_files(faulted: Path, ground_truth: pd.DataFrame):
    record_faults = ground_truth[ground_truth["field"].isin(["phone", "email"])]
    for (day, file), faults in record_faults.groupby(["as_of_date", "file"]):
        rows = {r["customer_id"]: r for r in _rows(faulted / day, file)}
        for fault in faults.itertuples():
            assert rows[fault.record_id][fault.field] == fault.injected_value, fault
            assert fault.injected_value != fault.original_value


def test_lost_records_are_missing_for_one_day(faulted: Path, ground_truth: pd.DataFrame):
    for fault_type, file, key in (("lost_record", "customers.csv", "customer_id"),
                                  ("lost_loan", "loans.csv", "loan_id")):
        lost = ground_truth[ground_truth["fault_type"] == fault_type]
        assert len(lost) > 0 and (lost["as_of_date"] > START.isoformat()).all()
        for day, faults in lost.groupby("as_of_date"):
            present = {r[key] for r in _rows(faulted / day, file)}
            before = {r[key] for r in _rows(faulted / (date.fromisoformat(day) - timedelta(days=1)).isoformat(), file)}
            assert not set(faults["record_id"]) & present
            assert set(faults["record_id"]) <= before


def test_duplicate_persons_and_orphan_loans(faulted: Path, ground_truth: pd.DataFrame):
    day = faulted / START.isoformat()
    customers = {r["customer_id"]: r for r in _rows(day, "customers.csv")}
    loans = {r["loan_id"]: r for r in _rows(day, "loans.csv")}
    on_day = ground_truth[ground_truth["as_of_date"] == START.isoformat()]
    duplicates = on_day[(on_day["fault_type"] == "duplicate_person") & (on_day["file"] == "loans.csv")]
    assert len(duplicates) > 0
    for fault in duplicates.itertuples():
        assert loans[fault.record_id]["customer_id"] == fault.injected_value
        person, copy = customers[fault.original_value], customers[fault.injected_value]
        assert [person[c] for c in ("national_id", "full_name", "date_of_birth")] == \
               [copy[c] for c in ("national_id", "full_name", "date_of_birth")]
    orphans = on_day[on_day["fault_type"] == "orphan_loan"]
    assert len(orphans) > 0
    for fault in orphans.itertuples():
        assert loans[fault.record_id]["customer_id"] == fault.injected_value
        assert fault.injected_value not in customers


def test_truncated_file_does_not_match_its_manifest(faulted: Path, ground_truth: pd.DataFrame):
    truncated = ground_truth[ground_truth["fault_type"] == "truncated_file"]
    assert len(truncated) == 1
    fault = truncated.iloc[0]
    assert fault["as_of_date"] != START.isoformat()
    path = faulted / fault["as_of_date"] / fault["file"]
    declared = _manifest(path.parent)["files"][fault["file"]]
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() != declared["sha256"]
    assert len(data) == int(fault["injected_value"]) < int(fault["original_value"])
    assert not data.endswith(b"\r\n")                      # cut in the middle of a row
    assert data.count(b"\r\n") - 1 < declared["rows"]


def test_gbk_file_is_declared_and_decodes_only_as_gbk(faulted: Path, ground_truth: pd.DataFrame):
    fault = ground_truth[ground_truth["fault_type"] == "gbk_encoding"].iloc[0]
    folder = faulted / fault["as_of_date"]
    assert _manifest(folder)["files"][fault["file"]]["encoding"] == "gbk"
    data = (folder / fault["file"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "customer_id" in data.decode("gbk")


def test_faults_leave_the_rest_of_the_extract_as_it_was(landing: Path, faulted: Path, ground_truth: pd.DataFrame):
    damaged = set(zip(ground_truth["as_of_date"], ground_truth["file"]))
    for folder in _folders(landing):
        for name in ("installments.csv", "payments.csv", "contact_attempts.csv", "flags.csv", "agents.csv"):
            if (folder.name, name) not in damaged:
                assert (folder / name).read_bytes() == (faulted / folder.name / name).read_bytes(), (folder.name, name)
