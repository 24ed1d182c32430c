"""Crash safety: real `arrears run` subprocesses killed with SIGKILL at named points (the hook
`ARREARS_TEST_KILL_AT`, pipelines/crashpoints.py) — in the middle of loading, at step boundaries,
inside dbt, while letters are rendered, while the batch is assembled and right after it was published
— each time rerun on what the kill left. After every kill: no folder without `_batch.json` is visible
in the outbox and a published batch stays whole. After the final rerun, which replaces the published
batch: the marts and every outbox file equal those of an uninterrupted run, and no message or letter id
appears twice."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipelines.warehouse import reader
from tests.books import CONTACT_DAY, contact_book
from tests.conftest import REPO, clear_keeping_dbt_parse
from tests.extracts import write_extract

pytestmark = pytest.mark.slow
DAY = date.fromisoformat(CONTACT_DAY)
# In the order of a night; each kill is followed by the next run, which starts from what it left.
# `after_publish` kills a run that did everything: the later kills meet a published batch, which
# must stay whole until the rerun replaces it.
KILL_POINTS = ["ingest:installments", "after_publish", "dbt:int_loan_delinquency", "letters:batch", "publish:files"]


def _arrears_run(root: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("ARREARS_TEST_KILL_AT", None)
    if kill_at:
        env["ARREARS_TEST_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--as-of", str(DAY),
                           "--landing", str(root / "landing"), "--warehouse", str(root / "warehouse" / "arrears.duckdb"),
                           "--out", str(root / "outbox")], capture_output=True, text=True, env=env, timeout=900)


def _marts(root: Path) -> dict[str, list[tuple]]:
    with reader(root / "warehouse" / "arrears.duckdb") as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        return {t: con.execute(f'select * from marts."{t}" order by all').fetchall() for t in tables}


def _outbox(root: Path) -> dict[str, str]:
    """sha256 of every published file, with the test's folder written as <root> (the steward report
    links the Data Docs by absolute path); `_batch.json` without its run id and that report's digest."""
    out = root / "outbox"
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes().replace(str(root).encode(), b"<root>")
        if path.name == "_batch.json":
            batch = json.loads(data)
            batch.pop("run_id")
            batch["sha256"].pop("data_quality_report.html", None)
            data = json.dumps(batch, sort_keys=True).encode()
        files[path.relative_to(out).as_posix()] = hashlib.sha256(data).hexdigest()
    return files


def _ids(root: Path) -> list[str]:
    """Every message and letter id the batch sends."""
    batch = root / "outbox" / str(DAY)
    ids = [r["message_id"] for r in csv.DictReader(io.StringIO((batch / "sms.csv").read_text(encoding="utf-8")))]
    ids += [json.loads(line)["message_id"] for line in (batch / "emails.jsonl").read_text(encoding="utf-8").splitlines()]
    for manifest in (batch / "letters").glob("*.manifest.csv"):
        ids += [r["letter_id"] for r in csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8")))]
    return ids


def _nothing_half_published(root: Path, published_before: dict[str, str] | None) -> None:
    out = root / "outbox"
    if not out.exists():
        return
    for entry in out.iterdir():  # hidden ones included: operations see every folder
        if entry.is_dir():
            assert (entry / "_batch.json").exists(), f"{entry.name}: a folder without _batch.json in the outbox"
    batch = out / str(DAY)
    if batch.exists():  # the batch that is there is a whole one: every file its _batch.json lists, as listed
        manifest = json.loads((batch / "_batch.json").read_text(encoding="utf-8"))
        for name, digest in manifest["sha256"].items():
            assert hashlib.sha256((batch / name).read_bytes()).hexdigest() == digest, f"{name}: partial"
    elif published_before:
        pytest.fail("a published batch disappeared")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run's marts, files and ids; its folder is left empty but for dbt's parse."""
    root = tmp_path_factory.mktemp("crash")
    write_extract(root / "landing", DAY, contact_book())
    done = _arrears_run(root)
    assert done.returncode == 0, done.stderr[-3000:]
    result = {"root": root, "marts": _marts(root), "outbox": _outbox(root), "ids": _ids(root)}
    clear_keeping_dbt_parse(root, root / "warehouse" / "arrears.duckdb")
    return result


def test_killed_runs_then_a_rerun_equal_an_uninterrupted_run(reference):
    assert reference["ids"] and len(set(reference["ids"])) == len(reference["ids"])
    assert any(name.endswith(".pdf") for name in reference["outbox"]), "the night prints letters"
    tmp_path = reference["root"]  # the same paths as the uninterrupted run: the same outbox text, dbt's parse kept
    assert [p.name for p in tmp_path.rglob("*.duckdb")] == [] and not (tmp_path / "outbox").exists()
    write_extract(tmp_path / "landing", DAY, contact_book())
    published = None
    for point in KILL_POINTS:
        killed = _arrears_run(tmp_path, kill_at=point)
        assert killed.returncode == -signal.SIGKILL, f"{point}: never reached ({killed.returncode}): {killed.stderr[-2000:]}"
        _nothing_half_published(tmp_path, published)
        if (tmp_path / "outbox" / str(DAY)).exists():
            published = _outbox(tmp_path)
    assert published, "the kill after publishing left the published batch"
    done = _arrears_run(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    _nothing_half_published(tmp_path, published)
    assert _marts(tmp_path) == reference["marts"]
    assert _outbox(tmp_path) == reference["outbox"]
    assert sorted(_ids(tmp_path)) == sorted(reference["ids"]), "the same messages and letters, each once"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no work folder left behind"
