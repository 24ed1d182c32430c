"""The project's generic test `column_checks` (dbt_project/macros/test_column_checks.sql: several
checks of one model in one dbt node) finds exactly what dbt's one-check-per-node tests find, and a
failed night names the model, each failed check and a failing row.

A real dbt run on a tiny DuckDB: a throw-away dbt project with the project's macros and one model
whose rows break every kind of check, tested both ways (dbt's not_null / unique / accepted_values and
the project's unique_combination / expression_holds / one_row_each and dbt's relationships against
another model, one node each, beside one column_checks node), the night's partition chosen by
`config: where:` with the date read at run time as the nights do.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines.errors import DataTestFailed
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform import dbt_env, run_dbt

pytestmark = pytest.mark.slow

TONIGHT = "as_of_date = {% raw %}{{ as_of_date() }}{% endraw %}"

# id 2 twice (unique, unique_combination), id 3 without a name (not_null), id 4 with an unknown
# status (accepted_values), id 5 paid more than owed (expression); a null status is accepted (as in
# dbt's accepted_values). The night before (2026-10-01) is broken everywhere and must not count.
# Against the roster (another model): id 5 is not on it (relationships); tonight's roster expects ids
# 1, 2, 3, 4 and 6 once each, so id 2 is repeated, 5 not expected and 6 missing (one_row_each).
ROWS = """
select * from (values
    (date '2026-10-02', 1, 'Ann',  'open',   10.0, 5.0),
    (date '2026-10-02', 2, 'Bob',  'open',   10.0, 5.0),
    (date '2026-10-02', 2, 'Bob',  'closed', 10.0, 10.0),
    (date '2026-10-02', 3, null,   'open',   10.0, 0.0),
    (date '2026-10-02', 4, 'Dee',  'lost',   10.0, 0.0),
    (date '2026-10-02', 5, 'Eve',  null,     10.0, 12.0),
    (date '2026-10-01', 1, null,   'gone',   10.0, 99.0),
    (date '2026-10-01', 1, null,   'gone',   10.0, 99.0)
) as t(as_of_date, id, name, status, owed, paid)
"""

ROSTER = """
select * from (values (date '2026-10-02', 1), (date '2026-10-02', 2), (date '2026-10-02', 3),
                      (date '2026-10-02', 4), (date '2026-10-02', 6), (date '2026-10-01', 7)) as t(as_of_date, id)
"""

CHECKS_YML = f"""
version: 2
models:
  - name: people
    data_tests:
      - column_checks:
          arguments:
            key: [id]
            checks:
              - {{not_null: [id, name]}}
              - {{unique: id}}
              - accepted_values:
                  status: [open, closed]
              - {{unique_combination: [as_of_date, id]}}
              - {{expression_holds: "paid <= owed"}}
              - {{not_null: name, where: "status = 'closed'", name: closed_rows_have_a_name}}
              - relationships: {{column: id, to: "ref('roster')", field: id}}
              - one_row_each:
                  columns: [as_of_date, id]
                  to: "ref('roster')"
                  to_where: "as_of_date = {{{{ as_of_date() }}}}"
              - {{one_row_each: {{columns: [id], to: "ref('roster')", to_where: "id = 1"}}, where: "id = 1", name: ann_once}}
          config: {{where: "{TONIGHT}"}}
      - unique_combination:
          arguments: {{columns: [as_of_date, id]}}
          config: {{where: "{TONIGHT}"}}
      - expression_holds:
          arguments: {{expression: "paid <= owed"}}
          config: {{where: "{TONIGHT}"}}
      - one_row_each:
          arguments:
            to: ref('roster')
            to_where: "as_of_date = {{{{ as_of_date() }}}}"
            columns: [as_of_date, id]
          config: {{where: "{TONIGHT}"}}
    columns:
      - name: id
        data_tests:
          - not_null: {{config: {{where: "{TONIGHT}"}}}}
          - unique: {{config: {{where: "{TONIGHT}"}}}}
          - relationships:
              arguments: {{to: ref('roster'), field: id}}
              config: {{where: "{TONIGHT}"}}
      - name: name
        data_tests:
          - not_null: {{config: {{where: "{TONIGHT}"}}}}
      - name: status
        data_tests:
          - accepted_values:
              arguments: {{values: [open, closed]}}
              config: {{where: "{TONIGHT}"}}
  - name: fine
    data_tests:
      - column_checks:
          arguments:
            checks: [{{not_null: [id]}}, {{unique: id}}, {{accepted_values: {{status: [open]}}}}]
