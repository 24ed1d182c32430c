"""`arrears generate`: argument parsing for generate(); pipelines/cli.py wires it in."""
from __future__ import annotations

import argparse
from datetime import date

from ..settings import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", help="landing zone root to write into (env ARREARS_LANDING, default ./landing)")
    parser.add_argument("--start", required=True, type=date.fromisoformat, help="first business date, YYYY-MM-DD")
    parser.add_argument("--days", required=True, type=int, help="number of consecutive business dates")
    parser.add_argument("--loans", required=True, type=int, help="loans in the book at the start of the first day")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42); same seed, same files")
    parser.add_argument("--faults", action="store_true",
                        help="inject messy-data faults and write _ground_truth/faults.csv listing each")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars on stderr")


def run(args: argparse.Namespace) -> int:
    out = Paths.resolve(landing=args.out).landing
    from .generator import generate

    summary = generate(out, start=args.start, days=args.days, loans=args.loans, seed=args.seed,
                       faults=args.faults, progress=args.progress)
    events = ", ".join(f"{summary.rows[name]:,} {name}" for name in ("payments.csv", "contact_attempts.csv"))
    faults = f"; {summary.faults:,} injected faults listed in {summary.ground_truth}" if summary.ground_truth else ""
    print(f"wrote {len(summary.dates)} extract(s) {summary.dates[0]}..{summary.dates[-1]} to {summary.out} "
          f"in {summary.seconds:.1f} s: {summary.first_day_loans:,} loans on the first day, {events}{faults}")
    return 0
