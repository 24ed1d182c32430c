"""Backfill and order: nights run in reverse order, or a middle night rerun, give the marts of the
in-order run. The steps run in-process (ingest, validate, dbt; publishing does not change marts).

The rule (docs/reliability.md): a night builds on the nights before it (records lost from a snapshot
are restored from the previous nights, contact rules count earlier contacts, bucket history runs
forward, a placement is carried from the night before), so nights are built in date order. Rerunning
a night leaves the marts kept per night as they were; the period marts describe the last night built,
so a rerun ends with the newest night. A backfill run newest-first is repaired by running the nights
after the oldest again, in order.

One book, three nights across a month end (the floor: an oldest night, a middle one to rerun, a newest
one; the month-end marts change month in between). The book carries every kind of state a night hands
to the next, and the test first asserts that each event is in the in-order marts, so it cannot become
vacuous if the book or the product changes: a payment delivered late (valued on the first night,
delivered on the last), one delivered twice and then reversed, a phone changed for one night, a loan
lost from one night's snapshot, a schedule changed on the last night, and a loan placed with an agency
on the middle night (DPD 150, policy agency_placement) and still placed on the last, with the contact log
and KPI figures kept per night.

The incremental reporting intermediates (int_reporting_month_end_book) are compared too, without the
night that wrote each row: the in-order run builds them incrementally (the last night restates March
for the late payment and L3's changed schedule), the reruns and the reverse order in full, then
incrementally again."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from pipelines import nightly
from pipelines.settings import Paths
from pipelines.warehouse import reader
from tests.books import CONTACT_DAY, contact_book
from tests.extracts import installment, loan, payment, write_extract

pytestmark = pytest.mark.slow
NIGHTS = [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1)]   # across the end of March
PLACED_ON = NIGHTS[1]
CHANGED_PHONE = "+8613800138999"   # C1's phone on the middle night only
# Incremental intermediates compared as marts, without the column that says which night wrote the row.
INCREMENTAL = {"int_reporting_month_end_book": "restated_on"}
SHIFT = NIGHTS[-1] - date.fromisoformat(CONTACT_DAY)   # the contact book's loans as overdue on the last night


def _shifted(day: str) -> str:
    return str(date.fromisoformat(day) + SHIFT)


def _book(night: date) -> dict[str, list[dict]]:
    """The contact book (10, 7 and 2 days past due on the last night) plus C1's loan L4, 149 / 150 / 151
    days past due, and each night's events."""
    book = contact_book()
    for row in book["loans"]:
        row.update(disbursed_on=_shifted(row["disbursed_on"]), maturity_date=_shifted(row["maturity_date"]))
    for row in book["installments"]:
        row["due_date"] = _shifted(row["due_date"])
    due = str(PLACED_ON - timedelta(days=150))
    book["loans"].append(loan("L4", "C1", disbursed_on=str(PLACED_ON - timedelta(days=200)), maturity_date=due))
    book["installments"].append(installment("L4", 1, due, "3000.00", "30.00"))
    if night == NIGHTS[1]:
        book["payments"] = [payment("P1", "L2", str(NIGHTS[0]), "1000.00")]
        book["customers"][0]["phone"] = CHANGED_PHONE
        book["loans"] = [r for r in book["loans"] if r["loan_id"] != "L3"]
        book["installments"] = [r for r in book["installments"] if r["loan_id"] != "L3"]
    if night == NIGHTS[2]:
        for row in book["installments"]:
            if row["loan_id"] == "L3":
                row["interest_due"] = "45.00"   # L3's schedule changed (restructured) on the last night
        book["payments"] = [payment("P1", "L2", str(NIGHTS[0]), "1000.00"),       # delivered again
                            payment("P2", "L1", str(NIGHTS[0]), "500.00"),        # late: valued on the first night
                            payment("P3", "L2", str(NIGHTS[2]), "1000.00", reverses="P1")]
    return book


def _landing(landing) -> None:
    for night in NIGHTS:
        write_extract(landing, night, _book(night))


def _night(paths, as_of: date, run: str) -> None:
    nightly.ingest_step(as_of, paths, run)
    nightly.validate_step(as_of, paths, run, data_docs=False)
    nightly.transform_step(as_of, paths)


def _marts(paths) -> dict[str, list[tuple]]:
    with reader(paths.warehouse) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        marts = {t: con.execute(f'select * from marts."{t}" order by all').fetchall() for t in tables}
        for table, written_on in INCREMENTAL.items():
            marts[f"intermediate.{table}"] = con.execute(
                f"select * exclude ({written_on}) from intermediate.{table} order by all").fetchall()
        return marts


def _paths(tmp_path, name: str):
    return Paths.resolve(landing=tmp_path / "landing", warehouse=tmp_path / name / "arrears.duckdb",
                         out=tmp_path / name / "outbox")


