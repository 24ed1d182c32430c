"""Delinquency engine end to end: hand-made extracts, real ingestion, real DuckDB, real dbt.

One small book over two nights (2026-03-15, 2026-03-16), then a rerun of the first night, built
once for the module (three dbt builds) and read by the tests below. Each loan is one case:

    L1  instalment 2 (due 03-10) unpaid                    DPD 5 -> 6
    L2  nothing paid, open dispute on the loan             DPD 33, suppressed
    L3  its customer is missing from the snapshot          DPD 5, data_blocked
    L4  paid ahead                                         current
    L5  closed                                             not in loan_delinquency
    L6  written off, nothing paid                          DPD 33, kept and marked
    L7  instalment 2 paid on 03-10, delivered on 03-16     DPD 5 on 03-15 (also on its rerun), 0 on 03-16
    L8  paid ahead, the payment reversed on 03-16          current, then DPD 34
    L9  restructured on 03-16 (rest of schedule moved)     DPD 5, then 0
    L10 instalment 2 short by 0.50 (within tolerance)      current
"""
from __future__ import annotations

import argparse
import copy
import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipelines.cli import main
from pipelines.errors import PolicyError
from pipelines.ingest import ingest
from pipelines.policy import load_policy
from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_POLICY
from pipelines.transform import dbt_vars, run_dbt
from pipelines.warehouse import reader
from tests.extracts import agent, customer, installment, loan, payment, write_extract

N1, N2 = date(2026, 3, 15), date(2026, 3, 16)
# The delinquency models and their ancestors: the tests stay lean and independent of other marts.
MODELS = ("int_payment_effects int_installment_allocation int_loan_delinquency loan_delinquency contact_timeliness "
          "overdue_accountability loan_bucket_history loan_delinquency_month_end")
SELECT = ("+loan_delinquency +overdue_accountability +contact_timeliness +loan_bucket_history +loan_delinquency_month_end "
          "+loan_dpd_workings +loan_installment_allocation +loan_payment_effects "
          "+delivered_loans +quarantined_payments")  # the views explain reads


def _schedule(loan_id: str) -> list[dict]:
    return [installment(loan_id, 1, "2026-02-10", "1000.00", "30.00"),
            installment(loan_id, 2, "2026-03-10", "1000.00", "20.00"),
            installment(loan_id, 3, "2026-04-10", "1000.00", "10.00")]


def _book(night: date) -> dict[str, list[dict]]:
    ids = range(1, 11)
    statuses = {5: {"status": "closed", "closed_on": "2026-03-01"}, 6: {"status": "written_off"}}
    if night == N2:
        statuses[9] = {"status": "restructured"}
    rows = {
        "customers": [customer(f"C{i}") for i in ids if i != 3],
        "loans": [loan(f"L{i}", f"C{i}", **statuses.get(i, {})) for i in ids],
        "installments": [row for i in ids if not (i == 9 and night == N2) for row in _schedule(f"L{i}")],
        "flags": [{"subject_type": "loan", "subject_id": "L2", "flag": "dispute", "effective_from": "2026-03-01",
                   "effective_to": "", "note": "customer disputes the interest"}],
        "agents": [agent()],
    }
    if night == N2:  # the rest of L9's schedule moved to 04-10 .. 06-10
        rows["installments"] += [installment("L9", 1, "2026-02-10", "1000.00", "30.00"),
                                 installment("L9", 2, "2026-04-10", "500.00", "15.00"),
                                 installment("L9", 3, "2026-05-10", "500.00", "15.00"),
                                 installment("L9", 4, "2026-06-10", "1000.00", "10.00")]
    first = [payment(f"P{i}", f"L{i}", "2026-02-10", "1030.00") for i in (1, 3, 7, 9, 10)]
    rows["payments"] = {
        N1: first + [payment("P4", "L4", "2026-03-01", "2050.00"), payment("P8", "L8", "2026-03-10", "2050.00"),
                     payment("P10b", "L10", "2026-03-10", "1019.50")],
        N2: [payment("P7b", "L7", "2026-03-10", "1020.00"),          # late arrival: value 03-10, delivered 03-16
             payment("R8", "L8", "2026-03-16", "2050.00", reverses="P8")],
    }[night]
    return rows


def _build(night: date, warehouse: Path) -> None:
    """What the night does (transform.build with the policy's vars), for the delinquency marts only."""
    policy_vars = load_policy(DEFAULT_POLICY).dbt_vars()
    run_dbt(["build", "--vars", dbt_vars(night, **policy_vars), "--select", SELECT,
             "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"], warehouse)


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with reader(warehouse) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> dict:
    """Build N1, N2, then rerun N1; keep what the tables held before the rerun."""
    root = tmp_path_factory.mktemp("delinquency")
    landing, warehouse = root / "landing", root / "warehouse" / "arrears.duckdb"
    for night in (N1, N2):
        write_extract(landing, night, _book(night))
        ingest(landing, warehouse, night, f"run-{night}")
        _build(night, warehouse)
    before = {t: _query(warehouse, f"select * from marts.{t} order by all")
              for t in ("loan_delinquency", "loan_bucket_history", "loan_delinquency_month_end")}
    ingest(landing, warehouse, N1, "rerun")
    _build(N1, warehouse)
    return {"warehouse": warehouse, "before_rerun": before}


