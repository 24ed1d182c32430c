"""The dbt project's structure tells the truth (issue 14), read from dbt's own parse of the project.

- Every model has its yml beside it (same folder) with a description, at least one data test, and a
  description for every column it lists. A date-agnostic view may instead name, in `meta.data_tests_on`,
  the tested mart that exposes its rows (a test of the view would compute it a second time).
- Python reads marts only: no code names a staging or intermediate table or a table dbt builds
  outside marts, and a dbt source (raw, quality, scoring tables Python writes) is read back only
  by the step that writes it (PRODUCERS).
- Every published file has a dbt exposure (tests/test_privacy.py checks the files of a real batch),
  and the exposure's depends_on holds every table the code behind it reads: the code's SQL strings
  are parsed (tests/dbt_lineage.py), not a second hand-kept list. Every table the publish step reads
  is read by some exposure's code, so a new writer without an exposure fails here.
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.dbt_lineage import TABLE, tables_read

PROJECT = REPO / "dbt_project"
PYTHON_READERS = ("pipelines", "data_quality", "letters")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    from pipelines.transform import dbt_env, dbt_vars, run_dbt

    warehouse = tmp_path_factory.mktemp("dbt_parse") / "arrears.duckdb"
    saved = dict(os.environ)
    try:
        run_dbt(["parse", "--vars", dbt_vars(date(2026, 3, 20))], warehouse)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    target = Path(dbt_env(warehouse)["DBT_TARGET_PATH"])
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["package_name"] == "arrears"}


def test_every_model_has_its_yml_beside_it_with_description_tests_and_column_descriptions(manifest):
    models = _models(manifest)
    # a generic test tests the model it is attached to (a column_checks relationships or one_row_each
    # check reads another model too, without testing it); a singular test, each model it reads
    tested = {dep for n in manifest["nodes"].values() if n["resource_type"] == "test"
              for dep in ([n["attached_node"]] if n.get("attached_node") else n["depends_on"]["nodes"])}
    problems = []
    for name, node in sorted(models.items()):
        yml = (node.get("patch_path") or "").split("://")[-1]
        if not yml:
            problems.append(f"{name}: no yml")
            continue
        if Path(yml).parent != Path(node["original_file_path"]).parent:
            problems.append(f"{name}: its yml {yml} is not beside {node['original_file_path']}")
        if not node["description"].strip():
            problems.append(f"{name}: no description")
        proxy = node["config"].get("meta", {}).get("data_tests_on")  # a view tested through the mart exposing it
        if proxy and (proxy not in models or models[proxy]["unique_id"] not in tested
                      or node["unique_id"] not in models[proxy]["depends_on"]["nodes"]):
            problems.append(f"{name}: meta data_tests_on {proxy} is not a tested model built on it")
        elif not proxy and node["unique_id"] not in tested:
            problems.append(f"{name}: no data test")
        undescribed = [c for c, col in node["columns"].items() if not col["description"].strip()]
        if undescribed:
            problems.append(f"{name}: columns without a description: {undescribed}")
        if not node["columns"]:
            problems.append(f"{name}: no column described")
    assert not problems, "\n".join(problems)


# Tables Python writes and dbt reads as sources: only the step that writes a table may read it back
# (its own state), every other reader goes through a mart. Ingest loads raw; the validate step
# (data_quality) reads raw to validate it and keeps its quality tables (yesterday's customers correct
# today's; its steward report is its own account of the run); rebuild clears dates from raw; scoring
# training keeps its model registry and bins. These are producers of dbt's inputs, not its consumers.
PRODUCERS = {
    "raw": ("pipelines/ingest/", "data_quality/", "pipelines/rebuild.py"),
    "quality": ("data_quality/",),
    "scoring": ("pipelines/scoring/train.py",),
}


def _sql_strings(path: Path) -> list[str]:
    import ast

    from tests.dbt_lineage import _strings  # string constants, docstrings skipped

    return _strings(ast.parse(path.read_text(encoding="utf-8")))


def _created_by_producers() -> set[str]:
    """The raw, quality and scoring tables the producers create (in the repository itself)."""
    import re

    from tests.conftest import REPO as root

    create = re.compile(r"create (?:or replace )?table (?:if not exists )?(raw|quality|scoring)\.([a-z_][a-z0-9_]*)", re.I)
    return {f"{schema}.{table}" for schema, paths in PRODUCERS.items() for start in paths
            for path in sorted(root.glob(start + "**/*.py" if start.endswith("/") else start))
            for text in _sql_strings(path) for found_schema, table in create.findall(text) if found_schema == schema}


def _python_reads(manifest: dict) -> list[str]:
    """What Python names outside marts, as 'path: schema.table (why it is not allowed)'."""
    built = {f"{n['schema']}.{n['alias'] or n['name']}" for n in manifest["nodes"].values()
             if n["resource_type"] in ("model", "seed", "snapshot")}
    sources = {f"{s['schema']}.{s['identifier'] or s['name']}" for s in manifest["sources"].values()}
    sources |= _created_by_producers()  # read by dbt without a source entry (int_score_card: get_relation)
    found = []
    for package in PYTHON_READERS:
        for path in sorted((REPO / package).rglob("*.py")):
            where = path.relative_to(REPO).as_posix()
            for text in _sql_strings(path):
                for schema, table in TABLE.findall(text):
                    name = f"{schema}.{table}"
                    if schema in ("staging", "intermediate"):
                        found.append(f"{where}: {name} (a dbt layer below marts)")
                    elif schema != "marts" and name in built:
                        found.append(f"{where}: {name} (built by dbt outside marts)")
                    elif name in sources and not where.startswith(PRODUCERS.get(schema, ())):
                        found.append(f"{where}: {name} (a dbt source read by a consumer, not its producer)")
    return found


def test_python_reads_marts_only(manifest):
    found = _python_reads(manifest)
    assert not found, "\n".join(found)


def test_the_marts_only_check_catches_each_kind_of_read(manifest, tmp_path, monkeypatch):
    """The check above, shown failing on a reader of each kind (a file written under a fake package)."""
    reader = tmp_path / "pipelines" / "reader.py"
    reader.parent.mkdir()
    reader.write_text('SQL = ["select * from staging.stg_loans", "select * from intermediate.int_loan_delinquency",'
                      ' "select * from quality.quarantine", "select * from scoring.scorecard_bins",'
                      ' "select * from scoring.score_card_default", "select * from marts.contact_log"]\n'
                      'def f():\n    """docstrings may name staging.stg_loans"""\n', encoding="utf-8")
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    found = _python_reads(manifest)
    assert found == [
        "pipelines/reader.py: staging.stg_loans (a dbt layer below marts)",
        "pipelines/reader.py: intermediate.int_loan_delinquency (a dbt layer below marts)",
        "pipelines/reader.py: quality.quarantine (a dbt source read by a consumer, not its producer)",
        "pipelines/reader.py: scoring.scorecard_bins (a dbt source read by a consumer, not its producer)",
        "pipelines/reader.py: scoring.score_card_default (built by dbt outside marts)"], found


def _dbt_relations(manifest: dict) -> dict[str, str]:
    """'schema.table' as Python names it -> the dbt unique id (models by their schema, sources)."""
    relations = {f"{n['schema']}.{n['alias'] or n['name']}": uid for uid, n in manifest["nodes"].items()
                 if n["resource_type"] in ("model", "seed", "snapshot")}
    relations |= {f"{s['schema']}.{s['identifier'] or s['name']}": uid for uid, s in manifest["sources"].items()}
    return relations


def _code_reads(exposure: dict) -> set[str]:
    reads = set()
    for target in exposure["meta"].get("code", []):
        reads |= tables_read(target)
        if target == "pipelines.reporting.report:write_excel":  # the workbook's tables, read by name
            from pipelines.reporting.report import KPI_TABLES
            reads |= {f"marts.{t}" for t in KPI_TABLES}
    return reads


def test_each_exposure_depends_on_every_table_its_code_reads(manifest):
    relations = _dbt_relations(manifest)
    exposures = manifest["exposures"].values()
    assert {"sms_file", "email_file", "call_list_file", "skip_trace_file", "referrals_file", "letter_print_files",
            "evidence_packs", "steward_report", "batch_listing", "kpi_report", "kpi_tables_excel"} <= \
        {e["name"] for e in exposures}
    problems = []
    for exposure in sorted(exposures, key=lambda e: e["name"]):
        if not exposure["meta"].get("code") or not exposure["meta"].get("files"):
            problems.append(f"{exposure['name']}: meta.files and meta.code are required")
            continue
        reads = {relations[t] for t in _code_reads(exposure) if t in relations}
        missing = sorted(reads - set(exposure["depends_on"]["nodes"]))
        if missing:
            problems.append(f"{exposure['name']}: its code reads {missing}, not in depends_on")
        if not reads:
            problems.append(f"{exposure['name']}: its code reads no table (is meta.code right?)")
    assert not problems, "\n".join(problems)


def test_every_table_the_publish_step_reads_is_read_for_an_exposure(manifest):
    relations = _dbt_relations(manifest)
    published = {t for t in tables_read("pipelines.nightly:publish_step") if t in relations}
    assert {"marts.contact_log", "marts.contact_recipients", "marts.kpi_figures"} <= published
    exposed = set().union(*(_code_reads(e) for e in manifest["exposures"].values()))
    assert not published - exposed, f"read by the publish step for no exposure: {sorted(published - exposed)}"


def test_the_lineage_parser_follows_calls_and_constants():
    # write_sms reads through MESSAGES_SQL (a module constant); letters_writer through two functions
    assert tables_read("pipelines.contact.outbox:ContactOutbox.write_sms") == {
        "marts.contact_log", "marts.contact_recipients"}
    assert "marts.loan_installment_allocation" in tables_read("pipelines.contact.letters:letters_writer")
    assert "marts.loan_payment_effects" in tables_read("pipelines.evidence:EvidencePacks.write")  # via explain


def test_the_night_selector_builds_exactly_the_union_of_the_steps(tmp_path):
    """`night` (what `arrears run` builds) is written as the project's folders for a cheap start-up; it
    must select what the DAG's five steps select between them, no node more or less (as the night runs
    them: without unit tests and exposures)."""
    from dbt.cli.main import dbtRunner

    from pipelines.transform import INDIRECT_SELECTION, NIGHT, NOT_BUILT, STEPS, dbt_env, policy_vars

    saved = dict(os.environ)
    try:
        os.environ.update(dbt_env(tmp_path / "arrears.duckdb"))

        def selected(selector: str) -> set[str]:
            result = dbtRunner().invoke(
                ["ls", "--project-dir", str(PROJECT), "--quiet", "--vars", policy_vars(), "--selector", selector,
                 "--indirect-selection", INDIRECT_SELECTION, *NOT_BUILT,
                 "--output", "json", "--output-keys", "unique_id"])
            assert result.success, result.exception
            return {json.loads(line)["unique_id"] for line in result.result}

        steps = [selected(step) for step in STEPS]
        night = selected(NIGHT)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert night == set().union(*steps)
    assert sum(len(step) for step in steps) == len(night)  # and no step repeats another's node
    assert any(node.startswith("seed.") for node in night) and any(node.startswith("test.") for node in night)
    assert not any(node.startswith(("exposure.", "unit_test.")) for node in night)
