"""Writes one business date's folder: the CSV files, then `_manifest.json`, all-or-nothing.

Files go to a hidden temporary folder beside the target which is renamed into place only after
the manifest is written, so a reader never sees a half-written extract. CSV follows RFC 4180
(CRLF, a header row, quotes only where a value needs them); blank values are empty fields.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv

from ..landing import LANDING_FILES, MANIFEST_NAME, replace_folder
from .products import CURRENCY

SOURCE_SYSTEM = "core-banking"
TIMEZONE = "Asia/Shanghai"
SPECIAL = tuple(bytes([c]) for c in b',"\r\n')   # characters that make a CSV value need quotes


def _needs_quotes(column: pa.ChunkedArray) -> bool:
    """Whether any value contains a special character, by scanning the UTF-8 data buffers (ASCII bytes
    never occur inside multi-byte characters; bytes outside a slice can only cause needless quoting)."""
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        raw = data.to_pybytes() if data is not None else b""
        if any(raw.find(ch) >= 0 for ch in SPECIAL):
            return True
    return False


def _options(table: pa.Table) -> csv.WriteOptions:
    """Unquoted unless some text value contains a delimiter, quote or line break (then Arrow quotes all text)."""
    needs = any(_needs_quotes(c) for c in table.columns if pa.types.is_string(c.type))
    return csv.WriteOptions(include_header=True, batch_size=1 << 16, eol="\r\n",
                            quoting_style="needed" if needs else "none", quoting_header="none")


def write_csv(path: Path, table: pa.Table, encoding: str = "utf-8") -> str:
    """Write one CSV in `encoding`; returns the sha256 of its bytes."""
    options = _options(table)
    if encoding == "utf-8":
        csv.write_csv(table, path, options)
    else:
        sink = pa.BufferOutputStream()
        csv.write_csv(table, sink, options)
        path.write_bytes(sink.getvalue().to_pybytes().decode("utf-8").encode(encoding))
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sum(column: pa.ChunkedArray) -> str:
    total = pc.sum(column).as_py()
    return f"{total if total is not None else 0:.2f}"


def write_day(out: Path, as_of: date, tables: dict[str, pa.Table], encodings: dict[str, str] | None = None,
              tamper: Callable[[Path], None] | None = None) -> dict:
    """Write the extract of `as_of` under out/<as_of>/ and return its manifest.

    `encodings` overrides UTF-8 per file; `tamper(folder)` runs after the control totals are
    taken and before the manifest is written (how a damaged file is simulated).
    """
    encodings = encodings or {}
    target = out / as_of.isoformat()
    partial = out / f".{as_of.isoformat()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    names = sorted(tables, key=lambda name: -tables[name].nbytes)   # biggest first: two writer threads
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = dict(zip(names, pool.map(
            lambda name: write_csv(partial / LANDING_FILES[name].csv_name, tables[name], encodings.get(name, "utf-8")),
            names)))
    files = {}
    for name, spec in LANDING_FILES.items():
        entry = {"rows": tables[name].num_rows, "sha256": digests[name], "encoding": encodings.get(name, "utf-8")}
        if spec.money_columns:
            entry["sums"] = {column: _sum(tables[name][column]) for column in spec.money_columns}
        files[spec.csv_name] = entry
    manifest = {"as_of": as_of.isoformat(), "source_system": SOURCE_SYSTEM, "timezone": TIMEZONE,
                "currency": CURRENCY, "files": files}
    if tamper:
        tamper(partial)
    (partial / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    replace_folder(partial, target)
    return manifest
