"""Backfill and order for the marts kept as state from night to night: an agency placement (carried
in marts.placements from the night before), the KPI figures published per report date and the
contact log a later night's rules count. tests/test_backfill.py holds the rule on a book where none is
placed; this book places a loan on the middle night (DPD 150, policy agency_placement) and keeps it
placed on the last one. Reuses that test's night runner (ingest, validate, dbt in-process)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.books import contact_book
from tests.extracts import installment, loan, write_extract
from tests.test_backfill import NIGHTS, _marts, _night, _paths

pytestmark = pytest.mark.slow
PLACED_ON = NIGHTS[1]


def _landing(landing) -> None:
    """The contact book plus C1's second loan, 149 / 150 / 151 days past due on the three nights."""
    for night in NIGHTS:
        book = contact_book()
        due = str(PLACED_ON - timedelta(days=150))
        book["loans"].append(loan("L4", "C1", disbursed_on=str(PLACED_ON - timedelta(days=200)), maturity_date=due))
        book["installments"].append(installment("L4", 1, due, "3000.00", "30.00"))
        write_extract(landing, night, book)


def test_a_placement_survives_reruns_and_a_repaired_reverse_backfill(tmp_path):
    _landing(tmp_path / "landing")
    in_order = _paths(tmp_path, "in_order")
    for night in NIGHTS:
        _night(in_order, night, f"a-{night}")
    expected = _marts(in_order)
    placed = [r for r in expected["placements"] if r[1] == "L4"]
    assert [r[0] for r in placed] == NIGHTS[1:], "L4 is placed on the middle night and still placed on the last"
    assert {r[0] for r in expected["kpi_figures"]} == set(NIGHTS)
    assert expected["placement_handover"] == [], "the last night places nobody new"

    _night(in_order, NIGHTS[1], "a-rerun")  # rerun the middle night: it places L4 again, once, the same way
    got = _marts(in_order)
    for table in ("placements", "kpi_figures", "contact_log", "overdue_accountability", "loan_delinquency"):
        assert got[table] == expected[table], table
    assert [r[1] for r in got["placement_handover"]] == ["L4"]  # that night's referrals.csv, as it was
    _night(in_order, NIGHTS[-1], "a-newest")
    assert _marts(in_order) == expected

    reverse = _paths(tmp_path, "reverse")
    for night in reversed(NIGHTS):
        _night(reverse, night, f"b-{night}")
    for night in NIGHTS[1:]:  # repaired by running the later nights again, in order (docs/reliability.md)
        _night(reverse, night, f"c-{night}")
    got = _marts(reverse)
    assert [t for t in expected if got.get(t) != expected[t]] == []
