"""Backfill and order: nights run in reverse order, or a middle night rerun, give the marts of the
in-order run. The steps run in-process (ingest, validate, dbt; publishing does not change marts).

The rule (docs/reliability.md): a night builds on the nights before it (records lost from a snapshot
are restored from the previous nights, contact rules count earlier contacts, bucket history runs
forward), so nights are built in date order. Rerunning a night leaves the marts kept per night as they
were; the period marts describe the last night built, so a rerun ends with the newest night. A
backfill run newest-first is repaired by running the nights after the oldest again, in order."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipelines import nightly
from pipelines.warehouse import reader
from tests.books import CONTACT_DAY, contact_book
from tests.extracts import payment, write_extract

pytestmark = pytest.mark.slow
LAST = date.fromisoformat(CONTACT_DAY)
NIGHTS = [LAST - timedelta(days=2), LAST - timedelta(days=1), LAST]


def _landing(landing) -> None:
    """Three nights of one book: a payment arrives late (delivered on the last night, valued on the
    first), one is delivered twice, a customer's phone changes and a loan is lost for a night."""
    for night in NIGHTS:
        book = contact_book()
        if night == NIGHTS[1]:
            book["payments"] = [payment("P1", "L2", str(NIGHTS[0]), "1000.00")]
            book["customers"][0]["phone"] = "+8613800138999"
            book["loans"] = [r for r in book["loans"] if r["loan_id"] != "L3"]
            book["installments"] = [r for r in book["installments"] if r["loan_id"] != "L3"]
        if night == NIGHTS[2]:
            book["payments"] = [payment("P1", "L2", str(NIGHTS[0]), "1000.00"),
                                payment("P2", "L1", str(NIGHTS[0]), "500.00")]
        write_extract(landing, night, book)


def _night(paths, as_of: date, run: str) -> None:
    nightly.ingest_step(as_of, paths, run)
    nightly.validate_step(as_of, paths, run, data_docs=False)
    nightly.transform_step(as_of, paths)


def _marts(paths) -> dict[str, list[tuple]]:
    with reader(paths.warehouse) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        return {t: con.execute(f'select * from marts."{t}" order by all').fetchall() for t in tables}


def _paths(tmp_path, name):
    from pipelines.settings import Paths
    return Paths.resolve(landing=tmp_path / "landing", warehouse=tmp_path / name / "arrears.duckdb",
                         out=tmp_path / name / "outbox")


def test_reverse_order_and_a_rerun_middle_night_give_the_in_order_marts(tmp_path):
    _landing(tmp_path / "landing")
    in_order = _paths(tmp_path, "in_order")
    for night in NIGHTS:
        _night(in_order, night, f"a-{night}")
    expected = _marts(in_order)
    assert expected["loan_delinquency"] and {r[0] for r in expected["loan_delinquency"]} == set(NIGHTS)

    per_night = {t for t, rows in expected.items() if {r[0] for r in rows} == set(NIGHTS) and
                 all(isinstance(r[0], date) for r in rows)}
    assert {"loan_delinquency", "contact_log", "overdue_accountability"} <= per_night

    _night(in_order, NIGHTS[1], "a-rerun")  # rerun the middle night: nights kept per night are unchanged
    got = _marts(in_order)
    assert [t for t in per_night if got[t] != expected[t]] == []
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
    differing = [t for t in expected if got.get(t) != expected[t]]
    assert not differing, f"marts that still depend on the order nights ran in: {differing}"
