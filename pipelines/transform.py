"""Run the dbt project in-process (dbt's programmatic runner) for one business date.

A night is the steps of `STEPS`, in order, each one `dbt build --selector <step>` (the selectors are
in dbt_project/selectors.yml): the step's models and the data tests whose models are all built by
then, together. The Airflow DAG runs one task per step; `arrears run` builds the selector `night`
(every step) in one dbt invocation, in the same order (a model after the models and tests it reads),
so it pays dbt's start-up once, not once per step. A failed test stops the night before anything
downstream is built on its data. Both point the in-project profile at the warehouse via
ARREARS_WAREHOUSE.

The business date reaches dbt as the environment variable ARREARS_AS_OF_DATE, read when a node runs
(dbt_project/macros/as_of_date.sql), and the policy as dbt vars. Not as a var: dbt parses the whole
project again whenever its vars change (seconds a night), while an unchanged project and vars keep
the parse of the night before (partial parsing; target/ beside the warehouse). Callers that pass
`--vars` with `as_of_date` themselves (`dbt_vars`, tests) still work: a passed var wins.

A failure is classified (pipelines.errors): a model that does not build is TransformFailed, a data
test that fails is DataTestFailed, a warehouse locked by another writer is WarehouseBusy; the message
names the models and tests, and for the project's `column_checks` tests (several checks of a model in
one node) each failed check, its column and a failing row.
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from pipelines import crashpoints
from pipelines.errors import DataTestFailed, TransformFailed, WarehouseBusy
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.warehouse import prepared_settings

# The night's dbt steps, in order: names of selectors in dbt_project/selectors.yml.
STEPS: tuple[str, ...] = ("staging", "delinquency", "scoring", "contact", "reporting")
# A data test runs in the first step by which every model it reads is built (dbt's "buildable").
INDIRECT_SELECTION = "buildable"
# Not built a night: unit tests (they test the SQL, not the data; see `build`) and exposures (the
# published files' documentation: dbt's build runs each as a no-op node of its own; the parse keeps
# them, and tests/test_dbt_structure.py reads them from the manifest).
NOT_BUILT = ("--exclude-resource-type", "unit_test", "--exclude-resource-type", "exposure")
MAX_NAMED = 5  # failures named in the one-line message


def dbt_env(warehouse: Path) -> dict[str, str]:
    """Environment for dbt: the warehouse file, and target/log folders beside it so that two
    warehouses (e.g. parallel tests) never share dbt's working files; the DuckDB memory limit, threads
    and spill folder of every pipeline connection (pipelines.warehouse.duckdb_settings), which the
    project's on-run-start hook sets on dbt's connection (dbt_project/macros/warehouse_settings.sql)."""
    work = warehouse.parent / ".dbt"
    settings = prepared_settings(warehouse)
    return {
        "ARREARS_WAREHOUSE": str(warehouse),
        "ARREARS_DBT_MEMORY_LIMIT": settings["memory_limit"],
        "ARREARS_DBT_THREADS": settings["threads"],
        "ARREARS_DBT_TEMP_DIR": settings["temp_directory"],
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


AS_OF_ENV = "ARREARS_AS_OF_DATE"  # the business date, read by dbt_project/macros/as_of_date.sql


def policy_vars(**extra) -> str:
    """The policy as dbt vars, without the date: the policy file in force (ARREARS_POLICY, else the
    packaged file) unless the caller passes them (`**load_policy(f).dbt_vars()`): dbt has no policy
    values of its own. The same policy gives the same text (sorted keys), so dbt's parse is kept."""
    if "policy_version" not in extra:
        from pipelines.policy import load_policy
        from pipelines.settings import Paths

        extra = {**load_policy(Paths.resolve().policy).dbt_vars(), **extra}
    return json.dumps(extra, sort_keys=True)


def dbt_vars(as_of: date, **extra) -> str:
    """The business date and the policy as dbt vars, for callers that run dbt commands of their own
    (the night itself passes the date in the environment: `run_step`, `build`)."""
    return json.dumps({"as_of_date": as_of.isoformat(), **json.loads(policy_vars(**extra))})


def _first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def _is_lock_error(text: str) -> bool:
    return "could not set lock" in text.lower() or "conflicting lock" in text.lower()


CHECKS_TEST = "column_checks"  # dbt_project/macros/test_column_checks.sql: several checks of a model, one node


