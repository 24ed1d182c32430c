"""End to end: placements (agency / legal) as a state of the loan, through `run_night`.

Three nights of a hand-made book with a policy whose agency step comes at DPD 118 and 120 and the
legal referral at 120 (≥ 5,000.00):
- LA (6,000.00) first seen at DPD 118: placed with the agency on night 1, escalated to legal on
  night 3 (DPD 120) once; LB (6,000.00) first seen at DPD 120: both due on one night, legal wins;
- LC recalled by the extract (loans.csv extra column placement_status = recalled) on night 2, LD
  by the policy's recalled_loans on night 2: the lender's contact resumes;
- LE is never placed (the control: it gets its calls).
From the night a loan is placed on, the lender sends nothing of its own (no SMS, e-mail, call or
letter, that night's own other actions included); a rerun of night 1 after night 3 is not polluted
by the later nights.
"""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import yaml

from pipelines.nightly import run_night
from pipelines.settings import DEFAULT_POLICY, Paths
from pipelines.warehouse import reader
from tests.extracts import agent, customer, installment, loan, write_extract

pytestmark = pytest.mark.slow
N1, N2, N3 = date(2026, 6, 10), date(2026, 6, 11), date(2026, 6, 12)
CONTACT = ("sms", "email", "call", "letter")


def _policy(path, recalled=()) -> None:
    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    late = document["contact"]["stages"]["late"]["actions"]
    for action in late:
        if action["channel"] == "agency_placement":
            action.update(on_dpd=[118, 120], min_amount="500.00")
    document["contact"]["placements"]["recalled_loans"] = list(recalled)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def _book(night: date, recalled_by_extract: bool = False) -> dict[str, list[dict]]:
    book = {"customers": [], "loans": [], "installments": [], "agents": [agent("A1")]}
    for n, (loan_id, amount, dpd_n1) in enumerate([("LA", "6000.00", 118), ("LB", "6000.00", 120),
                                                   ("LC", "600.00", 118), ("LD", "600.00", 118),
                                                   ("LE", "600.00", 100)], start=1):
        book["customers"].append(customer(f"C{n}", phone=f"+861380000000{n}", email=f"c{n}@example.com",
                                          national_id=""))
        extra = {"placement_status": "recalled" if recalled_by_extract and loan_id == "LC" else ""}
        book["loans"].append(loan(loan_id, f"C{n}", principal_amount=amount, disbursed_on="2025-12-01",
                                  maturity_date="2027-01-01", **extra))
        book["installments"].append(installment(loan_id, 1, str(N1 - timedelta(days=dpd_n1)), amount))
    return book


@pytest.fixture(scope="module")
def night1(tmp_path_factory):
    """The three nights' extracts, and night 1 run on a new warehouse with the placement policy.
    Both tests start from it (one night costs minutes on a loaded machine): the three-night test
    goes on from it, the dbt unit tests only need the relations it builds (they read their given
    rows, not the warehouse's), so they may run before or after the later nights."""
    root = tmp_path_factory.mktemp("placements")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb",
                          out=root / "outbox", policy=root / "policy.yaml")
    write_extract(paths.landing, N1, _book(N1))
    write_extract(paths.landing, N2, _book(N2, recalled_by_extract=True))
    write_extract(paths.landing, N3, _book(N3))
    _policy(paths.policy)
    run_night(N1, paths)
    return paths


def _rows(warehouse, sql, params=()):
    with reader(warehouse) as con:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]


def _placements(paths, night):
    return {r["loan_id"]: r for r in _rows(paths.warehouse, "select * from marts.placements where as_of_date = ?",
                                           [night])}


