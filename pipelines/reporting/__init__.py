"""Management reporting: the nightly KPI report (static HTML with inline SVG charts) and the Excel
export of the KPI tables, built from the reporting marts (dbt_project/models/marts/reporting).

Where it lands (docs/reporting.md):
- `<OUT>/<D>/kpi_report.html` and `<OUT>/<D>/kpi_tables.xlsx`: written by `writers()` inside the
  night's publish step, so they are counted and checksummed in `_batch.json` like every other file;
- `<OUT>/kpi_report.html` and `<OUT>/kpi_tables.xlsx`: stable copies of the newest business date's
  files (`publish_latest`), the link to bookmark. A rerun of an older date does not replace them.
`report_step()` rebuilds the stable copies from the warehouse outside a night (e.g. after a demo).
"""
from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

from pipelines.publish import FileWriter
from pipelines.settings import Paths

REPORT_FILE = "kpi_report.html"
EXCEL_FILE = "kpi_tables.xlsx"


def _buckets(paths: Paths) -> tuple[list[str], str]:
    from pipelines.policy import load_policy

    policy = load_policy(paths.policy)
    return [b.name for b in policy.delinquency.buckets], policy.version


def build(as_of: date, paths: Paths, run_id: str, folder: Path) -> dict[str, int]:
    """Write kpi_report.html and kpi_tables.xlsx for `as_of` into `folder`; returns
    {file: record count} (charts drawn in the report, data rows in the workbook)."""
    from pipelines.reporting.data import load
    from pipelines.reporting.report import chart_count, render_html, write_excel

    buckets, policy_version = _buckets(paths)
    data = load(paths.warehouse, as_of, buckets)
    from pipelines.scoring.monitoring import monitoring

    html = render_html(data, run_id, policy_version, score=monitoring(paths.warehouse, as_of))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPORT_FILE).write_text(html, encoding="utf-8")
    excel_rows = write_excel(paths.warehouse, as_of, folder / EXCEL_FILE)
    return {REPORT_FILE: chart_count(html), EXCEL_FILE: excel_rows}


def writers(as_of: date, paths: Paths, run_id: str) -> list[FileWriter]:
    """Publish writers for the night's batch folder (see pipelines.publish.FileWriter)."""
    return [lambda folder: build(as_of, paths, run_id, folder)]


def _install(source: Path, target: Path) -> None:
    """Copy beside the target, then rename over it: a reader never sees half a file."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def publish_latest(out: Path, as_of: date) -> Path | None:
    """Copy `<out>/<as_of>/` report files to the stable `<out>/kpi_report.html` (and the workbook)
    unless the stable copy is of a later business date. Returns the stable report path, or None
    when left as it was."""
    from pipelines.reporting.report import report_as_of

    batch = out / as_of.isoformat()
    stable = out / REPORT_FILE
    current = report_as_of(stable)
    if not (batch / REPORT_FILE).exists() or (current is not None and current > as_of):
        return None
    if (batch / EXCEL_FILE).exists():
        _install(batch / EXCEL_FILE, out / EXCEL_FILE)
    _install(batch / REPORT_FILE, stable)
    return stable


def report_step(as_of: date, paths: Paths, run_id: str) -> dict:
    """Rebuild the report of `as_of` from the warehouse into the stable copies
    (`<out>/kpi_report.html`, `<out>/kpi_tables.xlsx`) outside a night's publish step."""
    started = time.perf_counter()
    work = paths.out / f".report-{as_of.isoformat()}.incomplete"
    shutil.rmtree(work, ignore_errors=True)
    counts = build(as_of, paths, run_id, work)
    paths.out.mkdir(parents=True, exist_ok=True)
    for name in (EXCEL_FILE, REPORT_FILE):
        _install(work / name, paths.out / name)
    shutil.rmtree(work, ignore_errors=True)
    return {"report": str(paths.out / REPORT_FILE), "excel": str(paths.out / EXCEL_FILE),
            "charts": counts[REPORT_FILE], "excel_rows": counts[EXCEL_FILE],
            "seconds": round(time.perf_counter() - started, 2)}


__all__ = ["writers", "publish_latest", "report_step", "build", "REPORT_FILE", "EXCEL_FILE"]
