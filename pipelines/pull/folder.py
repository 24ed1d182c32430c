"""The landing folder a pull fills: files go to a hidden staging folder (`<landing>/.<date>.pull/<date>/`),
`_manifest.json` is written last and the folder is renamed into place, so `<landing>/<date>/_manifest.json`
exists only for a complete, verified extract. A pull killed halfway leaves only the hidden folder."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from pipelines.landing import MANIFEST_NAME, replace_folder

CENT = Decimal("0.01")
CHUNK_ROWS = 10_000


class Staging:
    def __init__(self, landing: Path, as_of: date):
        self.root = landing / f".{as_of.isoformat()}.pull"
        self.folder = self.root / as_of.isoformat()
        self.target = landing / as_of.isoformat()

    def fresh(self) -> Path:
        shutil.rmtree(self.root, ignore_errors=True)
        self.folder.mkdir(parents=True)
        return self.folder

    def keep(self) -> Path:
        """The staging folder as a failed pull left it (an SFTP pull resumes its partial files)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def publish(self, manifest: dict | None = None) -> Path:
        """Write `manifest` (if the folder has none yet) last, then move the folder into place."""
        if manifest is not None:
            write_manifest(self.folder, manifest)
        replace_folder(self.folder, self.target)
        self.discard()
        return self.target

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@dataclass
class WrittenFile:
    name: str
    columns: list[str]
    rows: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    sha256: str = ""

    def manifest_entry(self) -> dict:
        entry = {"rows": self.rows, "sha256": self.sha256, "encoding": "utf-8"}
        if self.sums:
            entry["sums"] = {column: money_text(total) for column, total in self.sums.items()}
        return entry


def money_text(value: Decimal) -> str:
    """Two decimals; a value with finer digits keeps them (ingest then quarantines it, never rounds it)."""
    return f"{value.quantize(CENT)}" if value == value.quantize(CENT) else f"{value.normalize():f}"


def cell(value, money: bool, zone: tzinfo) -> str:
    """One value as landing-contract text: dates YYYY-MM-DD, timestamps ISO-8601 with offset (naive ones are
    the lender's local time), money as 2-decimal text, booleans true/false, blank for NULL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        value = value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return money_text(value) if money else f"{value.normalize():f}"
    if money and isinstance(value, int):
        return f"{value}.00"
    return str(value)


def write_csv(path: Path, columns: list[str], batches: Iterable[list[tuple]], money_columns: Iterable[str],
              zone: tzinfo) -> WrittenFile:
    """Stream rows into an RFC 4180 CSV (UTF-8, CRLF, header row); count, sum money and hash as it goes."""
    written = WrittenFile(path.name, columns)
    money_at = [i for i, c in enumerate(columns) if c in set(money_columns)]
    written.sums = {columns[i]: Decimal("0") for i in money_at}
    digest = hashlib.sha256()
    with path.open("wb") as out:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for batch in batches:
            for row in batch:
                texts = [cell(v, i in money_at, zone) for i, v in enumerate(row)]
                for i in money_at:
                    if texts[i]:
                        written.sums[columns[i]] += Decimal(texts[i])
                writer.writerow(texts)
            written.rows += len(batch)
            data = buffer.getvalue().encode("utf-8")
            digest.update(data)
            out.write(data)
            buffer.seek(0)
            buffer.truncate()
        data = buffer.getvalue().encode("utf-8")
        digest.update(data)
        out.write(data)
    written.sha256 = digest.hexdigest()
    return written
