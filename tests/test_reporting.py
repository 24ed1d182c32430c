"""Management reporting: the KPI marts on a hand-made book, the ledger reconciliation, the KPI
report (HTML opened in headless Chromium) and the Excel export.

The book (`reporting_book`) has six loans over three nights, 2026-02-28, 03-20 and 03-31; every
figure asserted below is worked out by hand in the comments. The dbt unit tests
(dbt_project/models/marts/reporting/_unit_tests.yml) check each KPI's SQL on even smaller cases.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from tests.extracts import agent, customer, installment, loan, payment

NIGHTS = [date(2026, 2, 28), date(2026, 3, 20), date(2026, 3, 31)]
LAST = NIGHTS[-1]


def attempt(attempt_id: str, loan_id: str, customer_id: str, started_at: str, channel: str = "call",
            outcome: str = "no_answer", agent_id: str = "", promise_amount: str = "", promise_date: str = "") -> dict:
    return {"attempt_id": attempt_id, "loan_id": loan_id, "customer_id": customer_id, "agent_id": agent_id,
            "channel": channel, "started_at": started_at, "duration_seconds": "60" if channel == "call" else "",
            "outcome": outcome, "promise_amount": promise_amount, "promise_date": promise_date}


# Events with the date they happen on (payments: value date; attempts: the day they were made).
PAYMENTS = [
    payment("P1", "L1", "2026-02-10", "1030.00"),
    payment("P2", "L1", "2026-03-25", "1020.00"),                    # keeps A101's promise
    payment("P3", "L2", "2026-01-20", "1020.00"),
    payment("P4", "L3", "2025-12-10", "1010.00"),
    payment("P5", "L3", "2026-03-20", "2020.00", channel="cash"),    # after A301's visit
    payment("P6", "L4", "2026-03-14", "510.00"),                     # after A401's SMS
    payment("P7", "L6", "2026-02-15", "612.00"),
    payment("P8", "L6", "2026-03-15", "606.00"),
    payment("P8R", "L6", "2026-03-30", "606.00", reverses="P8"),     # bounced: P8 cancelled
]
ATTEMPTS = [
    attempt("A101", "L1", "C1", "2026-03-15T10:00:00+08:00", outcome="promise_to_pay", agent_id="AG1",
            promise_amount="1020.00", promise_date="2026-03-25"),
    attempt("A201", "L2", "C2", "2026-03-05T11:00:00+08:00", outcome="promise_to_pay", agent_id="AG2",
            promise_amount="500.00", promise_date="2026-03-08"),     # broken: nothing paid
    attempt("A202", "L2", "C2", "2026-03-06T22:30:00+08:00", agent_id="AG2"),  # at night, 1 day after a talk
    attempt("A301", "L3", "C3", "2026-03-18T15:00:00+08:00", channel="visit", outcome="right_party_contact",
            agent_id="AG1"),
    attempt("A401", "L4", "C4", "2026-03-12T09:00:00+08:00", channel="sms", outcome="delivered"),
]


def _on(record: dict, key: str) -> str:
    return record[key][:10]


def national_id(n: int) -> str:
    """A valid PRC resident id (GB 11643 check digit), different for each n: one person each."""
    body = f"110105194912310{n:02d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def reporting_book(night: date) -> dict[str, list[dict]]:
    """The extract of one night: complete snapshots, and every event up to the night (repeats of
    events delivered before are skipped by ingestion, so each keeps its first delivery)."""
    customers = [customer(f"C{i}", national_id=national_id(i)) for i in range(1, 6)]
    customers[4]["timezone"] = "Mars/Olympus"                         # unknown zone: lender's zone used
    return {
        "customers": customers,
        "loans": [
            loan("L1", "C1", principal_amount="3000.00", disbursed_on="2026-01-10", maturity_date="2026-04-10"),
            loan("L2", "C2", principal_amount="2000.00", disbursed_on="2025-12-20", maturity_date="2026-02-20"),
            loan("L3", "C3", principal_amount="3000.00", disbursed_on="2025-11-10", maturity_date="2026-02-10"),
            loan("L4", "C4", principal_amount="1000.00", disbursed_on="2026-01-25", maturity_date="2026-03-25"),
            loan("L5", "C4", principal_amount="1500.00", disbursed_on="2026-02-05", maturity_date="2026-04-05"),
            loan("L6", "C5", principal_amount="1200.00", disbursed_on="2026-01-15", maturity_date="2026-03-15"),
        ],
        "installments": [
            installment("L1", 1, "2026-02-10", "1000.00", "30.00"),
            installment("L1", 2, "2026-03-10", "1000.00", "20.00"),
            installment("L1", 3, "2026-04-10", "1000.00", "10.00"),
            installment("L2", 1, "2026-01-20", "1000.00", "20.00"),
            installment("L2", 2, "2026-02-20", "1000.00", "10.00"),
            installment("L3", 1, "2025-12-10", "1000.00", "10.00"),
            installment("L3", 2, "2026-01-10", "1000.00", "10.00"),
            installment("L3", 3, "2026-02-10", "1000.00", "10.00"),
            installment("L4", 1, "2026-02-25", "500.00", "10.00"),
            installment("L4", 2, "2026-03-25", "500.00", "5.00"),
            installment("L5", 1, "2026-03-05", "750.00", "15.00"),
            installment("L5", 2, "2026-04-05", "750.00", "8.00"),
            installment("L6", 1, "2026-02-15", "600.00", "12.00"),
            installment("L6", 2, "2026-03-15", "600.00", "6.00"),
        ],
        "payments": [p for p in PAYMENTS if date.fromisoformat(_on(p, "value_date")) <= night],
        "contact_attempts": [a for a in ATTEMPTS if date.fromisoformat(_on(a, "started_at")) <= night],
        "agents": [agent("AG1", team="early"), agent("AG2", full_name="王芳", team="early"),
                   agent("AG3", full_name="陈明", team="middle")],
    }


def write_book(landing: Path) -> None:
    from tests.extracts import write_extract

    for night in NIGHTS:
        write_extract(landing, night, reporting_book(night))


# ----------------------------------------------------------------------------------------------
# The nightly runs (once for the module: four nights cost most of this file's runtime)

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402

import duckdb  # noqa: E402
import pytest  # noqa: E402

from pipelines.settings import Paths  # noqa: E402

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Paths:
    """The book run night by night through the whole pipeline. While iterating on assertions, set
    ARREARS_REPORTING_BOOK=<folder> to build it there once and reuse it on the next runs."""
    from pipelines.nightly import run_night

    reuse = os.environ.get("ARREARS_REPORTING_BOOK")
    root = Path(reuse) if reuse else tmp_path_factory.mktemp("reporting")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb", out=root / "outbox")
    if reuse and (paths.out / LAST.isoformat() / "_batch.json").exists():
        return paths
    shutil.rmtree(root, ignore_errors=True)
    write_book(paths.landing)
    for night in NIGHTS:
        run_night(night, paths)
    return paths


def query(paths: Paths, sql: str, params: list | None = None) -> list[tuple]:
    from pipelines.warehouse import reader

    with reader(paths.warehouse) as con:
        return con.execute(sql, params or []).fetchall()


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_recovery_and_liquidation_rates_of_the_book(book):
    # March opens on 02-28 with L2 (1,010), L3 (2,020) and L4 (510) overdue = 3,540; L3 pays 2,020
    # and L4 510 in March: recovery 2,530 / 3,540. L1 (1,020) and L5 (765) fall overdue on the
    # 03-20 night and L6 (606, its payment bounced) on 03-31: 2,391 placed, of which L1 paid 1,020.
    march = query(book, """select accounts_overdue_at_start, overdue_at_start, recovered_amount, recovery_rate,
                                  accounts_newly_placed, placed_amount, liquidated_amount, liquidation_rate, collected_amount
                           from marts.recovery_rates where period_type = 'month' and period_start = '2026-03-01'
                             and dimension = 'portfolio'""")
    assert march == [(3, _money(3540), _money(2530), Decimal("0.714689"), 3, _money(2391), _money(1020),
                      Decimal("0.426600"), _money(3550))]
    # By stage at the opening: early (L2, L4: 1,520 overdue, L4's 510 recovered), middle (L3).
    stages = query(book, """select segment, overdue_at_start, recovered_amount, recovery_rate from marts.recovery_rates
                            where period_type = 'month' and period_start = '2026-03-01' and dimension = 'stage'
                              and overdue_at_start > 0 order by segment""")
    assert stages == [("early", _money(1520), _money(510), Decimal("0.335526")),
                      ("middle", _money(2020), _money(2020), Decimal("1.000000"))]


def test_collected_reconciles_to_the_ledger_in_every_period_and_dimension(book):
    reversed_ids = {p["reverses_payment_id"] for p in PAYMENTS if p["reverses_payment_id"]}
    periods = query(book, "select distinct period_type, period_start, period_end from marts.recovery_rates")
    assert len(periods) == 5  # months 02, 03; weeks of 02-23, 03-16, 03-30
    for period_type, start, end in periods:
        ledger = sum((Decimal(p["amount"]) for p in PAYMENTS
                      if not p["reverses_payment_id"] and p["payment_id"] not in reversed_ids
                      and start <= date.fromisoformat(p["value_date"]) <= min(end, LAST)), Decimal(0))
        totals = dict(query(book, """select dimension, sum(collected_amount) from marts.recovery_rates
                                     where period_type = ? and period_start = ? group by dimension""", [period_type, start]))
        if ledger:  # the credit dimensions (channel, team, agent) only have rows once something was paid
            assert set(totals) == {"portfolio", "bucket", "stage", "book_line", "product", "vintage", "channel", "team",
                                   "agent"}
        assert all(total == ledger for total in totals.values()), (period_type, start, totals, ledger)


def test_flow_matrix_of_march(book):
    # 02-28 -> 03-31: M0 {L1 stays, L5 and L6 to M1}; M1 {L2 to M2, L4 stays}; M2 {L3 cured}.
    cells = query(book, """select from_bucket, to_bucket, accounts, account_share, cure_rate, roll_forward_rate
                           from marts.roll_rates where period_type = 'month' and period_start = '2026-03-01'
                             and product = 'all' order by from_position, to_position""")
    assert cells == [
        ("M0", "M0", 1, Decimal("0.333333"), None, Decimal("0.666667")),
        ("M0", "M1", 2, Decimal("0.666667"), None, Decimal("0.666667")),
        ("M1", "M1", 1, Decimal("0.500000"), Decimal("0.000000"), Decimal("0.500000")),
        ("M1", "M2", 1, Decimal("0.500000"), Decimal("0.000000"), Decimal("0.500000")),
        ("M2", "M0", 1, Decimal("1.000000"), Decimal("1.000000"), Decimal("0.000000")),
    ]


def test_attribution_and_agent_performance(book):
    credit = dict((r[0], r[1:]) for r in query(book, """select payment_id, attribution_rule, agent_id, channel, net_amount
                                                          from marts.payment_attribution"""))
    assert credit["P2"] == ("conversation", "AG1", "call", _money(1020))     # 10 days after A101's promise
    assert credit["P5"] == ("conversation", "AG1", "visit", _money(2020))    # 2 days after the visit
    assert credit["P6"] == ("notice", None, "sms", _money(510))              # 2 days after a delivered SMS
    assert credit["P8"] == ("unattributed", None, "unattributed", _money(0))  # bounced
    agents = {r[0]: r[1:] for r in query(book, """
        select agent_id, attempts, rpc_rate, promises_due, promises_kept, ptp_kept_rate, collected_amount,
               contact_rule_breaches, rank_in_team
        from marts.agent_performance where period_type = 'month' and period_start = '2026-03-01'""")}
    assert agents["AG1"] == (2, Decimal("1.000000"), 1, 1, Decimal("1.000000"), _money(3040), 0, 1)
    # AG2: A201's promise broken; A202 at 22:30 local, a day after the A201 conversation: 2 breaches.
    assert agents["AG2"] == (2, Decimal("0.500000"), 1, 0, Decimal("0.000000"), _money(0), 2, 2)
    assert query(book, """select rule from marts.contact_rule_breaches order by rule""") == [
        ("call_after_conversation",), ("outside_hours",)]


def test_vintage_and_early_warnings(book):
    # Cohort 2025-12 is L2 alone (2,000): current at the January month end, 8 days past due at
    # February's, 39 days (M2) with 1,000 principal left at March's.
    assert query(book, """select months_on_book, m2_plus_rate, m3_plus_rate from marts.vintage
                          where disbursement_month = '2025-12-01' order by months_on_book""") == [
        (0, Decimal("0.000000"), Decimal("0.000000")), (1, Decimal("0.000000"), Decimal("0.000000")),
        (2, Decimal("0.000000"), Decimal("0.000000")), (3, Decimal("0.500000"), Decimal("0.000000"))]
    warnings = query(book, """select signal, detail, accounts from marts.early_warnings
                              where as_of_date = ? and signal = 'customer_late_on_several_loans'""", [LAST])
    assert warnings == [("customer_late_on_several_loans", "overdue on 2 loans of customer C4, up to 26 days past due", 2)]


def test_report_and_workbook_are_published_with_the_batch(book, tmp_path):
    from openpyxl import load_workbook

    from pipelines.reporting import build
    from pipelines.reporting.report import report_as_of

    folder = book.out / LAST.isoformat()
    batch = json.loads((folder / "_batch.json").read_text())
    assert {"kpi_report.html", "kpi_tables.xlsx"} <= set(batch["sha256"])
    assert batch["counts"]["kpi_report.html"] >= 10                   # charts drawn
    stable = book.out / "kpi_report.html"
    assert report_as_of(stable) == LAST and stable.read_bytes() == (folder / "kpi_report.html").read_bytes()
    assert report_as_of(book.out / NIGHTS[0].isoformat() / "kpi_report.html") == NIGHTS[0]
    workbook = load_workbook(book.out / "kpi_tables.xlsx", read_only=True)
    assert workbook.sheetnames == ["README", "kpi_figures", "kpi_restatements", "book_status", "recovery_rates",
                                   "roll_rates", "vintage", "agent_performance", "early_warnings", "strategy_outcomes",
                                   "first_contact_timeliness"]
    written = 0
    for sheet in workbook.sheetnames[1:]:
        (rows_in_mart,), = query(book, f"select count(*) from marts.{sheet}")
        rows_in_sheet = sum(1 for _ in workbook[sheet].iter_rows()) - 2     # less the definition and header rows
        assert rows_in_sheet == rows_in_mart > 0 or sheet == "kpi_restatements", sheet   # no restatement in the book
        written += rows_in_sheet
    assert batch["counts"]["kpi_tables.xlsx"] == written
    # a rerun of the night (another run id, same warehouse) writes the same bytes
    build(LAST, book, "another-run", tmp_path)
    for name in ("kpi_report.html", "kpi_tables.xlsx"):
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name


def test_report_opens_in_headless_chromium_with_every_chart_drawn(book, tmp_path):
    from pipelines.reporting.browser import inspect

    shot = REPO / "docs" / "kpi_report.png" if os.environ.get("ARREARS_UPDATE_SCREENSHOT") else tmp_path / "kpi.png"
    check = inspect(book.out / "kpi_report.html", screenshot=shot, width=1400)
    assert check.console_errors == [] and check.page_errors == []
    assert check.requests == []                                         # nothing fetched: no network
    expected = {"recovery-trend", "collected-weekly", "recovery-by-stage", "flow-matrix", "roll-cure", "vintage-m2",
                "vintage-m3", "agent-league", "early-warnings", "strategy", "timeliness"}
    assert set(check.marks) == expected
    assert check.empty == [] and all(n > 0 for n in check.marks.values()), check.marks
    # every chart has a visible title (drawn text with a size, not only a tooltip) and visible axis titles
    assert all(len(check.titles[c]) > 10 for c in expected), check.titles
    assert all(check.axis_titles[c] for c in expected), check.axis_titles
    assert check.titles["recovery-by-stage"].endswith("2026-03") and "2026-03" in check.titles["flow-matrix"]
    # fits 1400 px: the page does not scroll sideways, and nothing inside it does either
    assert check.viewport_width == 1400 and check.page_width <= 1400 and check.overflowing == [], check.overflowing
    assert shot.stat().st_size > 20_000


def test_report_reads_on_its_own_book_lines_targets_horizon_and_stage_order(book):
    html = (book.out / "kpi_report.html").read_text(encoding="utf-8")
    assert "docs/reporting.md" not in html and "How to read this report" in html
    # the book of 03-31: L2, L4, L5, L6 overdue (active arrears, none written off or placed), L1 and L3 current
    assert query(book, "select book_line, loans, overdue_amount from marts.book_status order by book_line") == [
        ("arrears", 4, _money(2886)), ("current", 2, _money(0))]
    # March's headline figures with the policy's targets: recovery 2,530 / 3,540 against 25%
    figures = {r[0]: r[1:] for r in query(book, """select figure, numerator, denominator, value, target, target_gap
        from marts.kpi_figures where as_of_date = ? and period_start = '2026-03-01'""", [LAST])}
    assert figures["recovery_rate"] == (2530, 3540, Decimal("0.714689"), Decimal("0.25"), Decimal("0.464689"))
    assert figures["collected_amount"][2] == 3550 and figures["payments"][2] == 3      # P8 bounced: not counted
    # history horizon (first night 02-28): the episodes of L2 (first overdue day 02-21), L3 (01-11) and L4's
    # first one (02-26) began before it; L4's second episode (03-26), L1, L5 and L6 began in March
    episodes = query(book, """select loan_id, first_overdue_day, reported_timeliness, is_overdue_on_as_of_date
                              from marts.first_contact_timeliness order by all""")
    assert [(e[0], e[1]) for e in episodes if e[2] == "before_history"] == [
        ("L2", date(2026, 2, 21)), ("L3", date(2026, 1, 11)), ("L4", date(2026, 2, 26))]
    assert figures["first_contact_on_time_rate"][:2] == (0, 4)          # the four March episodes, all late
    assert ("L2", date(2026, 2, 21), "before_history", True) in episodes   # still overdue tonight: charted apart
    assert "before history" in html
    # the recovery-by-stage bars in stage order
    stage_chart = html[html.index("data-chart='recovery-by-stage'"):]
    stage_chart = stage_chart[:stage_chart.index("</svg>")]
    assert stage_chart.index(">early<") < stage_chart.index(">middle<")


def test_workbook_formats_filters_and_definitions(book):
    from openpyxl import load_workbook

    workbook = load_workbook(book.out / "kpi_tables.xlsx")
    for name in workbook.sheetnames[1:]:
        sheet = workbook[name]
        assert sheet.freeze_panes == "A3", name                          # definition and header rows stay
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A2:"), name
        assert sheet["A1"].value.startswith(name) and sheet["A1"].comment is not None, name
        assert all(cell.comment is not None for cell in sheet[2]), name  # every column has its definition
    sheet = workbook["recovery_rates"]
    header = {cell.value: cell.column for cell in sheet[2]}
    march = next(r for r in sheet.iter_rows(min_row=3)
                 if r[header["period_type"] - 1].value == "month" and r[header["dimension"] - 1].value == "portfolio"
                 and r[header["period_start"] - 1].value.date() == date(2026, 3, 1))
    cell = {name: march[column - 1] for name, column in header.items()}
    assert cell["recovery_rate"].number_format == "0.00%" and float(cell["recovery_rate"].value) == 0.714689
    assert cell["collected_amount"].number_format == "#,##0.00" and float(cell["collected_amount"].value) == 3550
    assert cell["payments"].number_format == "#,##0" and cell["period_start"].number_format == "yyyy-mm-dd"
    figures = workbook["kpi_figures"]
    header = {cell.value: cell.column - 1 for cell in figures[2]}
    formats = {(r[header["figure"]].value, r[header["value"]].number_format) for r in figures.iter_rows(min_row=3)}
    assert ("recovery_rate", "0.00%") in formats and ("collected_amount", "#,##0.00") in formats
    assert ("payments", "#,##0") in formats


def _workbook_content(path: Path) -> dict:
    """Everything a reader of the workbook sees: per sheet every cell's value, number format, bold and
    fill, the notes, frozen panes, filter and column widths."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    content = {"sheets": workbook.sheetnames, "properties": (workbook.properties.creator,
                                                             workbook.properties.created, workbook.properties.modified)}
    for sheet in workbook.worksheets:
        content[sheet.title] = {
            "cells": [[(c.value, c.number_format, bool(c.font.b), c.fill.fgColor.rgb,
                        c.comment.text if c.comment else None) for c in row] for row in sheet.iter_rows()],
            "layout": (sheet.freeze_panes, sheet.auto_filter.ref,
                       {k: d.width for k, d in sheet.column_dimensions.items()})}
    return content


