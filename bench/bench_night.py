"""Benchmark: the nightly steps of a generated book, each against its floor, measured in one run.

    .venv/bin/python bench/bench_night.py --loans 20000 --nights 2 [--workdir bench/results/night-20000]
                                          [--max-rss-gib 5] [--landing DIR]

Generates `--nights` extracts of a `--loans` book (or uses `--landing`), then runs the nights one by
one, each step (ingest, validate, transform, publish) in its own process, and prints per step: wall
time, peak resident memory of the step's process tree, and the ratio to the step's floor measured in
the same run on the same input:

- ingest, validate, transform: one DuckDB scan of the night's input into typed tables (`read_csv` of
  the landing files for ingest; the night's `raw` rows for validate and transform);
- publish: the same scan of the night's marts plus the bare PDF engine (ReportLab, one page of plain
  text per letter the night published).

A step whose process tree passes `--max-rss-gib` (default 5) is killed and the run stops (other work shares
the machine); unless ARREARS_DUCKDB_MEMORY_LIMIT is set, each step's DuckDB gets half that limit, so it
spills to disk before the guard kills it (a 1,000,000-loan book stays inside the limit or stops, never takes
the machine). Results go to <workdir>/results.json; `uptime` is recorded before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

STEPS = ("ingest", "validate", "transform", "publish")
START = date(2026, 10, 28)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --- one step, in its own process -------------------------------------------------------------

def _run_step(step: str, as_of: date, workdir: Path) -> None:
    from pipelines import nightly
    from pipelines.settings import Paths

    paths = Paths.resolve(landing=workdir / "landing", warehouse=workdir / "warehouse" / "arrears.duckdb",
                          out=workdir / "outbox")
    run_id = f"{as_of}-bench"
    if step == "ingest":
        summary = nightly.ingest_step(as_of, paths, run_id)
    elif step == "validate":
        summary = nightly.validate_step(as_of, paths, run_id, data_docs=False)
    elif step == "transform":
        summary = nightly.transform_step(as_of, paths)
    else:
        summary = nightly.publish_step(as_of, paths, run_id)
    print(json.dumps({"summary": summary, "self_max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss},
                     default=str))


# --- measuring a process tree -----------------------------------------------------------------

def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_SIZE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


class StepFailed(RuntimeError):
    pass


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], max_rss: int, env: dict | None = None) -> tuple[float, int, str, float]:
    """(seconds, peak tree RSS in bytes, stdout, CPU seconds of the child and its children) of a child
    process; killed past `max_rss`."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak, over = 0, False

    def watch() -> None:
        nonlocal peak, over
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            if peak > max_rss:
                over = True
                proc.kill()
                return
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    watcher.join()
    if over:
        raise StepFailed(f"{argv[-3:]}: resident memory passed {max_rss / 2**30:.1f} GiB; stopped")
    if proc.returncode != 0:
        raise StepFailed(f"{' '.join(argv[-4:])} failed ({proc.returncode}): {err.strip().splitlines()[-1:]}")
    try:
        self_peak = json.loads(out.strip().splitlines()[-1]).get("self_max_rss_kib", 0) * 1024
    except (ValueError, IndexError):
        self_peak = 0
    return elapsed, max(peak, self_peak), out, cpu


# --- floors -----------------------------------------------------------------------------------

def _duckdb_config() -> dict:
    """The floors run in this process: the same memory limit as the steps (set in main())."""
    return {"memory_limit": os.environ.get("ARREARS_DUCKDB_MEMORY_LIMIT", "2GiB")}


def _floor_ingest(folder: Path) -> float:
    import duckdb

    from pipelines.landing import LANDING_FILES

    con = duckdb.connect(config=_duckdb_config())
    started = time.perf_counter()
    for spec in LANDING_FILES.values():
        path = folder / spec.csv_name
        if path.exists():
            con.execute(f"create or replace table {spec.name} as select * from read_csv('{path}', header = true)")
        else:
            con.execute(f"create or replace table {spec.name} as select * from read_parquet('{folder / spec.name}.parquet')")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def _floor_scan(warehouse: Path, as_of: date, tables: list[tuple[str, str]]) -> float:
    """One scan of the night's rows of `tables` ((table, date column)) into temp tables."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True, config=_duckdb_config())
    started = time.perf_counter()
    for i, (table, column) in enumerate(tables):
        con.execute(f"create temp table s{i} as select * from {table} where {column} = ?", [as_of])
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def _raw_tables() -> list[tuple[str, str]]:
    from pipelines.ingest.load import date_column
    from pipelines.landing import LANDING_FILES

    return [(f"raw.{s.name}", date_column(s)) for s in LANDING_FILES.values()]


def _mart_tables(warehouse: Path) -> list[tuple[str, str]]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("""select table_schema || '.' || table_name from information_schema.columns
                          where table_schema = 'marts' and column_name = 'as_of_date'""").fetchall()
    con.close()
    return [(name, "as_of_date") for (name,) in rows]


def _floor_pdf(letters: int) -> float:
    """The bare PDF engine: one page of plain text per letter."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    started = time.perf_counter()
    pdf = canvas.Canvas(io.BytesIO(), pagesize=A4)
    for n in range(letters):
        for line in range(30):
            pdf.drawString(72, 770 - 20 * line, f"Letter {n} line {line}: amount overdue 1234.56 CNY, due 2026-10-01")
        pdf.showPage()
    pdf.save()
    return time.perf_counter() - started


