"""The `arrears` command. Each subcommand is a thin shell over a module's own functions.

Errors people can act on (pipelines.errors: a blocked batch, a busy warehouse, a failed model or
data test, a bad policy, a missing system package) print one line and exit with their own code;
anything else is a bug and keeps its trace.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from pipelines.errors import (ArrearsError, BatchBlocked, DataTestFailed, MissingDependency, PolicyError,
                             TransformFailed, WarehouseBusy, one_line)
from pipelines.settings import Paths

EXIT_BLOCKED = BatchBlocked.exit_code            # 2
EXIT_BUSY = WarehouseBusy.exit_code              # 3
EXIT_TRANSFORM = TransformFailed.exit_code       # 4
EXIT_DATA_TEST = DataTestFailed.exit_code        # 5
EXIT_USAGE = PolicyError.exit_code               # 64
EXIT_MISSING_DEPENDENCY = MissingDependency.exit_code  # 69


def _add_paths(parser: argparse.ArgumentParser, *names: str) -> None:
    helps = {
        "landing": "landing zone root (env ARREARS_LANDING, default ./landing)",
        "warehouse": "DuckDB warehouse file (env ARREARS_WAREHOUSE, default ./warehouse/arrears.duckdb)",
        "out": "folder for operations' files (env ARREARS_OUT, default ./outbox)",
        "policy": "collection policy YAML (env ARREARS_POLICY, default: the packaged policy)",
    }
    for name in names:
        parser.add_argument(f"--{name}", help=helps[name])


def _paths(args: argparse.Namespace) -> Paths:
    return Paths.resolve(**{k: getattr(args, k, None) for k in ("landing", "warehouse", "out", "policy")})


def _cmd_run(args: argparse.Namespace) -> int:
    from pipelines.nightly import run_night

    night = run_night(args.as_of, _paths(args))
    print(json.dumps({"as_of": night.as_of.isoformat(), "run_id": night.run_id, "seconds": night.seconds,
                      **night.steps}, indent=2, ensure_ascii=False))
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from pipelines.rebuild import rebuild

    result = rebuild(_paths(args), args.start)
    print(json.dumps({"from": result.start.isoformat(), "nights": [d.isoformat() for d in result.dates],
                      "rows_removed": result.removed_rows, "seconds": result.seconds}, indent=2))
    return 0


def _cmd_pull(args: argparse.Namespace) -> int:
    from pipelines.nightly import pull_step

    print(json.dumps(pull_step(args.as_of, _paths(args), sources=args.sources), indent=2, ensure_ascii=False))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.demo import run_demo

    run_demo(_paths(args), loans=args.loans, days=args.days, start=args.start, seed=args.seed, faults=args.faults)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from letters import cli as letters_cli
    from pipelines import explain, generate
    from pipelines.scoring import cli as score_cli

    parser = argparse.ArgumentParser(prog="arrears", description="Nightly pipeline for collecting overdue loans.")
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a synthetic lender's nightly extracts (landing contract)")
    generate.add_arguments(gen)
    gen.set_defaults(handler=generate.run)

    run = commands.add_parser("run", help="run the whole nightly pipeline for one business date")
    run.add_argument("--as-of", required=True, type=date.fromisoformat, help="business date YYYY-MM-DD")
    _add_paths(run, "landing", "warehouse", "out", "policy")
    run.set_defaults(handler=_cmd_run)

    rebuild = commands.add_parser("rebuild", help="recompute every night from DATE on from the extracts already "
                                                  "landed (same marts and files as the nightly runs)")
    rebuild.add_argument("--from", dest="start", required=True, type=date.fromisoformat,
                         help="first business date to rebuild YYYY-MM-DD")
    _add_paths(rebuild, "landing", "warehouse", "out", "policy")
    rebuild.set_defaults(handler=_cmd_rebuild)

    pull = commands.add_parser("pull", help="fetch the night's extract from the lender's database or SFTP server "
                                            "into the landing folder (_manifest.json last)")
    pull.add_argument("--as-of", required=True, type=date.fromisoformat, help="business date YYYY-MM-DD")
    pull.add_argument("--sources", help="sources file (env ARREARS_SOURCES; without one the lender drops the files)")
    _add_paths(pull, "landing", "warehouse")
    pull.set_defaults(handler=_cmd_pull)

    demo = commands.add_parser("demo", help="generate a book and run the nightly pipeline over a span of days")
    demo.add_argument("--loans", type=int, default=20_000)
    demo.add_argument("--days", type=int, default=5,
                      help="nights to run (default 5; 30 for a month); the demo prints what its nights cost")
    demo.add_argument("--start", type=date.fromisoformat, default=date(2026, 10, 28),
                      help="first business date (default 2026-10-28: the nights cross a month end)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--faults", action="store_true",
                      help="a book with the generator's faults: see corrections, restorations, quarantine and a "
                           "blocked night")
    _add_paths(demo, "landing", "warehouse", "out", "policy")
    demo.set_defaults(handler=_cmd_demo)

    exp = commands.add_parser("explain", help="show how a loan's days past due came out on a date")
    explain.add_arguments(exp)
    exp.set_defaults(handler=explain.run)

    score = commands.add_parser("score", help="the collection score: `arrears score train --as-of DATE`")
    score_cli.add_arguments(score)
    score.set_defaults(handler=score_cli.run)

    letters = commands.add_parser("letters", help="letter templates: `arrears letters preview` renders a sample")
    letters_cli.add_arguments(letters)
    letters.set_defaults(handler=letters_cli.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipelines.private import restrict

    restrict()  # everything the command writes may carry personal data: no access for others
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except ArrearsError as exc:
        print(one_line(exc), file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
