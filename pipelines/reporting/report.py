"""Render the KPI report (one static HTML page with inline SVG charts) and the Excel export of the
KPI tables from the reporting marts."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from pipelines.reporting import charts
from pipelines.reporting.charts import BLUE, GREEN, GREY, ORANGE, SKY, VERMILLION, YELLOW, Series, amount, percent
from pipelines.reporting.data import KPI_TABLES, PUBLISHED_TABLES, STAGE_ORDER, ReportData, rows, tables
from pipelines.warehouse import reader

TEMPLATES = Path(__file__).with_name("templates")
AS_OF_META = "arrears-as-of"
GOOD, BAD, NEUTRAL = GREEN, VERMILLION, BLUE

# The headline KPIs (marts.kpi_figures.figure): label and population, in tile order.
HEADLINE = [
    ("collected_amount", "Collected, net of reversals",
     "every payment with a value date in the month, all loans; reversed payments not counted"),
    ("recovery_rate", "Recovery rate",
     "loans in active arrears when the month opened (written-off and placed loans excluded): paid since ÷ overdue then"),
    ("liquidation_rate", "Liquidation rate",
     "loans that fell overdue during the month: paid since ÷ overdue when they fell overdue"),
    ("cure_rate", "Cure rate",
     "loans in a delinquent bucket when the month opened (written-off excluded): share current at its close"),
    ("ptp_kept_rate", "PTP kept rate", "promises falling due in the month: paid in full by their date ÷ due"),
    ("first_contact_on_time_rate", "First contact on time",
     "loans that fell overdue in the month, on or after the warehouse's first night: first contact by the next"
     " business day ÷ those whose deadline has passed"),
    ("visits", "Field visits made", "home visits the field agents reported in the month (contact attempts of channel visit)"),
    ("visit_rpc_rate", "Right-party rate on visits", "visits in the month that met the debtor ÷ visits made"),
    ("visit_collected_amount", "Collected after visits",
     "net payments of the visited loans from each visit day to the policy's reporting.strategy_outcome_days"
     " (14 by default) after it"),
]
BOOK_LINES = [
    ("current", "Current", "active loans not overdue"),
    ("arrears", "Active arrears", "overdue, worked by our own teams (not written off, not placed)"),
    ("placed_agency", "Placed with an agency", "overdue loans handed to a collection agency"),
    ("placed_legal", "Referred to legal", "overdue loans referred to legal"),
    ("written_off", "Written off", "charged off; balances still collectable"),
]
TIMELINESS_ORDER = ("on_time", "late", "pending", "excused", "before_history")
TIMELINESS_COLORS = {"on_time": GREEN, "late": VERMILLION, "pending": SKY, "excused": YELLOW, "before_history": GREY}


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def month_label(row: dict | None) -> str:
    """'2026-10' for a complete month, '2026-11 to date (1 night)' for a running one."""
    if row is None:
        return "–"
    label = row["period_start"].strftime("%Y-%m")
    if row["is_period_complete"]:
        return label
    nights = int(row["nights"])
    return f"{label} to date ({nights} night{'s' if nights != 1 else ''}, to {row['closing_as_of_date'].strftime('%m-%d')})"


def current_month_label(data: ReportData) -> str:
    """The label of D's month (kpi_figures carries its nights), e.g. '2026-11 to date (1 night, to 11-01)'."""
    row = next((r for (start, _), r in data.figures.items() if start == data.month_start), None)
    return month_label(row) if row else data.month_start.strftime("%Y-%m")


