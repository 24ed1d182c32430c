"""Run the dbt project in-process (dbt's programmatic runner) for one business date.

The CLI builds the whole project in one `dbt build`; the Airflow DAG runs the same project as one
task per step (STEPS: staging, delinquency, contact, reporting, then every data test). Both pass
the business date as the dbt var `as_of_date`, and both point the in-project profile at the
warehouse via ARREARS_WAREHOUSE.
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from pipelines.errors import BatchBlocked
from pipelines.settings import DBT_PROJECT_DIR


def dbt_env(warehouse: Path) -> dict[str, str]:
    """Environment for dbt: the warehouse file, and target/log folders beside it so that two
    warehouses (e.g. parallel tests) never share dbt's working files."""
    work = warehouse.parent / ".dbt"
    return {
        "ARREARS_WAREHOUSE": str(warehouse),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def dbt_vars(as_of: date, **extra) -> str:
    """The business date and the policy as dbt vars. The policy's vars are the policy file in force
    (ARREARS_POLICY, else the packaged file) unless the caller passes them (`**load_policy(f).dbt_vars()`):
    dbt has no policy values of its own."""
    if "policy_version" not in extra:
        from pipelines.policy import load_policy
        from pipelines.settings import Paths

        extra = {**load_policy(Paths.resolve().policy).dbt_vars(), **extra}
    return json.dumps({"as_of_date": as_of.isoformat(), **extra})


def run_dbt(args: list[str], warehouse: Path) -> None:
    """Invoke dbt with the project's profile; raise BatchBlocked with dbt's failures in one line."""
    from dbt.cli.main import dbtRunner  # imported late: dbt is slow to import

    os.environ.update(dbt_env(warehouse))
    result = dbtRunner().invoke([*args, "--project-dir", str(DBT_PROJECT_DIR), "--quiet"])
    if result.success:
        return
    failures = []
    for node in getattr(result.result, "results", None) or []:
        if str(node.status) in ("error", "fail"):
            failures.append(f"{node.node.name}: {(node.message or '').splitlines()[0] if node.message else node.status}")
    reason = "; ".join(failures) or (str(result.exception) if result.exception else "dbt failed")
    raise BatchBlocked(f"dbt {args[0]}: {reason}")


# The Airflow DAG builds the project in these steps, one task each, in this order: each step runs
# the models it selects that no earlier step ran (cross-layer refs, e.g. contact models reading
# loan_delinquency, make folders the wrong cut), then `tests` runs every data test of the night
# before anything is published. The CLI does the same work as one `dbt build`.
STEPS: dict[str, list[str]] = {
    "staging": ["path:models/staging"],
    "delinquency": ["+loan_delinquency", "+loan_bucket_history", "+loan_delinquency_month_end"],
    "contact": ["+overdue_accountability", "+contact_log", "+contact_timeliness", "+placements", "+placement_handover"],
    "reporting": ["path:models"],
    "tests": [],
}


def step_args(step: str) -> list[str]:
    """dbt arguments of one DAG step: `run` of its new models, or `test` of everything."""
    if step == "tests":
        return ["test", "--exclude-resource-type", "unit_test"]
    names = list(STEPS)
    earlier = [selector for name in names[: names.index(step)] for selector in STEPS[name]]
    return ["run", "--select", *STEPS[step], *(["--exclude", *earlier] if earlier else [])]


def run_step(as_of: date, warehouse: Path, step: str, extra_vars: dict | None = None) -> None:
    run_dbt([*step_args(step), "--vars", dbt_vars(as_of, **(extra_vars or {}))], warehouse)


def build(as_of: date, warehouse: Path, select: str | None = None, extra_vars: dict | None = None) -> None:
    """`dbt build` (models, snapshots and their tests in dependency order) for one business date.

    `extra_vars` are passed to dbt beside `as_of_date`: the policy's `Policy.dbt_vars()`, which
    override the packaged defaults in dbt_project.yml. dbt unit tests are not part of a night (they
    test the SQL, not the data, and those of incremental models need the model to exist already):
    tests run them with `run_dbt(["test", "--select", "test_type:unit", ...])`."""
    args = ["build", "--vars", dbt_vars(as_of, **(extra_vars or {})), "--exclude-resource-type", "unit_test"]
    if select:
        args += ["--select", select]
    run_dbt(args, warehouse)
