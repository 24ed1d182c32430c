"""Every case of the hostile corpus (cases.py) on its own tiny book: the documented outcome, one line,
and nothing else in the batch lost."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from pipelines import nightly
from pipelines.errors import BatchBlocked
from pipelines.landing import LANDING_FILES
from pipelines.warehouse import reader
from tests.extracts import write_extract
from tests.hostile.cases import CASES, DAY, Blocked, Loaded, Quarantined, base_book

AS_OF = date.fromisoformat(DAY)
BASE_ROWS = {name: len(rows) for name, rows in base_book().items()}


def _tables(con) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()}


def _accounting(con) -> dict[str, tuple[int, int, int, int]]:
    """Per file: rows in file, loaded, quarantined, repeats skipped (raw.load_log of the day)."""
    rows = con.execute("select file_name, rows_in_file, rows_loaded, rows_quarantined, duplicates_skipped "
                       "from raw.load_log where as_of_date = ?", [AS_OF]).fetchall()
    return {name.removesuffix(".csv"): tuple(counts) for name, *counts in rows}


def test_corpus_is_large_and_covers_every_landing_file():
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)
    touched = Counter(c.outcome.file.removesuffix(".csv") for c in CASES)
    assert set(LANDING_FILES) <= set(touched), f"landing files without a case: {set(LANDING_FILES) - set(touched)}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case, paths, capsys):
    folder = write_extract(paths.landing, AS_OF, base_book())
    case.mutate(folder)
    outcome = case.outcome

    if isinstance(outcome, Blocked):
        with pytest.raises(BatchBlocked) as blocked:
            nightly.ingest_step(AS_OF, paths, "hostile")
        message = str(blocked.value)
        assert "\n" not in message and outcome.file in message and outcome.says in message, message
        if paths.warehouse.exists():  # nothing written: no raw table, no load log
            with reader(paths.warehouse) as con:
                assert not {t for t in _tables(con) if t.startswith("raw.")}
        return

    summary = nightly.ingest_step(AS_OF, paths, "hostile")
    with reader(paths.warehouse) as con:
        accounting = _accounting(con)
    for name, (in_file, loaded, quarantined, skipped) in accounting.items():
        assert in_file == loaded + quarantined + skipped, f"{name}: rows unaccounted for"
        if name != outcome.file.removesuffix(".csv"):
            assert (in_file, loaded) == (BASE_ROWS.get(name, 0), BASE_ROWS.get(name, 0)), f"{name}: rows lost"

    if isinstance(outcome, Loaded):
        table = outcome.file.removesuffix(".csv")
        with reader(paths.warehouse) as con:
            found = con.execute(f"select {outcome.column} from raw.{table} where _source_row = ?",
                                [outcome.row]).fetchall()
        assert found == ([(outcome.value,)] if outcome.value is not None else []), found
        assert summary["quarantined"] == 0
        return

    assert isinstance(outcome, Quarantined)
    if outcome.at == "ingest":
        with reader(paths.warehouse) as con:
            rejected = con.execute("select file_name, source_row, rule from raw.rejected_rows").fetchall()
        assert [(f, r) for f, r, _ in rejected] == [(outcome.file, outcome.row)], rejected
        assert outcome.rule in rejected[0][2], rejected
        table, loaded = outcome.file.removesuffix(".csv"), accounting[outcome.file.removesuffix(".csv")][1]
        assert loaded == accounting[table][0] - 1, "only the bad row is set aside"
        logged = capsys.readouterr().err
        assert f"{outcome.file}: row {outcome.row}: " in logged and logged.count("\n") == 1
    else:
        nightly.validate_step(AS_OF, paths, "hostile", data_docs=False)
        with reader(paths.warehouse) as con:
            quarantined = con.execute("select file, source_row, rule from quality.quarantine "
                                      "where as_of_date = ?", [AS_OF]).fetchall()
        assert (outcome.file, outcome.row, outcome.rule) in quarantined, quarantined
        assert {(f, r) for f, r, _ in quarantined} == {(outcome.file, outcome.row)}, "only the bad row"