def headline_tiles(data: ReportData) -> list[dict]:
    """Per headline KPI: the month to date, the last complete month, the month before it, the
    change between those two complete months and the target with the gap (all from kpi_figures)."""
    months = {"mtd": data.month_start, "last": _months_back(data.month_start, 1), "prev": _months_back(data.month_start, 2)}
    tiles = []
    for figure, label, population in HEADLINE:
        found = {key: data.figures.get((start, figure)) for key, start in months.items()}
        last, prev = found["last"], found["prev"]
        change = None
        if last and prev and last["value"] is not None and prev["value"] is not None:
            change = float(last["value"] - prev["value"])
            if last["unit"] != "rate":
                change = change / float(prev["value"]) if prev["value"] else None
        any_row = found["mtd"] or last
        tiles.append({"figure": figure, "label": label, "population": population, "change": change,
                      "unit": any_row["unit"] if any_row else "rate", "target": any_row["target"] if any_row else None,
                      **found})
    return tiles


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v, digits=1: percent(None if v is None else float(v), digits)
    env.filters["money"] = lambda v: "–" if v is None else f"{Decimal(v):,.2f}"
    env.filters["count"] = lambda v: "–" if v is None else f"{int(v):,}"
    env.filters["short"] = lambda v: amount(None if v is None else float(v))
    env.filters["num"] = lambda v: "–" if v is None else f"{float(v):,.4g}"
    env.filters["kpi"] = _kpi
    env.filters["change"] = _change
    env.filters["amountish"] = lambda v: "–" if v is None else (
        f"{int(v):,}" if Decimal(v) == Decimal(v).to_integral_value() and abs(v) < 10_000 else amount(float(v)))
    env.globals["month_label"] = month_label
    return env


def _kpi(value, unit: str, exact: bool = False) -> str:
    """A kpi_figures value in its unit: money (short, or exact with separators), count, rate."""
    if value is None:
        return "–"
    if unit == "money":
        return f"{Decimal(value):,.2f}" if exact else amount(float(value))
    if unit == "count":
        return f"{int(value):,}"
    return percent(float(value), 2 if exact else 1)


def _change(value, unit: str, exact: bool = False) -> str:
    """A difference: rates in percentage points; money and counts as a relative change (tiles) or,
    exact, as the amount (restatements)."""
    if value is None:
        return "–"
    if unit == "rate":
        return f"{float(value) * 100:+.{2 if exact else 1}f} pts"
    if exact:
        return f"{Decimal(value):+,.2f}" if unit == "money" else f"{int(value):+,}"
    return f"{float(value) * 100:+.1f}%"


def _f(value) -> float | None:
    return None if value is None else float(value)


def _label(day: date) -> str:
    return day.strftime("%m-%d")


