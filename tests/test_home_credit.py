"""Real data: the Home Credit sample through the adapter, ingestion and the dbt engine.

For instalments paid late and in full by one payment, the engine's DPD on the day before the
payment must be the recorded lateness (DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT) minus one, and 0 on
the payment day - or the difference is named and verified against the engine's own allocation.
One landing folder per needed as-of date (two per instalment), one ingestion each, ONE dbt run
(the intermediate views are date-agnostic: one query reads every date).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pipelines.adapters.home_credit import ANCHOR, read_book, write_landing
from pipelines.ingest import ingest
from pipelines.transform import dbt_vars, run_dbt
from pipelines.warehouse import reader
from tests.conftest import SHARED

SAMPLE = SHARED / "realdata" / "home_credit_sample" / "installments_payments.csv"
HEADER = "SK_ID_PREV,SK_ID_CURR,NUM_INSTALMENT_VERSION,NUM_INSTALMENT_NUMBER,DAYS_INSTALMENT,DAYS_ENTRY_PAYMENT,AMT_INSTALMENT,AMT_PAYMENT"


def test_selection_rules_and_money_on_a_hand_made_file(tmp_path):
    lines = [
        "1,10,1,1,-90,-95,100.005,100.005",   # loan 1: instalments 1..3 all present -> complete
        "1,10,1,2,-60,-50,100.005,60",        #   instalment 2 paid in two parts
        "1,10,1,2,-60,-40,100.005,40.005",
        "1,10,1,3,-30,,100.005,",             #   instalment 3 not paid (no payment row)
        "2,20,1,1,-90,-90,50,50",             # loan 2: 1 and 3, number 2 missing -> prefix keeps 1
        "2,20,1,3,-30,-30,50,50",
        "3,30,1,2,-60,-60,70,70",             # loan 3: no instalment 1 -> never used
        "4,40,1,1,-90,-90,80,80",             # loan 4: version 2 restates the schedule: 1 only
        "4,40,1,2,-60,-60,80,80",
        "4,40,2,1,-30,-30,90,0",              #   a zero payment is no payment
    ]
    path = tmp_path / "installments_payments.csv"
    path.write_bytes(("\ufeff" + "\r\n".join([HEADER, *lines]) + "\r\n").encode("utf-8"))

    complete = read_book(path, "complete")
    assert sorted(complete.customers) == ["HC1", "HC4"]
    assert [(i.loan_id, i.number, i.amount) for i in complete.instalments] == [
        ("HC1", 1, Decimal("100.01")), ("HC1", 2, Decimal("100.01")), ("HC1", 3, Decimal("100.01")),
        ("HC4", 1, Decimal("90.00"))]
    assert [(p.payment_id, p.amount, p.day) for p in complete.payments if p.loan_id == "HC1"] == [
        ("HC1-1-1-1", Decimal("100.01"), -95), ("HC1-1-2-1", Decimal("60.00"), -50), ("HC1-1-2-2", Decimal("40.01"), -40)]
    assert [p for p in complete.payments if p.loan_id == "HC4"] == []
    prefix = read_book(path, "prefix")
    assert sorted(prefix.customers) == ["HC1", "HC2", "HC4"]
    assert [(i.loan_id, i.number) for i in prefix.instalments if i.loan_id == "HC2"] == [("HC2", 1)]

    folders = write_landing(complete, tmp_path / "landing", [ANCHOR - timedelta(days=60), ANCHOR])
    result = ingest(tmp_path / "landing", tmp_path / "w.duckdb", ANCHOR - timedelta(days=60), "hc")
    assert result.rows_quarantined == 0
    loaded = {f.file_name: f.rows_loaded for f in result.files}
    assert loaded["payments.csv"] == 1 and loaded["loans.csv"] == 2  # HC1-1-1-1 only; both loans disbursed
    assert ingest(tmp_path / "landing", tmp_path / "w.duckdb", ANCHOR, "hc").rows_quarantined == 0
    assert [f.name for f in folders] == [str(ANCHOR - timedelta(days=60)), str(ANCHOR)]


def _late_paid_in_full(book) -> list[tuple]:
    """(instalment, payment) for instalments paid late, in full, by a single payment."""
    payments = defaultdict(list)
    for p in book.payments:
        payments[(p.loan_id, p.number)].append(p)
    found = []
    for i in book.instalments:
        paid = payments[(i.loan_id, i.number)]
        if len(paid) == 1 and paid[0].amount >= i.amount and paid[0].day > i.due_day:
            found.append((i, paid[0]))
    return found


@pytest.mark.slow
def test_engine_dpd_matches_recorded_lateness(tmp_path):
    assert _late_paid_in_full(read_book(SAMPLE, "complete")) == []  # why the test needs "prefix"
    book = read_book(SAMPLE, "prefix")
    cases = _late_paid_in_full(book)
    assert len(cases) >= 20
    dates = sorted({book.date(p.day + shift) for _, p in cases for shift in (-1, 0)})
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse" / "arrears.duckdb"
    write_landing(book, landing, dates)
    for night in dates:
        assert ingest(landing, warehouse, night, "home-credit").rows_quarantined == 0
    run_dbt(["run", "--vars", dbt_vars(dates[-1]), "--select", "+int_loan_delinquency"], warehouse)

    with reader(warehouse) as con:
        dpd = {(r[0], r[1]): r[2:] for r in con.execute(
            "select as_of_date, loan_id, dpd, overdue_since from intermediate.int_loan_delinquency "
            "where as_of_date in (select unnest(?))", [dates]).fetchall()}
        allocation = {(r[0], r[1], r[2]): r[3:] for r in con.execute(
            "select as_of_date, loan_id, due_date, unpaid_amount, is_unpaid, installment_no "
            "from intermediate.int_installment_allocation where as_of_date in (select unnest(?))", [dates]).fetchall()}

    matched, differences = 0, []
    for instalment, pay in cases:
        due, paid_on = book.date(instalment.due_day), book.date(pay.day)
        lateness = pay.day - instalment.due_day
        for night, expected in ((paid_on - timedelta(days=1), lateness - 1), (paid_on, 0)):
            got, since = dpd[(night, instalment.loan_id)]
            if got == expected:
                matched += 1
                continue
            reason = _why(allocation, night, instalment.loan_id, due, since, got, expected)
            differences.append(f"{instalment.loan_id} no {instalment.number} (due {due}, paid {paid_on}) "
                               f"on {night}: expected {expected}, engine {got}: {reason}")
    print(f"\n{matched} of {2 * len(cases)} checks match the recorded lateness; differences:", *differences, sep="\n  ")
    assert not [d for d in differences if "UNEXPLAINED" in d], differences
    assert matched >= 1.5 * len(cases), differences


def _why(allocation: dict, night: date, loan_id: str, due: date, since: date | None, got: int, expected: int) -> str:
    """Name a difference, verified against the engine's allocation of that night."""
    own = allocation[(night, loan_id, due)]
    if got > expected and since is not None and since < due:
        older = allocation[(night, loan_id, since)]
        assert older[1], "the older instalment must be unpaid beyond the tolerance"
        return f"an older instalment (no {older[2]}, due {since}) was still unpaid ({older[0]}): DPD counts from it"
    if got > expected and expected == 0 and since is not None and since > due:
        later = allocation[(night, loan_id, since)]
        assert later[1]
        return f"the next instalment (no {later[2]}, due {since}) was past due and unpaid on the payment day"
    if got > expected and since == due and own[1]:
        shortfall = [v for (n, loan, _), v in allocation.items() if n == night - timedelta(days=1) and loan == loan_id
                     and v[1] and v[2] < own[2]]
        assert shortfall, "an older instalment must have been short the night before"
        return (f"the payment first filled older instalment no {shortfall[0][2]}'s shortfall (oldest due date first), "
                f"leaving this one short by {own[0]}")
    if got < expected and not own[1]:
        return (f"the instalment was already covered on {night} (unpaid {own[0]}): money the file attributes "
                "to other instalments (paid ahead) is allocated oldest due date first")
    return "UNEXPLAINED"