def _failed_checks(node) -> str:
    """What a failed `column_checks` test found: each failed check (e.g. `not_null(agent_id)`), how many
    rows fail it and one of them by its key, read back by running the test's compiled query again.
    Empty for any other test, or when the query cannot be read back (dbt's count stays the message)."""
    meta = getattr(node.node, "test_metadata", None)
    sql = getattr(node.node, "compiled_code", None)
    if getattr(meta, "name", None) != CHECKS_TEST or not sql:
        return ""
    import duckdb

    from pipelines.warehouse import reader

    try:
        with reader(Path(os.environ["ARREARS_WAREHOUSE"])) as con:
            found = con.execute(f"select failed_check, count(*), min(failing_row) from ({sql}) failed "
                                "group by failed_check order by failed_check").fetchall()
    except (duckdb.Error, KeyError, OSError):
        return ""
    return " and ".join(f"{check} fails on {count} row{'s' if count != 1 else ''}"
                        + (f" (e.g. {row})" if row else "") for check, count, row in found)


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
            attached = getattr(node.node, "attached_node", None)  # the model a generic test is of
            tested = attached.split(".")[-1] if attached else \
                ", ".join(sorted({ref.split(".")[-1] for ref in node.node.depends_on.nodes})) or "?"
            checks = _failed_checks(node)  # its checks name it; dbt's name of it spells every argument
            tests.append(f"{CHECKS_TEST} on {tested}: {checks}" if checks else f"{node.node.name} on {tested}: {message}")
        else:
            models.append(f"{resource} {node.node.name}: {message}")
    step = " ".join(args[:3])
    if models:
        shown = "; ".join(models[:MAX_NAMED]) + (f" (+{len(models) - MAX_NAMED} more)" if len(models) > MAX_NAMED else "")
        raise TransformFailed(f"dbt {step}: {shown}")
    if tests:
        tests.sort(key=lambda text: not text.startswith(CHECKS_TEST))  # those naming their rows first
        shown = "; ".join(tests[:MAX_NAMED]) + (f" (+{len(tests) - MAX_NAMED} more)" if len(tests) > MAX_NAMED else "")
        raise DataTestFailed(f"dbt {step}: {shown}")
    reason = _first_line(str(result.exception)) if result.exception else "dbt failed"
    if _is_lock_error(str(result.exception or "")):
        raise WarehouseBusy(f"{os.environ.get('ARREARS_WAREHOUSE')}: another process is writing the warehouse; "
                            "wait for it to finish")
    raise TransformFailed(f"dbt {step}: {reason}")


def run_dbt(args: list[str], warehouse: Path, as_of: date | None = None, project_dir: Path = DBT_PROJECT_DIR) -> None:
    """Invoke dbt with the project's profile; raise TransformFailed, DataTestFailed or WarehouseBusy.
    With `as_of`, the business date is in the environment (ARREARS_AS_OF_DATE) for this invocation.
    `project_dir`: another dbt project using the same profile (tests of the project's macros)."""
    from dbt.cli.main import dbtRunner  # imported late: dbt is slow to import

    os.environ.update(dbt_env(warehouse))
    if as_of is not None:
        os.environ[AS_OF_ENV] = as_of.isoformat()
    try:
        result = dbtRunner(callbacks=crashpoints.dbt_callbacks()).invoke(
            [*args, "--project-dir", str(project_dir), "--quiet"])
    finally:
        os.environ.pop(AS_OF_ENV, None)
    if not result.success:
        _raise_failure(args, result)


NIGHT = "night"  # the selector of every step together (dbt_project/selectors.yml)


def step_args(step: str) -> list[str]:
    """dbt arguments of one step (or NIGHT): build its selector, models with their tests (not unit
    tests, not exposures: NOT_BUILT)."""
    if step not in (*STEPS, NIGHT):
        raise ValueError(f"unknown dbt step {step!r}; the steps are {', '.join(STEPS)}")
    return ["build", "--selector", step, "--indirect-selection", INDIRECT_SELECTION, *NOT_BUILT]


def run_step(as_of: date, warehouse: Path, step: str, extra_vars: dict | None = None) -> None:
    run_dbt([*step_args(step), "--vars", policy_vars(**(extra_vars or {}))], warehouse, as_of=as_of)
    crashpoints.reached(f"after_dbt_{step}")


def build(as_of: date, warehouse: Path, select: str | None = None, extra_vars: dict | None = None) -> None:
    """The night's dbt work for one business date: every step of STEPS in one invocation (the selector
    NIGHT), or, with `select`, one `dbt build --select <select>` (tests use it to build part of the project).

    `extra_vars` are passed to dbt beside `as_of_date`: the policy's `Policy.dbt_vars()`, which
    override the packaged defaults in dbt_project.yml. dbt unit tests are not part of a night (they
    test the SQL, not the data, and those of incremental models need the model to exist already):
    tests run them with `run_dbt(["test", "--select", "test_type:unit", ...])`."""
    if select is None:
        run_step(as_of, warehouse, NIGHT, extra_vars)
        return
    args = ["build", "--vars", policy_vars(**(extra_vars or {})), *NOT_BUILT, "--select", select]
    run_dbt(args, warehouse, as_of=as_of)
