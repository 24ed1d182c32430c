"""Benchmark: correction and GX validation of a 1,000,000-loan book's customers and loans,
against one plain pandas pass over the same frames (the floor).

    .venv/bin/python bench/bench_quality.py [--loans 1000000] [--workdir bench/results/quality] [--full-step] [--reuse]

1. generates the book's first night with the generator's faults (full-width digits, missing
   country codes, separators, upper-case e-mails, blanks, duplicate persons, orphan loans), in a
   child process;
2. keeps customers, loans, installments, flags and agents, and empties the two event files (the
   first night carries the book's whole payment and contact history, ~14 M rows at 1 M loans;
   they are not what this benchmark measures), then ingests the night in a child process;
3. times, on the customers and loans frames:
   - correction: the named rules of data_quality.corrections (phones deduplicated, only values not
     already valid E.164 parsed with phonenumbers);
   - validation: the GX Core suites of customers and loans (pandas datasource, ephemeral context),
     with the custom checks (E.164 validity, national id checksum, postal code and region) and the
     integrity columns (customer exists, schedule control totals) computed in DuckDB;
   - plain pass: one vectorised pandas operation over every value of the same frames (null count
     and, for text, length): what merely touching the data costs.

`--full-step` then times the whole nightly validate step on that night (every file, the quality
tables, Data Docs).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import resource
import shutil
import time
from datetime import date
from pathlib import Path

import pandas as pd

START = date(2026, 10, 1)
EMPTIED = ("payments", "contact_attempts")


def _generate(landing: Path, loans: int) -> None:
    from pipelines.generate import generate

    generate(landing, start=START, days=1, loans=loans, seed=7, faults=True, progress=True)


def _ingest(landing: Path, warehouse: Path) -> None:
    from pipelines.ingest import ingest

    ingest(landing, warehouse, START, "bench")


def _in_child(target, *args) -> float:
    """Run in a fresh process (its memory is returned when it ends); seconds taken."""
    started = time.perf_counter()
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed with exit code {process.exitcode}")
    return time.perf_counter() - started


def _empty_event_files(folder: Path) -> dict[str, int]:
    """Header-only payments.csv and contact_attempts.csv, manifest updated; rows dropped per file."""
    from pipelines.landing import LANDING_FILES

    manifest = json.loads((folder / "_manifest.json").read_text())
    dropped = {}
    for name in EMPTIED:
        spec = LANDING_FILES[name]
        path = folder / spec.csv_name
        with path.open("rb") as fh:
            header = fh.readline()
        path.write_bytes(header)
        entry = manifest["files"][spec.csv_name]
        dropped[name] = entry["rows"]
        entry.update(rows=0, sha256=hashlib.sha256(header).hexdigest())
        if "sums" in entry:
            entry["sums"] = {column: "0.00" for column in entry["sums"]}
    (folder / "_manifest.json").write_text(json.dumps(manifest, indent=2))
    return dropped


def plain_pass(frames: list[pd.DataFrame]) -> float:
    """One pass over every value: null count per column and total text length."""
    started = time.perf_counter()
    for frame in frames:
        frame.isna().sum()
        for column in frame.columns:
            if frame[column].dtype == "str":
                frame[column].str.len().sum()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/results/quality"))
    parser.add_argument("--full-step", action="store_true", help="also time the whole validate step")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the workdir's generated and ingested night (same --loans) and time again")
    args = parser.parse_args()
    landing, warehouse = args.workdir / "landing", args.workdir / "arrears.duckdb"

    if args.reuse and warehouse.exists():
        generation = loading = float("nan")
        manifest = json.loads((landing / START.isoformat() / "_manifest.json").read_text())
        dropped = {name: "?" for name in EMPTIED}
        assert all(manifest["files"][f"{name}.csv"]["rows"] == 0 for name in EMPTIED)
        import duckdb

        with duckdb.connect(str(warehouse)) as con:     # forget earlier timing runs' results
            con.execute("drop schema if exists quality cascade")
    else:
        shutil.rmtree(args.workdir, ignore_errors=True)
        generation = _in_child(_generate, landing, args.loans)
        dropped = _empty_event_files(landing / START.isoformat())
        loading = _in_child(_ingest, landing, warehouse)

    from data_quality import corrections, formats, store, suites
    from data_quality.day import prepare
    from data_quality.step import _context, _with_id_birth_date
    from data_quality.validate import Validation
    from pipelines.settings import Paths
    from pipelines.warehouse import writer

    with writer(warehouse) as con:
        store.ensure(con)
        started = time.perf_counter()
        day = prepare(con, START, assets=("customers", "loans"))
        preparation = time.perf_counter() - started
        installments = con.execute("select count(*) from raw.installments").fetchone()[0]
    customers, loans = day.frames["customers"], day.frames["loans"]
    floor = plain_pass([customers, loans])

    started = time.perf_counter()
    corrected, audit = corrections.correct_customers(customers)
    correction = time.perf_counter() - started
    messy = int((~formats.phone_is_valid(customers["phone"]) & customers["phone"].notna()).sum())

    validation = Validation("bench", START.isoformat())     # GX import and context before the clock
    context = _context(day)
    started = time.perf_counter()
    validation.run("customers", _with_id_birth_date(corrected), suites.customers(context))
    gx_customers = time.perf_counter() - started
    started = time.perf_counter()
    validation.run("loans", loans, suites.loans(context))
    gx_loans = time.perf_counter() - started
    failed = {o.rule: o.unexpected_count for o in validation.outcomes if not o.success}

    total = correction + gx_customers + gx_loans
    rows = len(customers) + len(loans)
    print(f"loans in the book              {args.loans:>12,}")
    print(f"customers / loans rows         {len(customers):>12,} / {len(loans):,}   "
          f"(installments {installments:,}; emptied: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else k
                                                                   for k, v in dropped.items()) + ")")
    print(f"generation (child process)     {generation:>9.1f} s")
    print(f"ingest (child process)         {loading:>9.1f} s")
    print(f"prepare in DuckDB              {preparation:>9.1f} s   (frames, restoration sets, integrity columns)")
    print(f"plain pandas pass (floor)      {floor:>9.2f} s")
    print(f"correction (customers)         {correction:>9.2f} s   {len(audit):,} values corrected; "
          f"{messy:,} phones not valid E.164 as delivered")
    print(f"GX validation customers        {gx_customers:>9.2f} s   ({len(suites.customers(context))} expectations)")
    print(f"GX validation loans            {gx_loans:>9.2f} s   ({len(suites.loans(context))} expectations)")
    print(f"correction + validation        {total:>9.2f} s   = {total / floor:.1f} x the plain pass, "
          f"{rows / total:,.0f} rows/s")
    print("failed expectations            " + ", ".join(f"{k} {v:,}" for k, v in sorted(failed.items())))
    print(f"peak memory (this process)     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:>9.1f} GB")

    if args.full_step:
        from data_quality.step import validate_step

        del day, customers, loans, corrected, validation
        paths = Paths.resolve(landing=landing, warehouse=warehouse, out=args.workdir / "out")
        started = time.perf_counter()
        summary = validate_step(START, paths, "bench-full")
        print(f"whole validate step            {time.perf_counter() - started:>9.1f} s   "
              f"(every file incl. {installments:,} installments, quality tables, Data Docs at {summary['data_docs']})")
        print(f"peak memory (this process)     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:>9.1f} GB")


if __name__ == "__main__":
    main()
