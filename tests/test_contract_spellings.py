"""The landing contract allows one book to be written in several ways; the product must not care.

A generated first night is rewritten twice — once in every untidy but valid CSV spelling at once
(UTF-8 with a byte-order mark, CRLF line ends, columns in another order plus a lender's extra column,
timestamps in UTC with `Z`, money without trailing zeros, code values in upper case, a manifest
without the optional encoding and sums), once as Parquet with text columns — and each is run with
`arrears run`. The marts, the contact log and the quarantine must equal those of the file as
generated, row for row.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from pipelines.landing import MANIFEST_NAME
from pipelines.warehouse import reader

pytestmark = pytest.mark.slow
DAY = date(2026, 10, 29)
CODE_COLUMNS = {"status", "channel", "outcome", "subject_type", "flag"}
MONEY_COLUMNS = {"amount", "principal_amount", "principal_due", "interest_due", "fee_due", "promise_amount"}
TIME_COLUMNS = {"booked_at", "started_at", "updated_at"}


def _untidy(header: list[str], row: list[str]) -> list[str]:
    out = []
    for column, value in zip(header, row):
        if column in CODE_COLUMNS:
            value = value.upper()
        elif column in MONEY_COLUMNS and value.endswith(".00"):
            value = value[:-3]
        elif column in TIME_COLUMNS and value:
            value = datetime.fromisoformat(value).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(value)
    return out


def _rewrite(source: Path, target: Path, parquet: bool) -> None:
    manifest = json.loads((source / MANIFEST_NAME).read_text(encoding="utf-8"))
    target.mkdir(parents=True)
    files = {}
    for name, entry in manifest["files"].items():
        with (source / name).open(encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        if parquet:
            path = target / name.replace(".csv", ".parquet")
            pq.write_table(pa.table({c: pa.array([r[i] or None for r in rows], pa.string())
                                     for i, c in enumerate(header)}), path)
            data, entry = path.read_bytes(), {k: v for k, v in entry.items() if k != "encoding"}
        else:
            path = target / name
            order = list(reversed(range(len(header))))
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow([header[i] for i in order] + ["lender_note"])
            writer.writerows([[r[i] for i in order] + ["n/a"] for r in (_untidy(header, r) for r in rows)])
            data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
            path.write_bytes(data)
            entry = {"rows": entry["rows"]}                       # no encoding, no sums: both optional
        files[path.name] = entry | {"sha256": hashlib.sha256(data).hexdigest()}
    (target / MANIFEST_NAME).write_text(json.dumps(manifest | {"files": files}), encoding="utf-8")


def _night(root: Path, landing: Path) -> dict[str, list[tuple]]:
    warehouse = root / "warehouse" / "arrears.duckdb"
    assert main(["run", "--as-of", str(DAY), "--landing", str(landing), "--warehouse", str(warehouse),
                 "--out", str(root / "outbox")]) == 0
    with reader(warehouse) as con:
        return {table: con.execute(sql).fetchall() for table, sql in {
            "loan_delinquency": "select * exclude (policy_version) from marts.loan_delinquency order by all",
            "overdue_accountability": "select as_of_date, loan_id, outcome, reason from marts.overdue_accountability "
                                      "order by all",
            "contact_log": "select as_of_date, action_id, loan_id, channel, template, status, reason, agent_id "
                           "from marts.contact_log order by all",
            "quarantine": "select file, source_row, rule from quality.quarantine order by all",
            "rejected": "select file_name, source_row, rule from raw.rejected_rows order by all",
            "collected": "select period_type, period_start, sum(collected_amount) from marts.recovery_rates "
                         "group by all order by all",
        }.items()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("spellings")
    assert main(["generate", "--out", str(root / "landing"), "--start", str(DAY), "--days", "1",
                 "--loans", "300", "--seed", "11"]) == 0
    return root, _night(root / "as_generated", root / "landing")


@pytest.mark.parametrize("parquet", [False, True], ids=["untidy_csv", "parquet"])
def test_every_valid_spelling_of_the_extract_gives_the_same_night(generated, parquet):
    root, expected = generated
    assert expected["loan_delinquency"] and expected["contact_log"]        # a night with work in it
    landing = root / f"landing_{'parquet' if parquet else 'untidy'}"
    _rewrite(root / "landing" / str(DAY), landing / str(DAY), parquet)
    assert _night(root / landing.name, landing) == expected