def _delinquency(warehouse: Path, night: date) -> dict[str, tuple]:
    rows = _query(warehouse, """select loan_id, dpd, bucket, stage, is_overdue, overdue_amount, is_written_off
                                from marts.loan_delinquency where as_of_date = ?""", [night])
    return {r[0]: r[1:] for r in rows}


slow = pytest.mark.slow  # real dbt runs


@slow
def test_dpd_bucket_and_stage_per_loan_per_night(nights):
    first, second = _delinquency(nights["warehouse"], N1), _delinquency(nights["warehouse"], N2)
    assert "L5" not in first and "L5" not in second  # closed
    expected_first = {"L1": 5, "L2": 33, "L3": 5, "L4": 0, "L6": 33, "L7": 5, "L8": 0, "L9": 5, "L10": 0}
    expected_second = {"L1": 6, "L2": 34, "L3": 6, "L4": 0, "L6": 34, "L7": 0, "L8": 34, "L9": 0, "L10": 0}
    assert {k: v[0] for k, v in first.items()} == expected_first
    assert {k: v[0] for k, v in second.items()} == expected_second
    assert first["L1"][1:5] == ("M1", "early", True, pytest.approx(1020))
    assert first["L2"][1:4] == ("M2", "middle", True)
    assert first["L4"][1:4] == ("M0", "current", False)
    assert first["L6"][1:4] == ("M2", "middle", True) and first["L6"][5] is True  # written off: kept, marked
    assert second["L8"][1:3] == ("M2", "middle")  # the reversal made it 34 days past due


@slow
def test_rerun_of_a_night_replaces_it_and_keeps_history(nights):
    warehouse = nights["warehouse"]
    duplicates = _query(warehouse, """select as_of_date, loan_id, count(*) from marts.loan_delinquency
                                      group by all having count(*) > 1""")
    assert duplicates == []
    counts = dict(_query(warehouse, "select as_of_date, count(*) from marts.loan_delinquency group by all"))
    assert counts == {N1: 9, N2: 9}
    for table, rows in nights["before_rerun"].items():
        assert _query(warehouse, f"select * from marts.{table} order by all") == rows, table
    # the late payment of L7 (delivered 03-16) is in raw now, yet the rerun of 03-15 does not see it
    assert _delinquency(warehouse, N1)["L7"][0] == 5


@slow
def test_every_overdue_loan_is_accounted_for_exactly_once(nights):
    warehouse = nights["warehouse"]
    for night in (N1, N2):
        overdue = {r[0] for r in _query(warehouse, "select loan_id from marts.loan_delinquency "
                                                   "where as_of_date = ? and is_overdue", [night])}
        rows = _query(warehouse, "select loan_id, outcome, reason from marts.overdue_accountability "
                                 "where as_of_date = ?", [night])
        assert sorted(r[0] for r in rows) == sorted(overdue)
    outcomes = {r[0]: r[1:] for r in _query(warehouse, "select loan_id, outcome, reason from marts.overdue_accountability "
                                                       "where as_of_date = ?", [N1])}
    assert set(outcomes) == {"L1", "L2", "L3", "L6", "L7", "L9"}
    assert outcomes["L2"][0] == "suppressed" and "dispute on loan L2" in outcomes["L2"][1]
    assert outcomes["L3"][0] == "data_blocked" and "customer C3" in outcomes["L3"][1]


@slow
def test_bucket_history_has_entry_and_exit_per_spell(nights):
    spells = _query(nights["warehouse"], """select loan_id, bucket, entered_on, exited_on, exited_to_bucket, exit_reason
                                            from marts.loan_bucket_history where loan_id in ('L1', 'L7', 'L8')
                                            order by loan_id, entered_on""")
    assert spells == [
        ("L1", "M1", N1, None, None, None),
        ("L7", "M1", N1, N2, "M0", "bucket_change"),
        ("L7", "M0", N2, None, None, None),
        ("L8", "M0", N1, N2, "M2", "bucket_change"),
        ("L8", "M2", N2, None, None, None),
    ]
    month_end = _query(nights["warehouse"], "select distinct month_end, as_of_date, is_month_complete "
                                            "from marts.loan_delinquency_month_end")
    assert month_end == [(date(2026, 3, 31), N2, False)]


@slow
def test_explain_shows_the_working(nights, capsys):
    warehouse = str(nights["warehouse"])
    assert main(["explain", "L8", "--as-of", str(N2), "--warehouse", warehouse]) == 0
    text = capsys.readouterr().out
    for needle in ("2050.00", "reversal of P8", "cancelled by reversal R8", "overdue since 2026-02-10",
                   "DPD = 2026-03-16 - 2026-02-10 = 34 days", "bucket M2", "stage middle", "tolerance 1.00"):
        assert needle in text, needle
    assert main(["explain", "L7", "--as-of", str(N1), "--warehouse", warehouse]) == 0
    text = capsys.readouterr().out
    assert "not counted: delivered 2026-03-16, after 2026-03-15" in text and "= 5 days" in text
    assert "1020.00" in text and "past due 5 d" in text
    assert main(["explain", "L404", "--as-of", str(N1), "--warehouse", warehouse]) == 1
    assert "loan L404 is not in the loans snapshot of 2026-03-15" in capsys.readouterr().err