def test_workbook_written_through_lxml_holds_what_the_pure_python_writer_wrote(book, tmp_path):
    """openpyxl serialises the workbook with lxml's C writer when lxml is installed (a dependency for
    that reason); the workbook read back is the one openpyxl's pure-Python writer (the writer used
    before, OPENPYXL_LXML=False) gives, cell by cell."""
    import subprocess
    import sys

    import openpyxl.xml

    from pipelines.reporting.report import write_excel

    assert openpyxl.xml.LXML, "lxml is a dependency: openpyxl must write through it"
    script = ("import sys; from datetime import date; from pathlib import Path; "
              "from pipelines.reporting.report import write_excel; import openpyxl.xml; "
              "assert not openpyxl.xml.LXML; "
              "write_excel(Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), Path(sys.argv[3]))")
    # a copy of the warehouse: this process (dbt's in-process runner) may hold the book's file open
    copy = tmp_path / "copy.duckdb"
    for suffix in ("", ".wal"):
        if Path(f"{book.warehouse}{suffix}").exists():
            shutil.copy(f"{book.warehouse}{suffix}", f"{copy}{suffix}")
    duckdb.connect(str(copy)).close()           # replays and checkpoints the copied log
    subprocess.run([sys.executable, "-c", script, str(copy), LAST.isoformat(), str(tmp_path / "etree.xlsx")],
                   check=True, env={**os.environ, "OPENPYXL_LXML": "False"}, cwd=REPO)
    write_excel(book.warehouse, LAST, tmp_path / "lxml.xlsx")
    assert _workbook_content(tmp_path / "lxml.xlsx") == _workbook_content(tmp_path / "etree.xlsx")
    published = _workbook_content(book.out / LAST.isoformat() / "kpi_tables.xlsx")
    assert published == _workbook_content(tmp_path / "etree.xlsx")