def build_charts(data: ReportData) -> dict[str, Markup]:
    """Every chart of the report, by id (the ids the test and docs/reporting.md use)."""
    out: dict[str, Markup] = {}

    weeks = data.trend
    month = current_month_label(data)
    out["recovery-trend"] = charts.line_chart(
        "recovery-trend", "Weekly recovery and liquidation rate, whole book",
        [_label(w["period_start"]) + ("" if w["is_period_complete"] else "*") for w in weeks],
        [Series("recovery rate", [_f(w["recovery_rate"]) for w in weeks], NEUTRAL),
         Series("liquidation rate", [_f(w["liquidation_rate"]) for w in weeks], ORANGE, dashed=True)],
        x_title="week starting (Monday; * running week)", y_title="paid ÷ overdue amount")
    out["collected-weekly"] = charts.bar_chart(
        "collected-weekly", f"Collected per week, net of reversals ({data.currency})",
        [_label(w["period_start"]) + ("" if w["is_period_complete"] else "*") for w in weeks],
        [float(w["collected_amount"]) for w in weeks], colors=[NEUTRAL] * len(weeks),
        label_title="week starting", value_title=f"collected ({data.currency})")

    stages = sorted((r for r in data.month_cuts.get("stage", []) if r["overdue_at_start"]),
                    key=lambda r: STAGE_ORDER.index(r["segment"]) if r["segment"] in STAGE_ORDER else 99)
    out["recovery-by-stage"] = charts.bar_chart(
        "recovery-by-stage", f"Recovery rate by stage at the month's start, {month}",
        [r["segment"] for r in stages], [float(r["recovery_rate"] or 0) for r in stages], value_format=percent,
        colors=[NEUTRAL] * len(stages), label_title="stage", value_title="recovered ÷ overdue at the month's start")

    present = {r["from_bucket"] for r in data.flows} | {r["to_bucket"] for r in data.flows}
    ordered = [b for b in data.buckets if b in present] + sorted(present - set(data.buckets) - {"written_off", "closed"})
    from_rows = [b for b in ordered if b in {r["from_bucket"] for r in data.flows}]
    columns = ordered + [c for c in ("written_off", "closed") if c in present]
    position = {b: i for i, b in enumerate(data.buckets)}
    out["flow-matrix"] = charts.heat_map(
        "flow-matrix", f"Flow matrix, {month}: each bucket's loans by bucket at the close",
        from_rows, columns,
        {(r["from_bucket"], r["to_bucket"]): (_f(r["account_share"]), int(r["accounts"])) for r in data.flows},
        row_title="bucket at opening", column_title="bucket at closing",
        worse=lambda row, column: column == "written_off" or position.get(column, -1) > position.get(row, 99))
    summary = [r for r in data.roll_summary if (r["from_position"] or 0) > 0]
    out["roll-cure"] = charts.grouped_bar_chart(
        "roll-cure", f"Roll-forward and cure rate by bucket, {month}", [r["from_bucket"] for r in summary],
        [Series("rolled forward", [_f(r["roll_forward_rate"]) for r in summary], BAD),
         Series("cured", [_f(r["cure_rate"]) for r in summary], GOOD)],
        x_title="bucket when the month opened", y_title="share of the bucket's loans")

    cohorts: dict[date, dict[int, dict]] = defaultdict(dict)
    for r in data.vintage:
        cohorts[r["disbursement_month"]][int(r["months_on_book"])] = r
    max_mob = max((m for c in cohorts.values() for m in c), default=0)
    mobs = list(range(0, max_mob + 1))
    for key, column, label in (("vintage-m2", "m2_plus_rate", "M2+"), ("vintage-m3", "m3_plus_rate", "M3+")):
        out[key] = charts.line_chart(
            key, f"Vintage: {label} balance ÷ disbursed, one line per disbursement month",
            [str(m) for m in mobs],
            [Series(cohort.strftime("%Y-%m"), [_f(c[m][column]) if m in c else None for m in mobs])
             for cohort, c in sorted(cohorts.items())],
            x_title="months on book", y_title=f"{label} balance ÷ disbursed")

    league = sorted(data.agents, key=lambda a: (-float(a["collected_amount"]), a["agent_id"]))[:20]
    out["agent-league"] = charts.bar_chart(
        "agent-league", f"Money credited per agent, {month}, top 20",
        [f"{a['agent_name'] or a['agent_id']} · {a['team']}" for a in league],
        [float(a["collected_amount"]) for a in league], colors=[NEUTRAL] * len(league), bar_height=16,
        label_title="agent · team", value_title=f"collected credited ({data.currency})")

    by_signal: dict[str, int] = defaultdict(int)
    for w in data.warnings:
        by_signal[w["signal"]] += 1
    out["early-warnings"] = charts.bar_chart(
        "early-warnings", f"Early-warning signals raised on {data.as_of.isoformat()}",
        [s.replace("_", " ") for s in by_signal],
        [float(n) for n in by_signal.values()], value_format=lambda v: f"{v:,.0f}",
        colors=[BAD] * len(by_signal), no_data="no signal tonight", label_title="signal", value_title="signals raised")

    if "strategy_outcomes" not in data.missing:
        whole = [r for r in data.strategy if r["channel"] == "all" and r["matured"]]
        stages = sorted({r["stage"] for r in whole}, key=lambda st: ("early", "middle", "late").index(st)
                        if st in ("early", "middle", "late") else 9)
        variants = sorted({r["variant"] for r in whole})
        rate = {(r["stage"], r["variant"]): r["cure_rate"] for r in whole}
        out["strategy"] = charts.grouped_bar_chart(
            "strategy", "Cure rate within the outcome window, by stage and variant (last three months)",
            stages, [Series(v, [_f(rate.get((st, v))) for st in stages], {"champion": BLUE, "challenger": ORANGE}.get(v))
                     for v in variants],
            no_data="no contact has reached the end of its outcome window yet",
            x_title="stage when the contact was scheduled", y_title="matured loans cured")

    if "first_contact_timeliness" not in data.missing:
        counts: dict[str, int] = defaultdict(int)
        for r in data.timeliness:
            counts[r["timeliness"]] += int(r["loans"])
        order = [t for t in TIMELINESS_ORDER if t in counts]
        out["timeliness"] = charts.bar_chart(
            "timeliness", f"Loans overdue on {data.as_of.isoformat()} by timeliness of their first contact",
            [t.replace("_", " ") for t in order], [float(counts[t]) for t in order],
            value_format=lambda v: f"{v:,.0f}", colors=[TIMELINESS_COLORS[t] for t in order],
            no_data="no overdue loan", label_title="first contact", value_title="loans overdue tonight")
    return out


