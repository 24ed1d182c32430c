"""Run the dbt project in-process (dbt's programmatic runner) for one business date.

A night is the steps of `STEPS`, in order, each one `dbt build --selector <step>` (the selectors are
in dbt_project/selectors.yml): the step's models and the data tests whose models are all built by
then, together. `arrears run` runs the steps one after the other; the Airflow DAG runs one task per
step. A failed test stops the night before anything downstream is built on its data. Both pass the
business date as the dbt var `as_of_date` and point the in-project profile at the warehouse via
ARREARS_WAREHOUSE.

A failure is classified (pipelines.errors): a model that does not build is TransformFailed, a data
test that fails is DataTestFailed, a warehouse locked by another writer is WarehouseBusy; the message
names the models and tests.
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from pipelines import crashpoints
from pipelines.errors import DataTestFailed, TransformFailed, WarehouseBusy
from pipelines.settings import DBT_PROJECT_DIR

# The night's dbt steps, in order: names of selectors in dbt_project/selectors.yml.
STEPS: tuple[str, ...] = ("staging", "delinquency", "scoring", "contact", "reporting")
# A data test runs in the first step by which every model it reads is built (dbt's "buildable").
INDIRECT_SELECTION = "buildable"
MAX_NAMED = 5  # failures named in the one-line message


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


def _first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def _is_lock_error(text: str) -> bool:
    return "could not set lock" in text.lower() or "conflicting lock" in text.lower()


def _raise_failure(args: list[str], result) -> None:
    """The failure of a dbt invocation as the error people can act on."""
    models, tests = [], []
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node.status, "value", node.status))
        if status not in ("error", "fail"):
            continue
        resource = str(getattr(node.node.resource_type, "value", node.node.resource_type))
        message = _first_line(node.message) or status
        if _is_lock_error(node.message or ""):
            raise WarehouseBusy(f"{os.environ.get('ARREARS_WAREHOUSE')}: another process is writing the "
                                f"warehouse; wait for it to finish (dbt {node.node.name})")
        if resource == "test":
            tested = ", ".join(sorted({ref.split(".")[-1] for ref in node.node.depends_on.nodes})) or "?"
            tests.append(f"{node.node.name} on {tested}: {message}")
        else:
            models.append(f"{resource} {node.node.name}: {message}")
    step = " ".join(args[:3])
    if models:
        shown = "; ".join(models[:MAX_NAMED]) + (f" (+{len(models) - MAX_NAMED} more)" if len(models) > MAX_NAMED else "")
        raise TransformFailed(f"dbt {step}: {shown}")
    if tests:
        shown = "; ".join(tests[:MAX_NAMED]) + (f" (+{len(tests) - MAX_NAMED} more)" if len(tests) > MAX_NAMED else "")
        raise DataTestFailed(f"dbt {step}: {shown}")
    reason = _first_line(str(result.exception)) if result.exception else "dbt failed"
    if _is_lock_error(str(result.exception or "")):
        raise WarehouseBusy(f"{os.environ.get('ARREARS_WAREHOUSE')}: another process is writing the warehouse; "
                            "wait for it to finish")
    raise TransformFailed(f"dbt {step}: {reason}")


def run_dbt(args: list[str], warehouse: Path) -> None:
    """Invoke dbt with the project's profile; raise TransformFailed, DataTestFailed or WarehouseBusy."""
    from dbt.cli.main import dbtRunner  # imported late: dbt is slow to import

    os.environ.update(dbt_env(warehouse))
    result = dbtRunner(callbacks=crashpoints.dbt_callbacks()).invoke(
        [*args, "--project-dir", str(DBT_PROJECT_DIR), "--quiet"])
    if not result.success:
        _raise_failure(args, result)


def step_args(step: str) -> list[str]:
    """dbt arguments of one step: build its selector, models with their tests (not unit tests)."""
    if step not in STEPS:
        raise ValueError(f"unknown dbt step {step!r}; the steps are {', '.join(STEPS)}")
    return ["build", "--selector", step, "--indirect-selection", INDIRECT_SELECTION,
            "--exclude-resource-type", "unit_test"]


def run_step(as_of: date, warehouse: Path, step: str, extra_vars: dict | None = None) -> None:
    run_dbt([*step_args(step), "--vars", dbt_vars(as_of, **(extra_vars or {}))], warehouse)
    crashpoints.reached(f"after_dbt_{step}")


def build(as_of: date, warehouse: Path, select: str | None = None, extra_vars: dict | None = None) -> None:
    """The night's dbt work for one business date: every step of STEPS in order, or, with `select`,
    one `dbt build --select <select>` (tests use it to build part of the project).

    `extra_vars` are passed to dbt beside `as_of_date`: the policy's `Policy.dbt_vars()`, which
    override the packaged defaults in dbt_project.yml. dbt unit tests are not part of a night (they
    test the SQL, not the data, and those of incremental models need the model to exist already):
    tests run them with `run_dbt(["test", "--select", "test_type:unit", ...])`."""
    if select is None:
        for step in STEPS:
            run_step(as_of, warehouse, step, extra_vars)
        return
    args = ["build", "--vars", dbt_vars(as_of, **(extra_vars or {})), "--exclude-resource-type", "unit_test",
            "--select", select]
    run_dbt(args, warehouse)
