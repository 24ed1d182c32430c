"""`arrears score train --as-of DATE [--warehouse FILE] [--policy FILE]`."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from pipelines.settings import Paths

def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="score_command", required=True)
    train = actions.add_parser("train", help="train a challenger on the warehouse's history up to DATE, "
                                             "promote it if it beats the current model, write its model card")
    train.add_argument("--as-of", required=True, type=date.fromisoformat, help="business date YYYY-MM-DD")
    train.add_argument("--warehouse", help="DuckDB warehouse file (env ARREARS_WAREHOUSE)")
    train.add_argument("--policy", help="collection policy YAML (env ARREARS_POLICY)")


def run(args: argparse.Namespace) -> int:
    from pipelines.errors import one_line
    from pipelines.scoring.train import TrainingRefused, holdout_figures, train

    paths = Paths.resolve(warehouse=args.warehouse, policy=args.policy)
    try:
        result = train(paths.warehouse, args.as_of, paths.policy)
    except TrainingRefused as exc:
        print(one_line(exc), file=sys.stderr)
        return exc.exit_code
    print(json.dumps({"model_version": result.version, "promoted": result.promoted,
                      "decision": result.card["decision"], "model_card": str(result.folder / "model_card.md"),
                      **holdout_figures(result.card)}, indent=2))
    return 0