def render_html(data: ReportData, run_id: str, policy_version: str, score: dict | None = None) -> str:
    """The page. `run_id` is recorded in `_batch.json`, not on the page, so that a rerun of a night
    on the same warehouse writes the same bytes. `score`: the collection score's monitoring figures
    (pipelines.scoring.monitoring), its own section."""
    chart_svgs = build_charts(data)
    month = next((m for m in data.monthly if m["period_start"] == data.month_start), None)
    agents_by_team: dict[str, list[dict]] = defaultdict(list)
    for a in data.agents:
        agents_by_team[a["team"]].append(a)
    teams = []
    for team, agents in sorted(agents_by_team.items()):
        calls = sum(int(a["call_attempts"]) for a in agents)
        due = sum(int(a["promises_due"]) for a in agents)
        teams.append({
            "team": team, "agents": len(agents), "attempts": sum(int(a["attempts"]) for a in agents),
            "rpc_rate": sum(int(a["call_rpcs"]) for a in agents) / calls if calls else None,
            "ptp_kept_rate": sum(int(a["promises_kept"]) for a in agents) / due if due else None,
            "collected": sum((a["collected_amount"] for a in agents), Decimal(0)),
            "breaches": sum(int(a["contact_rule_breaches"]) for a in agents),
        })
    totals = {
        "ptp_due": sum(int(a["promises_due"]) for a in data.agents),
        "ptp_kept": sum(int(a["promises_kept"]) for a in data.agents),
        "breaches": sum(int(a["contact_rule_breaches"]) for a in data.agents),
        "attempts": sum(int(a["attempts"]) for a in data.agents),
    }
    stage_rank = {s: i for i, s in enumerate(STAGE_ORDER)}
    timeliness = sorted(data.timeliness, key=lambda r: (stage_rank.get(r["stage"], 99),
                                                         TIMELINESS_ORDER.index(r["timeliness"])
                                                         if r["timeliness"] in TIMELINESS_ORDER else 99))
    book_lines = {r["segment"]: r for r in data.month_cuts.get("book_line", [])}
    return _environment().get_template("kpi_report.html.j2").render(
        d=data, charts=chart_svgs, month=month, month_name=current_month_label(data), agents_by_team=dict(agents_by_team),
        teams=teams, totals=totals, tiles=headline_tiles(data), book_lines=BOOK_LINES, recovery_lines=book_lines,
        timeliness=timeliness, figure_labels={f: label for f, label, _ in HEADLINE},
        run_id=run_id, policy_version=policy_version, as_of_meta=AS_OF_META, score=score)


