"""End to end through `run_night`: reachability, a sane first night, one call per person per day.

- a phone the validate step marks invalid is never texted or dialled (the SMS falls back to e-mail
  per channel_fallback, the call is withheld: unreachable:no_phone);
- a number the lender's own attempts reported `wrong_number`, an e-mail reported `bounced`, are not
  used again; `opted_out` blocks that channel for the customer on every later night;
- a loan first seen already in arrears starts at its current DPD: earlier `on_dpd` steps are not
  replayed; a message (channel + template) is not repeated on consecutive days;
- one call per person per day covering all of the person's loans with a call due (one call_list
  row listing them, with the debtor's name, time zone and alternate numbers), one call per number.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta

import pytest

from pipelines.nightly import run_night
from pipelines.warehouse import reader
from tests.extracts import agent, customer, installment, loan, write_extract

pytestmark = pytest.mark.slow
N1, N2 = date(2026, 6, 10), date(2026, 6, 11)
SAME_ID = "11010519491231002X"  # C7 and C8: one person (same valid national id)


def _book(night: date, attempts: list[dict] | None = None) -> dict[str, list[dict]]:
    book = {"customers": [], "loans": [], "installments": [], "agents": [agent("A1")],
            "contact_attempts": attempts or []}

    def add(cid, lid, dpd_n1, **cust):
        if cid not in {c["customer_id"] for c in book["customers"]}:
            book["customers"].append(customer(cid, national_id=cust.pop("national_id", ""), **cust))
        book["loans"].append(loan(lid, cid, disbursed_on="2025-12-01", maturity_date="2027-01-01"))
        book["installments"].append(installment(lid, 1, str(N1 - timedelta(days=dpd_n1)), "600.00"))

    add("C1", "L1", 1, phone="+8612345678901", email="c1@example.com")   # invalid number (not a real range)
    add("C2", "L2", 6, phone="+8613800000002", email="c2@example.com")   # reported wrong_number (call at DPD 6)
    add("C3", "L3", 1, phone="+8613800000003", email="c3@example.com")   # opted out of SMS
    add("C4", "L4", 30, phone="+8613800000004", email="c4@example.com")  # first seen at DPD 30
    add("C5", "L5", 2, phone="+8613800000005", email="c5@example.com")   # first seen at DPD 2
    add("C6", "L6", 1, phone="+8613800000006", email="c6@example.com")   # DPD 1: the step fires
    add("C7", "L7a", 40, phone="+8613800000007", email="c7@example.com", national_id=SAME_ID, full_name="王芳")
    add("C7", "L7b", 70)                                                  # two loans of C7 ...
    add("C8", "L8", 50, phone="+8613800000008", email="c8@example.com", national_id=SAME_ID, full_name="王芳")
    add("C9", "L9", 40, phone="+8613800000009", email="c9@example.com")   # shares C10's number
    add("C10", "L10", 45, phone="+8613800000009", email="c10@example.com")
    add("C11", "L11", 40, phone="+8613800000011", email="bounce@example.com")  # e-mail bounced
    return book


def _attempt(aid, loan_id, customer_id, channel, outcome):
    return {"attempt_id": aid, "loan_id": loan_id, "customer_id": customer_id, "agent_id": "",
            "channel": channel, "started_at": f"{N1 - timedelta(days=1)}T10:00:00+08:00",
            "duration_seconds": "0", "outcome": outcome, "promise_amount": "", "promise_date": ""}


def _log(paths, night):
    with reader(paths.warehouse) as con:
        cursor = con.execute("select * from marts.contact_log where as_of_date = ?", [night])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]


def _csv(paths, night, name):
    return list(csv.DictReader(io.StringIO((paths.out / str(night) / name).read_text(encoding="utf-8"))))


def test_reachability_first_night_and_one_call_per_person(paths):
    attempts = [_attempt("A-2", "L2", "C2", "call", "wrong_number"),
                _attempt("A-3", "L3", "C3", "sms", "opted_out"),
                _attempt("A-11", "L11", "C11", "email", "bounced")]
    write_extract(paths.landing, N1, _book(N1, attempts))
    write_extract(paths.landing, N2, _book(N2))  # events are delivered once: the opt-out must persist
    run_night(N1, paths)
    run_night(N2, paths)

    for night in (N1, N2):
        log = _log(paths, night)
        by = {(r["loan_id"], r["channel"], r["template"]): r for r in log}
        sent = [r for r in log if r["status"] == "scheduled"]
        sms, calls = _csv(paths, night, "sms.csv"), _csv(paths, night, "call_list.csv")
        # never texted or dialled: the invalid number, the wrong number; never mailed: the bounced address
        for rows in (sms, calls):
            assert not {r["phone"] for r in rows} & {"+8612345678901", "+8613800000002"}
        assert not [r for r in sent if r["destination"] in ("+8612345678901", "+8613800000002", "bounce@example.com")]
        # opted out of SMS: no SMS for C3 on either night
        assert not [r for r in sent if r["customer_id"] == "C3" and r["channel"] == "sms"]
        # at most one call per phone and per person per day; every call_list row a different person
        assert max(Counter(r["phone"] for r in calls).values()) == 1
        people = [r["full_name"] for r in calls]
        assert people.count("王芳") <= 1
        # no earlier step replayed for a loan first seen in arrears (L4 at DPD 30, L5 at DPD 2, ...)
        first_steps = [r for r in sent if r["kind"] == "step" and r["trigger_dpd"] < r["dpd"] - (night - N1).days]
        assert first_steps == [], first_steps

    log1 = {(r["loan_id"], r["channel"], r["template"]): r for r in _log(paths, N1)}
    # L1: invalid phone, validated: the DPD-1 SMS goes by e-mail (channel_fallback)
    assert log1[("L1", "email", "early_reminder")]["status"] == "scheduled"
    assert ("L1", "sms", "early_reminder") not in log1
    # L2: its call is withheld, the wrong number named
    assert log1[("L2", "call", "early_call")]["reason"].startswith("unreachable:no_phone (wrong_number")
    # L3 opted out of SMS: its DPD-1 SMS goes by e-mail instead
    assert log1[("L3", "email", "early_reminder")]["status"] == "scheduled"
    # L4 (DPD 30, first seen): no SMS@7, no e-mail@2, no first_reminder letter@10; its call goes out
    assert [k for k in log1 if k[0] == "L4"] == [("L4", "call", "early_call")]
    # L5 (DPD 2, first seen): the DPD-2 e-mail, not the DPD-1 SMS
    assert {k for k in log1 if k[0] == "L5"} == {("L5", "email", "early_reminder")}
    # L6 at DPD 1: its SMS; on night 2 (DPD 2) its e-mail, the SMS not repeated
    assert log1[("L6", "sms", "early_reminder")]["status"] == "scheduled"
    log2 = {(r["loan_id"], r["channel"], r["template"]): r for r in _log(paths, N2)}
    assert ("L6", "sms", "early_reminder") not in log2 or log2[("L6", "sms", "early_reminder")]["status"] == "withheld"

    # one call for the person C7/C8 (three loans), listing the loans it covers
    calls = _csv(paths, N1, "call_list.csv")
    person = [r for r in calls if r["customer_id"] in ("C7", "C8")]
    assert len(person) == 1
    assert set(person[0]["loans_covered"].split(";")) == {"L7a", "L7b", "L8"}
    assert person[0]["full_name"] == "王芳" and person[0]["timezone"] == "Asia/Shanghai"
    assert person[0]["alternate_phones"] in ("+8613800000007", "+8613800000008")
    # C9 and C10 share a number: one of them is called, the other withheld for the number
    shared = [r for r in calls if r["phone"] == "+8613800000009"]
    assert len(shared) == 1
    other = "L10" if shared[0]["loan_id"] == "L9" else "L9"
    assert log1[(other, "call", "repayment_plan_call")]["reason"].startswith("cap:one_call_per_phone_per_day")
