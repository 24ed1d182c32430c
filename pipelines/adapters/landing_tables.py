"""What every adapter needs to write landing folders: contract-typed Arrow tables and a folder
written by the generator's writer (atomic, manifest with rows, sha256 and sums) whose manifest
then names the real source instead of the synthetic lender."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa

from pipelines.generate.writer import write_day
from pipelines.landing import LANDING_FILES, MANIFEST_NAME, MONEY

_ARROW_TYPES = {"VARCHAR": pa.string(), "DATE": pa.date32(), "INTEGER": pa.int32(), "BOOLEAN": pa.bool_(),
                "TIMESTAMPTZ": pa.string(), MONEY: pa.decimal128(18, 2), "DECIMAL(9,6)": pa.decimal128(9, 6)}


def table(name: str, records: list[dict]) -> pa.Table:
    """The landing file `name` with the contract's columns (missing values null)."""
    columns = LANDING_FILES[name].columns
    return pa.table({c: pa.array([r.get(c) for r in records], type=_ARROW_TYPES[t]) for c, t in columns.items()})


def write_folder(landing: Path, as_of: date, tables: dict[str, pa.Table], source_system: str, currency: str,
                 timezone: str = "UTC") -> Path:
    """Write one landing folder (files not given are written empty) labelled with its source."""
    tables = tables | {name: table(name, []) for name in LANDING_FILES if name not in tables}
    write_day(landing, as_of, tables)
    folder = landing / as_of.isoformat()
    path = folder / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(source_system=source_system, timezone=timezone, currency=currency)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder
