"""Render the KPI report (one static HTML page with inline SVG charts) and the Excel export of the
KPI tables from the reporting marts."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pipelines.reporting import charts
from pipelines.reporting.charts import Series, amount, percent
from pipelines.reporting.data import KPI_TABLES, ReportData, rows, tables
from pipelines.warehouse import reader

TEMPLATES = Path(__file__).with_name("templates")
AS_OF_META = "arrears-as-of"
GOOD, BAD, NEUTRAL = "#2b8a3e", "#c92a2a", "#1f6feb"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v, digits=1: percent(None if v is None else float(v), digits)
    env.filters["money"] = lambda v: "–" if v is None else f"{Decimal(v):,.2f}"
    env.filters["count"] = lambda v: "–" if v is None else f"{int(v):,}"
    env.filters["short"] = lambda v: amount(None if v is None else float(v))
    env.filters["num"] = lambda v: "–" if v is None else f"{float(v):,.4g}"
    return env


def _f(value) -> float | None:
    return None if value is None else float(value)


def _label(day: date) -> str:
    return day.strftime("%m-%d")


def build_charts(data: ReportData) -> dict[str, Markup]:
    """Every chart of the report, by id (the ids the test and docs/reporting.md use)."""
    out: dict[str, Markup] = {}

    weeks = data.trend
    out["recovery-trend"] = charts.line_chart(
        "recovery-trend", "Weekly recovery and liquidation rate (whole book)",
        [_label(w["period_start"]) + ("" if w["is_period_complete"] else "*") for w in weeks],
        [Series("recovery rate", [_f(w["recovery_rate"]) for w in weeks], NEUTRAL),
         Series("liquidation rate", [_f(w["liquidation_rate"]) for w in weeks], "#e8590c", dashed=True)])
    out["collected-weekly"] = charts.bar_chart(
        "collected-weekly", f"Collected per week ({data.currency}, net of reversals)",
        ["week of " + _label(w["period_start"]) for w in weeks], [float(w["collected_amount"]) for w in weeks])

    stages = [r for r in data.month_cuts.get("stage", []) if r["overdue_at_start"]]
    out["recovery-by-stage"] = charts.bar_chart(
        "recovery-by-stage", "Recovery rate this month by stage at the month's start",
        [r["segment"] for r in stages], [float(r["recovery_rate"] or 0) for r in stages], value_format=percent,
        colors=[NEUTRAL] * len(stages))

    present = {r["from_bucket"] for r in data.flows} | {r["to_bucket"] for r in data.flows}
    ordered = [b for b in data.buckets if b in present] + sorted(present - set(data.buckets) - {"written_off", "closed"})
    from_rows = [b for b in ordered if b in {r["from_bucket"] for r in data.flows}]
    columns = ordered + [c for c in ("written_off", "closed") if c in present]
    position = {b: i for i, b in enumerate(data.buckets)}
    out["flow-matrix"] = charts.heat_map(
        "flow-matrix", "Flow matrix: share of each bucket's loans by bucket at the month's close",
        from_rows, columns,
        {(r["from_bucket"], r["to_bucket"]): (_f(r["account_share"]), int(r["accounts"])) for r in data.flows},
        row_title="bucket at opening", column_title="bucket at closing",
        worse=lambda row, column: column == "written_off" or position.get(column, -1) > position.get(row, 99))
    summary = [r for r in data.roll_summary if (r["from_position"] or 0) > 0]
    out["roll-cure"] = charts.grouped_bar_chart(
        "roll-cure", "Roll-forward and cure rate by bucket this month", [r["from_bucket"] for r in summary],
        [Series("rolled forward", [_f(r["roll_forward_rate"]) for r in summary], BAD),
         Series("cured", [_f(r["cure_rate"]) for r in summary], GOOD)])

    cohorts: dict[date, dict[int, dict]] = defaultdict(dict)
    for r in data.vintage:
        cohorts[r["disbursement_month"]][int(r["months_on_book"])] = r
    max_mob = max((m for c in cohorts.values() for m in c), default=0)
    mobs = list(range(0, max_mob + 1))
    for key, column, label in (("vintage-m2", "m2_plus_rate", "M2+"), ("vintage-m3", "m3_plus_rate", "M3+")):
        out[key] = charts.line_chart(
            key, f"Vintage: balance at {label} / disbursed, by month on book and disbursement month",
            [str(m) for m in mobs],
            [Series(month.strftime("%Y-%m"), [_f(c[m][column]) if m in c else None for m in mobs])
             for month, c in sorted(cohorts.items())])

    league = sorted(data.agents, key=lambda a: (-float(a["collected_amount"]), a["agent_id"]))[:20]
    out["agent-league"] = charts.bar_chart(
        "agent-league", f"Collected credited per agent this month ({data.currency}), top 20",
        [f"{a['agent_name'] or a['agent_id']} · {a['team']}" for a in league],
        [float(a["collected_amount"]) for a in league], colors=[NEUTRAL] * len(league), bar_height=16)

    by_signal: dict[str, int] = defaultdict(int)
    for w in data.warnings:
        by_signal[w["signal"]] += 1
    out["early-warnings"] = charts.bar_chart(
        "early-warnings", "Early-warning signals raised tonight", [s.replace("_", " ") for s in by_signal],
        [float(n) for n in by_signal.values()], value_format=lambda v: f"{v:,.0f}",
        colors=[BAD] * len(by_signal), no_data="no signal tonight")

    if "strategy_outcomes" not in data.missing:
        whole = [r for r in data.strategy if r["channel"] == "all" and r["matured"]]
        stages = sorted({r["stage"] for r in whole}, key=lambda st: ("early", "middle", "late").index(st)
                        if st in ("early", "middle", "late") else 9)
        variants = sorted({r["variant"] for r in whole})
        rate = {(r["stage"], r["variant"]): r["cure_rate"] for r in whole}
        out["strategy"] = charts.grouped_bar_chart(
            "strategy", "Cure rate within the outcome window by stage, per variant (each loan once, all channels)",
            stages, [Series(v, [_f(rate.get((st, v))) for st in stages], GOOD if v == "champion" else "#7048e8")
                     for v in variants],
            no_data="no contact has reached the end of its outcome window yet")

    if "contact_timeliness" not in data.missing:
        counts: dict[str, int] = defaultdict(int)
        for r in data.timeliness:
            counts[r["timeliness"]] += int(r["loans"])
        order = [t for t in ("on_time", "late", "pending", "excused") if t in counts]
        out["timeliness"] = charts.bar_chart(
            "timeliness", "Overdue loans tonight by timeliness of the first contact",
            [t.replace("_", " ") for t in order], [float(counts[t]) for t in order],
            value_format=lambda v: f"{v:,.0f}",
            colors=[{"on_time": GOOD, "late": BAD}.get(t, "#868e96") for t in order], no_data="no overdue loan")
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
    m1 = next((r for r in data.roll_summary if r["from_position"] == 1), None)
    return _environment().get_template("kpi_report.html.j2").render(
        d=data, charts=chart_svgs, month=month, agents_by_team=dict(agents_by_team), teams=teams, totals=totals, m1=m1,
        run_id=run_id, policy_version=policy_version, as_of_meta=AS_OF_META, score=score)


def write_excel(warehouse: Path, as_of: date, path: Path) -> int:
    """One sheet per KPI table (all rows, as known on `as_of`) plus a README sheet; returns the
    number of data rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    stamp = datetime.combine(as_of, time())
    workbook.properties.creator = "arrears"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    readme = workbook.create_sheet("README")
    readme.append([f"arrears KPI tables as known on {as_of.isoformat()}"])
    readme.append(["One sheet per table of the warehouse schema marts; columns are documented in the dbt docs"
                   " and docs/reporting.md. Money is in the row's currency, never added across currencies."])
    written = 0
    with reader(warehouse) as con:
        present = tables(con)
        for table in KPI_TABLES:
            if table not in present:
                continue
            cursor = con.execute(f"select * from marts.{table} order by all")
            names = [c[0] for c in cursor.description]
            sheet = workbook.create_sheet(table)
            sheet.freeze_panes = "A2"
            header = []
            for name in names:
                cell = WriteOnlyCell(sheet, value=name)
                cell.font = Font(bold=True)
                header.append(cell)
            sheet.append(header)
            count = 0
            for record in cursor.fetchall():
                sheet.append([_excel_value(v) for v in record])
                count += 1
            readme.append([table, f"{count} rows"])
            written += count
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
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
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