# Excel number formats by warehouse type; rates are the reporting marts' rate type, DECIMAL(18,6).
MONEY_FORMAT, COUNT_FORMAT, RATE_FORMAT, DATE_FORMAT = "#,##0.00", "#,##0", "0.00%", "yyyy-mm-dd"
TIMESTAMP_FORMAT, RATIO_FORMAT = "yyyy-mm-dd hh:mm", "#,##0.0000"
UNIT_FORMATS = {"money": MONEY_FORMAT, "count": COUNT_FORMAT, "rate": RATE_FORMAT}
# Columns whose number is in the unit named by the row's `unit` column (kpi_figures, kpi_restatements).
UNIT_COLUMNS = {"value", "target", "target_gap", "published_value", "restated_value", "change"}
# DECIMAL(18,6) columns that are not rates (early_warnings: the metric's value, baseline and threshold).
NOT_RATES = {"early_warnings": {"value", "baseline", "threshold"}}


def column_format(table: str, column: str, data_type: str) -> str | None:
    """The Excel number format of a column from its warehouse type (None: text and booleans)."""
    if data_type == "DECIMAL(18,6)":
        return RATIO_FORMAT if column in NOT_RATES.get(table, ()) else RATE_FORMAT
    if data_type == "DECIMAL(18,2)":
        return MONEY_FORMAT
    if data_type.startswith("DECIMAL") or data_type in ("DOUBLE", "FLOAT", "REAL"):
        return "#,##0.00##"
    if data_type in ("INTEGER", "BIGINT", "SMALLINT", "HUGEINT", "TINYINT"):
        return COUNT_FORMAT
    if data_type == "DATE":
        return DATE_FORMAT
    if data_type.startswith("TIMESTAMP"):
        return TIMESTAMP_FORMAT
    return None


def table_definitions(table: str) -> tuple[str, dict[str, str]]:
    """The model's description and its columns' descriptions from its yml beside it (dbt docs)."""
    for path in _model_ymls().get(table, []):
        for model in _yaml_models(path):
            if model.get("name") == table:
                columns = {c["name"]: " ".join(str(c.get("description", "")).split()) for c in model.get("columns", [])}
                return " ".join(str(model.get("description", "")).split()), columns
    return "", {}


@lru_cache(maxsize=1)
def _model_ymls() -> dict[str, list[Path]]:
    """{file stem: the models' yml files of that name}, found once per process."""
    from pipelines.settings import DBT_PROJECT_DIR

    found: dict[str, list[Path]] = defaultdict(list)
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        found[path.stem].append(path)
    return found