def test_dbt_unit_tests_pass_and_the_reconciliation_test_catches_a_drift(book, tmp_path):
    """One dbt invocation (they cost a parse each) on a copy of the warehouse in which one credited
    total was nudged by a cent: every unit test of the reporting marts passes, and the ledger
    reconciliation test - and nothing else - fails."""
    from pipelines.errors import DataTestFailed
    from pipelines.policy import load_policy
    from pipelines.transform import dbt_vars, run_dbt

    copy = tmp_path / "warehouse" / "arrears.duckdb"
    copy.parent.mkdir()
    for source in book.warehouse.parent.glob(book.warehouse.name + "*"):   # the file and its WAL
        shutil.copyfile(source, copy.parent / source.name)
    shutil.copytree(book.warehouse.parent / ".dbt", copy.parent / ".dbt")  # dbt's partial parse
    con = duckdb.connect(str(copy))
    con.execute("""update marts.recovery_rates set collected_amount = collected_amount + 0.01
                   where period_type = 'month' and period_start = '2026-03-01' and dimension = 'channel'
                     and segment = 'sms'""")
    con.close()
    with pytest.raises(DataTestFailed) as failed:  # a data test, not a bad extract: its own exit code
        run_dbt(["test", "--select", "test_type:unit,path:models/marts/reporting", "test_type:unit,path:models/intermediate/reporting",
                 "recovery_rates,test_name:reporting_reconciles_to_ledger",
                 "--vars", dbt_vars(LAST, **load_policy(book.policy).dbt_vars())], copy)
    failures = str(failed.value).split(": ", 1)[1].split("; ")
    assert len(failures) == 1 and failures[0].startswith("reporting_reconciles_to_ledger"), failures


