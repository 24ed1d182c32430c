"""`arrears rebuild --from DATE` recomputes the nights from DATE on from the landed extracts and gives
the same marts and the same published files as the incremental nights did."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.generate import generate
from pipelines.nightly import ingest_step, run_night
from pipelines.warehouse import reader

pytestmark = pytest.mark.slow
START, NIGHTS = date(2026, 10, 29), 2   # each night runs dbt: ~30 s here
# What a rerun legitimately changes: its run id and the moment files were written.
RUN_ID = re.compile(r"\d{4}-\d{2}-\d{2}-[0-9a-f]{8}")
WRITTEN_AT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})? ?(UTC)?")


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with reader(warehouse) as con:
        tables = [t for (t,) in con.execute("""select table_name from information_schema.tables
                                               where table_schema = 'marts' order by 1""").fetchall()]
        marts = {t: con.execute(f'select * from marts."{t}" order by all').fetchall() for t in tables}
        # the incremental reporting intermediate, without the night that wrote each row: the nights built
        # it incrementally, the rebuilt night in full (its table was last built for a later night)
        marts["intermediate.int_reporting_month_end_book"] = con.execute(
            "select * exclude (restated_on) from intermediate.int_reporting_month_end_book order by all").fetchall()
        return marts


def _files(out: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.suffix in (".pdf", ".xlsx", ".zip") or ".staging" in path.parts:
            continue
        text = path.read_bytes()
        if path.suffix in (".json", ".html", ".csv", ".txt"):
            text = WRITTEN_AT.sub("<when>", RUN_ID.sub("<run>", text.decode("utf-8"))).encode()
        files[str(path.relative_to(out))] = text
    return files


def _binary_files(out: Path) -> dict[str, int]:
    """PDFs, workbooks and zips carry creation times: the rebuild must publish the same set of them."""
    return {str(p.relative_to(out)): 1 for p in out.rglob("*")
            if p.is_file() and p.suffix in (".pdf", ".xlsx", ".zip") and ".staging" not in p.parts}


def test_rebuild_gives_the_marts_and_files_of_the_incremental_nights(paths):
    generate(paths.landing, start=START, days=NIGHTS, loans=300, seed=13, faults=False, progress=False)
    for n in range(NIGHTS):
        run_night(START + timedelta(days=n), paths)
    marts, files, binaries = _marts(paths.warehouse), _files(paths.out), _binary_files(paths.out)
    assert marts["loan_delinquency"] and any(name.endswith("_batch.json") for name in files)

    assert main(["rebuild", "--from", str(START + timedelta(days=1)), "--landing", str(paths.landing),
                 "--warehouse", str(paths.warehouse), "--out", str(paths.out)]) == 0

    rebuilt = _marts(paths.warehouse)
    assert rebuilt.keys() == marts.keys()
    for table in marts:
        assert rebuilt[table] == marts[table], f"marts.{table} differs after the rebuild"
    assert _files(paths.out) == files
    assert _binary_files(paths.out) == binaries
    with reader(paths.warehouse) as con:      # each night loaded once more, none twice
        runs = con.execute("select as_of_date, count(distinct run_id) from raw.load_log group by 1 order by 1").fetchall()
    assert [n for _, n in runs] == [1] * NIGHTS


def test_rebuild_refuses_when_an_extract_has_left_the_landing_zone(paths, capsys):
    generate(paths.landing, start=START, days=1, loans=50, seed=13, faults=False, progress=False)
    ingest_step(START, paths, "first")
    (paths.landing / str(START) / "_manifest.json").unlink()
    assert main(["rebuild", "--from", str(START), "--landing", str(paths.landing),
                 "--warehouse", str(paths.warehouse), "--out", str(paths.out)]) == 2
    assert "no longer in the landing zone" in capsys.readouterr().err
    with reader(paths.warehouse) as con:      # nothing was removed
        assert con.execute("select count(*) from raw.loans").fetchone()[0] > 0