def _referrals(paths, night):
    text = (paths.out / str(night) / "referrals.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_placements_stop_contact_are_placed_once_and_survive_nights(night1):
    paths = night1  # night 1 has run on a new warehouse
    first_n1 = _placements(paths, N1)
    first_referrals = (paths.out / str(N1) / "referrals.csv").read_bytes()
    _policy(paths.policy, recalled=["LD"])
    run_night(N2, paths)
    _policy(paths.policy)
    run_night(N3, paths)

    # night 1: LA, LC, LD with the agency; LB due for both on one night: legal only
    n1 = _placements(paths, N1)
    assert {k: (v["placement_type"], v["placed_on"], v["recalled_on"]) for k, v in n1.items()} == {
        "LA": ("agency", N1, None), "LB": ("legal", N1, None), "LC": ("agency", N1, None), "LD": ("agency", N1, None)}
    assert n1["LA"]["holder"] == "Example Collections Agency Ltd" and n1["LB"]["holder"] == "Example Law Firm LLP"
    referrals = _referrals(paths, N1)
    assert sorted((r["loan_id"], r["referral"]) for r in referrals) == [
        ("LA", "agency_placement"), ("LB", "legal_referral"), ("LC", "agency_placement"), ("LD", "agency_placement")]
    lb = next(r for r in referrals if r["loan_id"] == "LB")
    assert lb["full_name"] == "张伟" and lb["phone"] == "+8613800000002" and lb["email"] == "c2@example.com"
    assert lb["address_line1"] and lb["city"] == "北京" and lb["holder"] == "Example Law Firm LLP"
    assert lb["principal_outstanding"] == "6000.00" and lb["overdue_amount"] == "6000.00" and lb["dpd"] == "120"
    assert lb["contact_attempts"] == "0" and lb["last_payment_date"] == "" and lb["alternate_phones"] == ""
    # the agency step of LB withheld: legal took precedence
    lb_agency = _rows(paths.warehouse, """select status, reason from marts.contact_log
                                          where as_of_date = ? and loan_id = 'LB' and channel = 'agency_placement'""", [N1])
    assert [r["status"] for r in lb_agency] == ["withheld"] and lb_agency[0]["reason"].startswith("placed:legal")

    # night 2: LC recalled by the extract, LD by the policy; LA and LB carried
    n2 = _placements(paths, N2)
    assert {k: (v["placement_type"], v["placed_on"], v["recalled_on"]) for k, v in n2.items()} == {
        "LA": ("agency", N1, None), "LB": ("legal", N1, None), "LC": ("agency", N1, N2), "LD": ("agency", N1, N2)}
    assert "extract" in n2["LC"]["recall_reason"] and "recalled_loans" in n2["LD"]["recall_reason"]
    assert _referrals(paths, N2) == []

    # night 3: LA due for legal (DPD 120): escalated once, not duplicated; LB stays legal since night 1
    n3 = _placements(paths, N3)
    assert {k: (v["placement_type"], v["placed_on"], v["escalated_from"]) for k, v in n3.items()} == {
        "LA": ("legal", N3, "agency"), "LB": ("legal", N1, None)}
    assert [(r["loan_id"], r["referral"], r["escalated_from"]) for r in _referrals(paths, N3)] == [
        ("LA", "legal_referral", "agency")]

    # no contact of any kind from the night a loan is placed on, while it lasts
    sent = _rows(paths.warehouse, f"""
        select c.as_of_date, c.loan_id, c.channel, c.template
        from marts.contact_log c
        inner join marts.placements p on p.as_of_date = c.as_of_date and p.loan_id = c.loan_id
        where c.status = 'scheduled' and c.channel in {CONTACT} and p.recalled_on is null""")
    assert sent == []
    # ... and the placed loans did have contacts due (withheld, saying why); the control and the
    # recalled loans are contacted
    withheld = _rows(paths.warehouse, """select loan_id, channel, reason from marts.contact_log
                                         where status = 'withheld' and reason like 'placed:%'""")
    assert {r["loan_id"] for r in withheld} >= {"LA", "LB"} and {r["channel"] for r in withheld} >= {"call", "sms"}
    scheduled = _rows(paths.warehouse, """select distinct loan_id from marts.contact_log
                                          where status = 'scheduled' and channel = 'call'""")
    assert {r["loan_id"] for r in scheduled} >= {"LE", "LC", "LD"}
    for file in ("sms.csv", "call_list.csv"):
        for night in (N1, N2, N3):
            text = (paths.out / str(night) / file).read_text(encoding="utf-8")
            placed = {k for k, v in _placements(paths, night).items() if v["recalled_on"] is None}
            assert not {r["loan_id"] for r in csv.DictReader(io.StringIO(text))} & placed

    outcomes = {(r["as_of_date"], r["loan_id"]): (r["outcome"], r["reason"]) for r in _rows(
        paths.warehouse, "select as_of_date, loan_id, outcome, reason from marts.overdue_accountability")}
    assert outcomes[(N1, "LA")][0] == "referred" and outcomes[(N2, "LA")][0] == "placed"
    assert "Example Collections Agency Ltd" in outcomes[(N2, "LA")][1]
    assert outcomes[(N3, "LA")][0] == "referred" and "escalated from agency" in outcomes[(N3, "LA")][1]
    assert outcomes[(N2, "LB")][0] == "placed" and outcomes[(N1, "LE")][0] != "placed"

    # a rerun of night 1 after night 3 is not polluted by the later nights, and is idempotent
    _policy(paths.policy)
    run_night(N1, paths)
    assert _placements(paths, N1) == first_n1
    assert (paths.out / str(N1) / "referrals.csv").read_bytes() == first_referrals
    counts = _rows(paths.warehouse, "select as_of_date, loan_id, count(*) as n from marts.placements group by all")
    assert all(r["n"] == 1 for r in counts)


def test_contact_dbt_unit_tests_pass(night1):
    """The given/expect unit tests beside the contact models (first night, repeat, reachability,
    one call per person and per number, the accountability outcomes incl. referred / placed); they
    need the models' relations, so they run on the warehouse of night 1."""
    from pipelines.policy import load_policy
    from pipelines.transform import dbt_vars, run_dbt

    _policy(night1.policy)
    run_dbt(["test", "--select", "test_type:unit,path:models/intermediate/contact", "test_type:unit,overdue_accountability",
             "test_type:unit,contact_recipients",
             "test_type:unit,int_promise_outcomes",
             "test_type:unit,quarantined_payments", "test_type:unit,legal_case_debtors",  # the evidence pack's marts
             "--vars", dbt_vars(N1, **load_policy(night1.policy).dbt_vars())], night1.warehouse)