def _letters_published(out: Path, as_of: date) -> int:
    total = 0
    for manifest in (out / as_of.isoformat()).glob("**/letters/*manifest*.csv"):
        total += max(0, sum(1 for _ in manifest.open(encoding="utf-8")) - 1)
    return total


# --- the run ----------------------------------------------------------------------------------

def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--nights", type=int, default=2)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--landing", type=Path, help="use these extracts instead of generating")
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument("--max-rss-gib", type=float, default=5.0,
                        help="stop the run when a step's process tree passes this (default 5 GiB)")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--as-of", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = (args.workdir or Path(f"bench/results/night-{args.loans}")).absolute()
    if args.step:
        _run_step(args.step, args.as_of, workdir)
        return

    max_rss = int(args.max_rss_gib * 2**30)
    shutil.rmtree(workdir / "warehouse", ignore_errors=True)
    shutil.rmtree(workdir / "outbox", ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    landing = workdir / "landing"
    results = {"loans": args.loans, "nights": [], "uptime_before": _uptime()}
    if args.landing:
        if landing.resolve() != args.landing.resolve():
            shutil.rmtree(landing, ignore_errors=True)
            landing.symlink_to(args.landing.absolute())
    else:
        shutil.rmtree(landing, ignore_errors=True)
        seconds, peak, _, _ = measure([sys.executable, "-m", "pipelines.cli", "generate", "--out", str(landing),
                                    "--start", args.start.isoformat(), "--days", str(args.nights),
                                    "--loans", str(args.loans)], max_rss)
        results["generate"] = {"seconds": round(seconds, 1), "peak_rss_mib": peak >> 20}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.setdefault("ARREARS_DUCKDB_MEMORY_LIMIT", f"{max(512, int(args.max_rss_gib * 1024 / 2))}MiB")
    os.environ["ARREARS_DUCKDB_MEMORY_LIMIT"] = env["ARREARS_DUCKDB_MEMORY_LIMIT"]  # the floors' too
    warehouse = workdir / "warehouse" / "arrears.duckdb"
    results["duckdb_memory_limit"] = env["ARREARS_DUCKDB_MEMORY_LIMIT"]
    print(f"{args.loans:,} loans; DuckDB memory limit {env['ARREARS_DUCKDB_MEMORY_LIMIT']}; "
          f"load: {results['uptime_before']}")
    print(f"{'night':<12}{'step':<11}{'seconds':>9}{'cpu s':>8}{'peak MiB':>10}{'floor s':>9}{'ratio':>8}")
    for n in range(args.nights):
        as_of = args.start + timedelta(days=n)
        night = {"as_of": as_of.isoformat(), "steps": {}}
        for step in STEPS:
            seconds, peak, _, cpu = measure([sys.executable, __file__, "--workdir", str(workdir), "--loans",
                                        str(args.loans), "--step", step, "--as-of", as_of.isoformat()], max_rss, env)
            if step == "ingest":
                floor = _floor_ingest(landing / as_of.isoformat())
            elif step in ("validate", "transform"):
                floor = _floor_scan(warehouse, as_of, _raw_tables())
            else:
                floor = _floor_scan(warehouse, as_of, _mart_tables(warehouse)) + _floor_pdf(
                    _letters_published(workdir / "outbox", as_of))
            night["steps"][step] = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mib": peak >> 20,
                                    "floor_seconds": round(floor, 3), "ratio": round(seconds / floor, 1)}
            print(f"{as_of.isoformat():<12}{step:<11}{seconds:>9.1f}{cpu:>8.1f}{peak >> 20:>10,}{floor:>9.2f}"
                  f"{seconds / floor:>7.0f}x", flush=True)
        total = sum(s["seconds"] for s in night["steps"].values())
        cpu_total = sum(s["cpu_seconds"] for s in night["steps"].values())
        night["total_seconds"], night["cpu_seconds"] = round(total, 1), round(cpu_total, 1)
        night["peak_rss_mib"] = max(s["peak_rss_mib"] for s in night["steps"].values())
        print(f"{as_of.isoformat():<12}{'night':<11}{total:>9.1f}{cpu_total:>8.1f}{night['peak_rss_mib']:>10,}",
              flush=True)
        results["nights"].append(night)
    results["uptime_after"] = _uptime()
    (workdir / "results.json").write_text(json.dumps(results, indent=2))
    print(f"load after: {results['uptime_after']}; results in {workdir / 'results.json'}")


if __name__ == "__main__":
    main()