@slow
def test_dbt_unit_tests_pass(nights):
    """The given/expect unit tests beside the models (they need the models' relations to exist)."""
    policy_vars = load_policy(DEFAULT_POLICY).dbt_vars()
    run_dbt(["test", "--select", MODELS, "--resource-type", "unit_test", "--vars", dbt_vars(N1, **policy_vars)],
            nights["warehouse"])


# --- policy file ------------------------------------------------------------------------------


def test_dbt_has_no_policy_values_of_its_own():
    """The policy file is the one place a policy value lives: dbt_project.yml declares no var but
    the business date, and the pipeline passes the policy's vars to every dbt invocation."""
    defaults = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert set(defaults) == {"as_of_date"}
    passed = json.loads(dbt_vars(N1))
    assert {k: v for k, v in passed.items() if k != "as_of_date"} == load_policy(DEFAULT_POLICY).dbt_vars()


def test_policy_validates_every_section_and_versions_the_file(tmp_path):
    document = yaml.safe_load(DEFAULT_POLICY.read_text())
    document["someone_elses_section"] = {"anything": [1, 2]}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(PolicyError, match=r"someone_elses_section: unknown section \(allowed: delinquency, lender, scoring, contact"):
        load_policy(path)
    del document["someone_elses_section"]
    document["contact"]["limits"]["sms_per_person_per_day"] = -1  # a contact problem stops the load itself
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(PolicyError, match="contact.limits.sms_per_person_per_day: -1 is below 0"):
        load_policy(path)
    document["contact"]["limits"]["sms_per_person_per_day"] = 1
    document["reporting"]["lender_timezone"] = "Mars/Olympus"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(PolicyError, match="reporting.lender_timezone: 'Mars/Olympus' is not an IANA time zone"):
        load_policy(path)
    document["reporting"]["lender_timezone"] = "Asia/Shanghai"
    document["delinquency"]["bucket_scheme"] = "western"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    policy = load_policy(path)
    assert [b.name for b in policy.delinquency.buckets] == ["current", "1-29", "30-59", "60-89", "90+"]
    assert policy.delinquency.bucket_for(30).stage == "middle"
    assert len(policy.version) == 12 and policy.version != load_policy(DEFAULT_POLICY).version


def _set(document: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()


@pytest.mark.parametrize("change, value, key, problem", [
    ("delinquency.bucket_schemes.chinese.2.from_dpd", 25, "delinquency.bucket_schemes.chinese[2].from_dpd",
     "25 overlaps bucket M1 (1-30 DPD)"),
    ("delinquency.bucket_schemes.chinese.2.from_dpd", 40, "delinquency.bucket_schemes.chinese[2].from_dpd",
     "gap: DPD 31-39 is in no bucket"),
    ("delinquency.tolerance_amount", "one euro", "delinquency.tolerance_amount", "'one euro' is not an amount"),
    ("delinquency.minimum_amount", "1.005", "delinquency.minimum_amount", "more than 2 decimals"),
    ("delinquency.minimum_days", 0, "delinquency.minimum_days", "0 is below 1"),
    ("delinquency.minimum_days", True, "delinquency.minimum_days", "True is not a whole number"),
    ("delinquency.tolerence_amount", "1.00", "delinquency.tolerence_amount", "unknown key"),
    ("delinquency.bucket_scheme", "eastern", "delinquency.bucket_scheme", "'eastern' is not one of chinese, western"),
    ("delinquency.bucket_schemes.western.2.stage", "mid", "delinquency.bucket_schemes.western[2].stage",
     "'mid' is not one of current, early, middle, late"),
    ("delinquency.bucket_schemes.western.4.to_dpd", 120, "delinquency.bucket_schemes.western[4].to_dpd",
     "the last bucket must be open-ended"),
    ("delinquency.minimum_amount", _DELETE, "delinquency.minimum_amount", "missing"),
])
def test_policy_errors_are_one_line_naming_file_and_key(tmp_path, change, value, key, problem):
    document = copy.deepcopy(yaml.safe_load(DEFAULT_POLICY.read_text()))
    _set(document, change, value)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: "), message
    assert problem in message, message


def test_policy_file_that_is_not_yaml(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("delinquency: [unclosed\n")
    with pytest.raises(PolicyError, match=rf"^{path}: not valid YAML at line \d+"):
        load_policy(path)


def test_explain_arguments():
    from pipelines import explain

    parser = argparse.ArgumentParser()
    explain.add_arguments(parser)
    args = parser.parse_args(["L1", "--as-of", "2026-03-15", "--warehouse", "w.duckdb"])
    assert (args.loan, args.as_of, args.warehouse) == ("L1", N1, "w.duckdb")