@lru_cache(maxsize=None)
def _yaml_models(path: Path) -> list[dict]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where available: same document, faster
    return (yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}).get("models", [])


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def write_excel(warehouse: Path, as_of: date, path: Path) -> int:
    """A README sheet, then one sheet per KPI table (all rows as known on `as_of`; kpi_figures: the
    figures published up to `as_of`): row 1 the table's definition (also as a note), row 2 the
    column names with each column's definition as a note, frozen, with an autofilter; numbers
    formatted by type (money #,##0.00, counts #,##0, rates %, dates yyyy-mm-dd). Returns the
    number of data rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook(write_only=True)
    stamp = datetime.combine(as_of, time())
    workbook.properties.creator = "arrears"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    readme = workbook.create_sheet("README")
    readme.column_dimensions["A"].width = 28
    readme.column_dimensions["B"].width = 120
    readme.append([WriteOnlyCell(readme, value=f"arrears KPI tables as known on {as_of.isoformat()}")])
    readme.append(["", "One sheet per table of the warehouse schema marts. Row 1 of each sheet defines the table,"
                   " row 2 names the columns (hover a name for its definition); filter with the arrows of row 2."
                   " Money is in the row's currency, never added across currencies; rates are shown as percentages."])
    readme.append([])
    readme.append(["table", "definition"])
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="E9ECEF")
    written = 0
    with reader(warehouse) as con:
        present = tables(con)
        for table in KPI_TABLES:
            if table not in present:
                continue
            types = dict(con.execute(
                """select column_name, data_type from information_schema.columns
                   where table_schema = 'marts' and table_name = ?""", [table]).fetchall())
            where = " where as_of_date <= ?" if table in PUBLISHED_TABLES else ""
            cursor = con.execute(f"select * from marts.{table}{where} order by all", [as_of] if where else [])
            names = [c[0] for c in cursor.description]
            records = cursor.fetchall()
            definition, column_notes = table_definitions(table)
            sheet = workbook.create_sheet(table)
            formats = [column_format(table, name, types.get(name, "")) for name in names]
            for i, name in enumerate(names, start=1):
                width = max(len(name) + 4, 12 if formats[i - 1] in (MONEY_FORMAT, DATE_FORMAT, TIMESTAMP_FORMAT) else 8)
                sheet.column_dimensions[_column_letter(i)].width = min(width, 40)
            sheet.freeze_panes = "A3"
            sheet.auto_filter.ref = f"A2:{_column_letter(len(names))}{len(records) + 2}"
            title = WriteOnlyCell(sheet, value=f"{table}: {definition}" if definition else table)
            title.font = bold
            title.alignment = Alignment(vertical="top")
            if definition:
                title.comment = Comment(definition, "arrears", width=480, height=240)
            sheet.append([title])
            header = []
            for name in names:
                cell = WriteOnlyCell(sheet, value=name)
                cell.font, cell.fill = bold, header_fill
                if column_notes.get(name):
                    cell.comment = Comment(column_notes[name], "arrears", width=320, height=120)
                header.append(cell)
            sheet.append(header)
            unit_at = names.index("unit") if "unit" in names else None
            # A row is serialised as soon as it is appended, so one formatted cell per column and
            # format serves every row; a value without a format goes in as a plain value (openpyxl
            # types it as it would a cell's). Cheaper than a styled cell per value, same workbook.
            styled: dict[tuple[int, str], WriteOnlyCell] = {}
            for record in records:
                row = []
                for i, value in enumerate(record):
                    number_format = formats[i]
                    if unit_at is not None and names[i] in UNIT_COLUMNS:
                        number_format = UNIT_FORMATS.get(record[unit_at], number_format)
                    if not number_format or value is None:
                        row.append(_excel_value(value))
                        continue
                    cell = styled.get((i, number_format))
                    if cell is None:
                        cell = styled[(i, number_format)] = WriteOnlyCell(sheet)
                    cell.value = _excel_value(value)
                    if cell.number_format != number_format:     # a date bound to a cell sets its own
                        cell.number_format = number_format
                    row.append(cell)
                sheet.append(row)
            readme.append([table, f"{len(records)} rows. {definition}"])
            written += len(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    _normalise_xlsx(path, stamp)
    return written


def _normalise_xlsx(path: Path, stamp: datetime) -> None:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry; replace both with
    the business date so that a rerun of a night writes the same bytes."""
    import os
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    partial = path.with_name(f".{path.name}.partial")
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + when + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            archive.writestr(entry, data)
    os.replace(partial, path)


def _excel_value(value):
    """A warehouse value as a cell value: naive datetimes, and text a spreadsheet would read as a
    formula (an agent's name, a warning's detail) neutralised like every file operations open."""
    from pipelines.contact.outbox import neutralise

    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise(value)
    return value


def chart_count(html: str) -> int:
    return html.count("data-chart=")


def report_as_of(path: Path) -> date | None:
    """The business date a report file was built for (its <meta name="arrears-as-of">)."""
    try:
        head = path.read_text(encoding="utf-8")[:2000]
    except FileNotFoundError:
        return None
    marker = f'<meta name="{AS_OF_META}" content="'
    start = head.find(marker)
    if start < 0:
        return None
    return date.fromisoformat(head[start + len(marker):start + len(marker) + 10])


__all__ = ["build_charts", "render_html", "write_excel", "report_as_of", "chart_count", "rows"]