"""


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    for macro in ("test_column_checks.sql", "as_of_date.sql", "test_unique_combination.sql",
                  "test_expression_holds.sql", "test_one_row_each.sql"):
        shutil.copy(DBT_PROJECT_DIR / "macros" / macro, root / "macros" / macro)
    (root / "dbt_project.yml").write_text(
        "name: checks\nversion: '1.0'\nconfig-version: 2\nprofile: arrears\n"
        "vars: {as_of_date: '1970-01-01'}\nmodels: {checks: {+materialized: table}}\n")
    (root / "models" / "people.sql").write_text(ROWS)
    (root / "models" / "roster.sql").write_text(ROSTER)
    (root / "models" / "fine.sql").write_text("select 1 as id, 'open' as status")
    (root / "models" / "people.yml").write_text(CHECKS_YML)
    return root


def test_column_checks_finds_what_the_one_check_tests_find_and_the_error_names_each_check(project, tmp_path):
    from datetime import date

    warehouse = tmp_path / "warehouse" / "arrears.duckdb"
    warehouse.parent.mkdir()
    with pytest.raises(DataTestFailed) as failure:
        run_dbt(["build"], warehouse, as_of=date(2026, 10, 2), project_dir=project)
    message = str(failure.value)
    assert "\n" not in message
    named = [part for part in message.split(": ", 1)[1].split("; ") if part.startswith("column_checks")]
    assert len(named) == 1 and named[0].startswith("column_checks on people: "), message  # `fine` passes
    for found in ("not_null(name) fails on 1 row (e.g. id=3)",
                  "unique(id) fails on 1 row (e.g. id=2)",
                  "accepted_values(status) fails on 1 row (e.g. id=4, status=lost)",
                  "unique_combination(as_of_date, id) fails on 1 row (e.g. as_of_date=2026-10-02, id=2)",
                  "expression_holds(paid <= owed) fails on 1 row (e.g. id=5)",
                  "relationships(id in roster.id) fails on 1 row (e.g. id=5)",
                  "one_row_each(as_of_date, id of roster) fails on 3 rows "
                  "(e.g. as_of_date=2026-10-02, id=2, problem=repeated 2 times)"):
        assert found in named[0], (found, message)
    assert "not_null(id)" not in named[0] and "closed_rows_have_a_name" not in named[0]
    assert "ann_once" not in named[0]  # its own `where` leaves tonight's id 1 only, once as expected

    # the same failures, counted, as dbt's one-check-per-node tests on the same rows
    results = json.loads((Path(dbt_env(warehouse)["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    failures = {r["unique_id"].split(".")[2]: r["failures"] for r in results["results"]
                if r["unique_id"].startswith("test.")}
    single = {name: count for name, count in failures.items() if not name.startswith("column_checks")}
    assert single == {"not_null_people_id": 0, "unique_people_id": 1, "not_null_people_name": 1,
                      "accepted_values_people_status__open__closed": 1,
                      "unique_combination_people_as_of_date__id": 1,
                      "expression_holds_people_paid_owed": 1,
                      "relationships_people_id__id__ref_roster_": 1,
                      "one_row_each_people_as_of_date__id__ref_roster___as_of_date_as_of_date_": 3}, single
    checks = sorted(count for name, count in failures.items() if name.startswith("column_checks"))
    assert checks == [0, sum(single.values())], failures  # `fine`, and every failure of `people`


def test_a_passing_night_is_one_node_per_model(project, tmp_path):
    from datetime import date

    (project / "models" / "people.sql").write_text("select date '2026-10-02' as as_of_date, 1 as id, 'Ann' as name, "
                                                   "'open' as status, 1.0 as owed, 1.0 as paid")
    (project / "models" / "roster.sql").write_text("select date '2026-10-02' as as_of_date, 1 as id")
    warehouse = tmp_path / "warehouse" / "arrears.duckdb"
    warehouse.parent.mkdir()
    run_dbt(["build"], warehouse, as_of=date(2026, 10, 2), project_dir=project)
    results = json.loads((Path(dbt_env(warehouse)["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    assert {r["status"] for r in results["results"]} <= {"success", "pass"}
    assert sum(r["unique_id"].startswith("test.checks.column_checks") for r in results["results"]) == 2