def _events(paths) -> dict:
    """What the book's events left in the marts (asserted on the in-order run: the test's preconditions)."""
    with reader(paths.warehouse) as con:
        def rows(sql):
            return con.execute(sql).fetchall()
        return {
            "placed": rows("select as_of_date, placed_on from marts.placements where loan_id = 'L4' order by 1"),
            "handover": rows("select loan_id from marts.placement_handover order by 1"),
            "ledger": dict(rows("select payment_id, net_amount from marts.payment_ledger")),
            "month_ends": rows("select distinct month_end, is_month_complete from marts.loan_delinquency_month_end "
                               "order by 1"),
            "l3_nights": rows("select as_of_date from marts.loan_delinquency where loan_id = 'L3' order by 1"),
            "contact_nights": rows("select distinct as_of_date from marts.contact_log order by 1"),
            # the night each loan's allocation was computed (int_installment_allocation carries forward a
            # loan whose schedule and payments did not change): which loans a forward night recomputed
            "allocated_on": {(d, loan): on for d, loan, on in rows(
                "select distinct as_of_date, loan_id, allocated_on from intermediate.int_installment_allocation")},
            "c1_phones": rows("select phone_as_delivered from marts.contact_recipients where customer_id = 'C1' "
                              "order by as_of_date"),
            "march_end": rows("select loan_id, overdue_amount from intermediate.int_reporting_month_end_book "
                              "where observation_date = '2026-03-31' and loan_id in ('L1', 'L3') order by 1"),
            "carried": rows("select loan_id, min(restated_on) from intermediate.int_reporting_month_end_book "
                            "group by 1 order by 1"),
        }


def build_in_order(root) -> None:
    """The book's landing zone and its nights run in date order (tests.conftest's session-wide
    `backfill_in_order`: built once, read by this test and tests/test_dbt_night.py)."""
    _landing(root / "landing")
    in_order = _paths(root, "in_order")
    for night in NIGHTS:
        _night(in_order, night, f"a-{night}")


def test_reverse_order_and_a_rerun_middle_night_give_the_in_order_marts(tmp_path, backfill_in_order):
    # go on from a copy of the session's in-order nights (not dbt's parse: the warehouse's path is new)
    shutil.copytree(backfill_in_order / "landing", tmp_path / "landing")
    shutil.copytree(backfill_in_order / "in_order", tmp_path / "in_order",
                    ignore=shutil.ignore_patterns(".dbt", ".duckdb_tmp"))
    in_order = _paths(tmp_path, "in_order")
    expected = _marts(in_order)

    events = _events(in_order)    # the book's events are there: the comparisons below are not vacuous
    assert events["placed"] == [(night, PLACED_ON) for night in NIGHTS[1:]], "L4 placed on the middle night, kept"
    assert events["handover"] == [], "the last night places nobody new"
    assert events["ledger"]["P1"] == 0 and events["ledger"]["P2"] > 0, events["ledger"]
    assert [(str(m), done) for m, done in events["month_ends"]] == [("2026-03-31", True), ("2026-04-30", False)]
    assert [d for (d,) in events["l3_nights"]] == NIGHTS, "L3, lost from the middle night's snapshot, is restored"
    assert [d for (d,) in events["contact_nights"]] == NIGHTS
    assert [p for (p,) in events["c1_phones"]] == ["+8613800138000", CHANGED_PHONE, "+8613800138000"]
    n0, n1, n2 = NIGHTS
    assert events["allocated_on"] == {
        (n0, "L1"): n0, (n0, "L2"): n0, (n0, "L3"): n0, (n0, "L4"): n0,   # the first night: all allocated
        (n1, "L1"): n0, (n1, "L3"): n0, (n1, "L4"): n0,   # carried (L3 restored with the same schedule)
        (n1, "L2"): n1,                                   # P1 delivered: its net paid amount changed
        (n2, "L1"): n2,                                   # late payment P2 on its old installment
        (n2, "L2"): n2,                                   # P1's reversal
        (n2, "L3"): n2,                                   # its schedule changed
        (n2, "L4"): n0,                                   # nothing changed: carried twice, only its DPD advanced
    }, events["allocated_on"]
    # the last night restated March: P2 (late, valued 03-30) on L1, L3's changed schedule
    assert [(loan_id, float(amount)) for loan_id, amount in events["march_end"]] == [("L1", 2530.0), ("L3", 3045.0)]
    # ... incrementally: the months before March kept the first night's rows, except L3's (schedule changed)
    assert dict(events["carried"]) == {"L1": NIGHTS[0], "L2": NIGHTS[0], "L3": NIGHTS[2], "L4": NIGHTS[0]}
    per_night = {t for t, rows in expected.items() if {r[0] for r in rows} == set(NIGHTS) and
                 all(isinstance(r[0], date) for r in rows)}
    assert {"loan_delinquency", "contact_log", "overdue_accountability", "kpi_figures"} <= per_night, per_night

    _night(in_order, NIGHTS[1], "a-rerun")  # rerun the middle night: nights kept per night are unchanged
    got = _marts(in_order)
    assert [t for t in per_night | {"placements"} if got[t] != expected[t]] == []
    assert _events(in_order)["handover"] == [("L4",)], "that night's referrals, as they were: L4 once"
    _night(in_order, NIGHTS[-1], "a-newest")  # ... and the newest night again restores the period marts
    assert _marts(in_order) == expected

    reverse = _paths(tmp_path, "reverse")
    for night in reversed(NIGHTS):  # a backfill run newest-first ...
        _night(reverse, night, f"b-{night}")
    got = _marts(reverse)
    oldest = [r for r in expected["loan_delinquency"] if r[0] == NIGHTS[0]]
    assert [r for r in got["loan_delinquency"] if r[0] == NIGHTS[0]] == oldest, "the oldest night needs no earlier one"
    for night in NIGHTS[1:]:  # ... is repaired by running the later nights again, in order
        _night(reverse, night, f"c-{night}")
    got = _marts(reverse)
    # out of order, every night was allocated afresh (a full build): the marts equal the carried-forward ones
    assert {(d, loan): d for d, loan in events["allocated_on"]} == _events(reverse)["allocated_on"]
    differing = [t for t in expected if got.get(t) != expected[t]]
    assert not differing, f"marts that still depend on the order nights ran in: {differing}"