def test_rerun_replaces_published_figures_and_a_late_payment_is_restated(book, tmp_path):
    """On a copy of the book: a rerun of 03-20 replaces that night's published figures and leaves the
    other nights' as they were; then the night of 04-01 delivers L5's payment of 765.00 with value
    date 03-30 - after March was published as closed on 03-31. The 04-01 report restates March
    (collected 3,550.00 -> 4,315.00) with the late payment as the reason, and its tiles show April
    to date (one night) beside March, the last complete month."""
    from pipelines.nightly import run_night
    from tests.extracts import write_extract

    root = tmp_path / "copy"
    shutil.copytree(book.landing, root / "landing")
    shutil.copytree(book.warehouse.parent, root / "warehouse")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / book.warehouse.name, out=root / "outbox")
    figures_sql = """select as_of_date, period_start, figure, numerator, denominator, value, target
                     from marts.kpi_figures order by all"""
    published = query(paths, figures_sql)
    run_night(NIGHTS[1], paths)
    assert query(paths, figures_sql) == published                      # replaced, not duplicated or changed
    assert query(paths, "select count(*) from marts.kpi_restatements") == [(0,)]

    april = date(2026, 4, 1)
    extract = reporting_book(april)
    extract["payments"].append(payment("P9", "L5", "2026-03-30", "765.00"))
    write_extract(paths.landing, april, extract)
    run_night(april, paths)
    restated = {r[0]: r[1:] for r in query(paths, """
        select figure, published_on, published_value, restated_value, late_payments, late_payment_amount, reason
        from marts.kpi_restatements where as_of_date = ? and period_start = '2026-03-01'""", [april])}
    assert restated["collected_amount"] == (LAST, 3550, 4315, 1, _money(765),
                                            "payments with value dates in the month arrived after it was published")
    assert restated["payments"][1:3] == (3, 4)
    assert restated["liquidation_rate"][1:3] == (Decimal("0.4266"), Decimal("0.746550"))  # L5 paid after placement
    assert "recovery_rate" not in restated                              # L5 was not in arrears when March opened
    assert query(paths, "select count(*) from marts.kpi_figures where as_of_date = ?", [LAST]) == [
        (len([r for r in published if r[0] == LAST]),)]                  # the 03-31 publication is kept as it was
    html = (paths.out / "kpi_report.html").read_text(encoding="utf-8")
    restatements = html[html.index('id="restatements"'):html.index('id="how-to-read"')]
    assert "3,550.00" in restatements and "4,315.00" in restatements and "2026-03-31" in restatements
    assert "1 late payment (765.00)" in restatements
    assert "month to date: 2026-04 to date (1 night, to 04-01)" in html and "last complete month: 2026-03" in html


