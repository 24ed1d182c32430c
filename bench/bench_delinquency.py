"""Benchmark: DPD for a large book, first night and the following (incremental) night.

    .venv/bin/python bench/bench_delinquency.py [--loans 1000000] [--workdir bench/results/delinquency]

Generates two nights (pipelines.generate), ingests each, and runs the delinquency models with the
packaged policy (transform.build's dbt build, selected to loan_delinquency, its bucket history and month-end
snapshot, and their ancestors and tests). Prints the wall time of each night's dbt build (dbt's
start-up and parse included) and of the loan_delinquency model alone, and their ratio to the
floor: one DuckDB scan of that night's instalments and of the payments known that night (a count
and a sum of each) - the least any engine must read to compute DPD.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from pipelines.generate import generate  # noqa: E402
from pipelines.ingest import ingest  # noqa: E402
from pipelines.policy import load_policy  # noqa: E402
from pipelines.settings import DEFAULT_POLICY  # noqa: E402
from pipelines.transform import dbt_env, dbt_vars, run_dbt  # noqa: E402
from pipelines.warehouse import reader  # noqa: E402

START = date(2026, 10, 1)
SELECT = "+loan_delinquency loan_bucket_history loan_delinquency_month_end"


def floor_scan(warehouse: Path, night: date) -> tuple[float, int, int]:
    """One scan of the night's instalments and of the payments known that night, reading the
    amounts and dates DPD needs (sums, no grouping)."""
    with reader(warehouse) as con:
        started = time.perf_counter()
        con.execute(
            """select (select sum(principal_due + interest_due + coalesce(fee_due, 0) + date_diff('day', due_date, $1))
                       from raw.installments where as_of_date = $1),
                      (select sum(amount + date_diff('day', value_date, $1))
                       from raw.payments where delivered_on <= $1)""",
            [night]).fetchone()
        elapsed = time.perf_counter() - started
        instalments = con.execute("select count(*) from raw.installments where as_of_date = ?", [night]).fetchone()[0]
        payments = con.execute("select count(*) from raw.payments where delivered_on <= ?", [night]).fetchone()[0]
        return elapsed, instalments, payments


def model_seconds(warehouse: Path) -> dict[str, float]:
    results = json.loads((Path(dbt_env(warehouse)["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]
            if r["unique_id"].startswith("model.")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/results/delinquency"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    landing, warehouse = args.workdir / "landing", (args.workdir / "arrears.duckdb").absolute()
    policy_vars = load_policy(DEFAULT_POLICY).dbt_vars()

    started = time.perf_counter()
    generate(landing, start=START, days=2, loans=args.loans, seed=7, faults=False, progress=True)
    print(f"generated 2 nights of {args.loans:,} loans in {time.perf_counter() - started:.1f} s")

    for night, label in ((START, "first night"), (START + timedelta(days=1), "next night (incremental)")):
        started = time.perf_counter()
        ingest(landing, warehouse, night, "bench")
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        # transform.build's arguments, with the tests of other marts that touch these left out
        run_dbt(["build", "--vars", dbt_vars(night, **policy_vars), "--exclude-resource-type", "unit_test",
                 "--select", SELECT, "--indirect-selection", "buildable"], warehouse)
        built = time.perf_counter() - started
        models = model_seconds(warehouse)
        floor, instalments, payments = floor_scan(warehouse, night)
        model = models["loan_delinquency"]
        print(f"\n{label}: {night}  ({instalments:,} instalments, {payments:,} payments known)")
        print(f"  ingest                         {loaded:8.1f} s")
        print(f"  dbt build (delinquency marts)  {built:8.1f} s   {built / floor:10.0f} x floor")
        print(f"  loan_delinquency model         {model:8.1f} s   {model / floor:10.0f} x floor")
        for name in ("loan_bucket_history", "loan_delinquency_month_end"):
            print(f"  {name:<30} {models.get(name, 0):8.1f} s")
        print(f"  floor: one scan of instalments + payments {floor:.3f} s")


if __name__ == "__main__":
    main()