# ----------------------------------------------------------------------------------------------
# Fast tests of the pieces (no dbt)

def test_publish_latest_keeps_the_newest_business_date(tmp_path):
    from pipelines.reporting import publish_latest

    def batch(day: str) -> None:
        folder = tmp_path / day
        folder.mkdir()
        (folder / "kpi_report.html").write_text(f'<html><head><meta name="arrears-as-of" content="{day}">', "utf-8")
        (folder / "kpi_tables.xlsx").write_bytes(day.encode())

    batch("2026-03-31")
    batch("2026-04-06")
    assert publish_latest(tmp_path, date(2026, 4, 6)) == tmp_path / "kpi_report.html"
    assert publish_latest(tmp_path, date(2026, 3, 31)) is None            # a rerun of an older night
    assert (tmp_path / "kpi_tables.xlsx").read_bytes() == b"2026-04-06"
    assert "2026-04-06" in (tmp_path / "kpi_report.html").read_text()


def test_workbook_text_that_looks_like_a_formula_stays_text():
    from pipelines.reporting.report import _excel_value

    assert _excel_value("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _excel_value("@SUM(A1)") == "'@SUM(A1)" and _excel_value("王芳") == "王芳" and _excel_value(5) == 5


def test_charts_escape_labels_and_say_when_there_is_no_data():
    from pipelines.reporting import charts

    svg = charts.bar_chart("x", "t", ["<script>alert(1)</script>"], [5.0])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and svg.count("class='mark'") == 1
    empty = charts.line_chart("y", "t", [], [])
    assert "data-empty='true'" in empty and "class='mark'" not in empty
    heat = charts.heat_map("z", "t", ["M1"], ["M0", "M1"], {("M1", "M0"): (0.25, 1), ("M1", "M1"): (0.75, 3)})
    assert heat.count("class='mark'") == 2
    # the title is drawn, not only a tooltip; series beyond the eight Okabe-Ito colours are dashed
    assert "<text class='chart-title'" in svg and ">t</text>" in heat
    assert charts.series_style(0) == (charts.BLUE, False) and charts.series_style(8) == (charts.BLUE, True)
    lines = charts.line_chart("v", "t", ["0", "1"], [charts.Series(str(i), [0.1, 0.2]) for i in range(10)])
    assert lines.count("stroke-dasharray='5 4'") == 2


def test_policy_reporting_targets_are_rates_passed_to_dbt(tmp_path):
    import yaml

    from pipelines.errors import PolicyError
    from pipelines.policy import load_policy
    from pipelines.settings import DEFAULT_POLICY

    document = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    assert load_policy(DEFAULT_POLICY).dbt_vars()["reporting_targets"] == {
        figure: str(rate) for figure, rate in document["reporting"]["targets"].items()}
    for targets, key, problem in [({"recovery_rate": "1.5"}, "reporting.targets.recovery_rate", "is above 1"),
                                  ({"recovery_rate": "0.12345"}, "reporting.targets.recovery_rate", "more than 4 decimals"),
                                  ({"recovery": "0.2"}, "reporting.targets.recovery", "unknown key"),
                                  ({"cure_rate": "-0.1"}, "reporting.targets.cure_rate", "must not be negative")]:
        path = tmp_path / "policy.yaml"
        path.write_text(yaml.safe_dump({**document, "reporting": {"targets": targets}}, allow_unicode=True), "utf-8")
        with pytest.raises(PolicyError, match=rf"^{path}: {key}: .*{problem}"):
            load_policy(path)
    path.write_text(yaml.safe_dump({k: v for k, v in document.items() if k != "reporting"}, allow_unicode=True), "utf-8")
    assert load_policy(path).dbt_vars()["reporting_targets"] == load_policy(DEFAULT_POLICY).dbt_vars()[
        "reporting_targets"], "no section: the packaged file's values (the one place defaults live)"
    path.write_text(yaml.safe_dump({**document, "reporting": {**document["reporting"], "targets": {}}},
                                   allow_unicode=True), "utf-8")
    assert load_policy(path).dbt_vars()["reporting_targets"] == {}      # targets: {} sets none
