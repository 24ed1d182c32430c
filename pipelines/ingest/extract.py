"""Read one night's landing folder and prove it is complete before anything is used.

Every check failure raises BatchBlocked with one line naming the file and the rule. Files are
read as text (pyarrow, all columns strings) so that typing happens in one place, in the load,
where a bad value becomes a quarantined row instead of a crash.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipelines.errors import BatchBlocked
from pipelines.landing import LANDING_FILES, MANIFEST_NAME, LandingFile

ROW_NUMBER = "_source_row"  # 1-based data row number (the header is row 0)


BATCH_BYTES = 1 << 24            # CSV read in blocks of 16 MiB: memory does not grow with the file
PARQUET_BATCH_ROWS = 256_000     # Parquet read in batches of this many rows, for the same reason


@dataclass
class ExtractFile:
    spec: LandingFile
    path: Path
    sha256: str
    encoding: str
    source: str              # DuckDB temp table on the caller's connection: every column as text, plus _source_row
    columns: list[str]       # the file's columns, in file order
    rows: int

    @property
    def extra_columns(self) -> list[str]:
        return [c for c in self.columns if c not in self.spec.columns]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _first_undecodable_row(path: Path, encoding: str) -> int:
    """1-based data row of the first byte that does not decode (for the error message)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 0
    with path.open("rb") as fh:
        for raw_line in fh:
            try:
                decoder.decode(raw_line)
            except UnicodeDecodeError:
                return line
            line += 1
    return line


def _looks_utf8(path: Path) -> bool:
    """The file has non-ASCII bytes and all of them form valid UTF-8: text in another legacy
    encoding (GBK, Big5, Latin-1) almost never does, so such a file was exported as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    non_ascii = False
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            non_ascii = non_ascii or not chunk.isascii()
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    return non_ascii


def _read_csv(path: Path, encoding: str, where: str) -> Iterator[pa.RecordBatch]:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise BatchBlocked(f"{where}: manifest declares unknown encoding {encoding!r}") from None
    if path.stat().st_size == 0:
        raise BatchBlocked(f"{where}: empty file (not even the header row)")
    if codec not in ("utf-8", "utf-8-sig") and _looks_utf8(path):
        raise BatchBlocked(f"{where}: manifest declares {encoding} but the file is UTF-8 text "
                           f"(declare the file's encoding in {MANIFEST_NAME})")
    read = pacsv.ReadOptions(encoding=encoding, block_size=BATCH_BYTES)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    # Every column as text: typing (and quarantine of bad values) is the load's job.
    with path.open("rb") as fh:
        header = fh.readline()
    try:
        names = next(csv.reader([header.decode(encoding).lstrip("\ufeff").rstrip("\r\n")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        names = []
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BatchBlocked(f"{where}: column(s) named twice in the header: {', '.join(repeated)}")
    if ROW_NUMBER in names:
        raise BatchBlocked(f"{where}: column name {ROW_NUMBER} is reserved")
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
    )
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        yield pa.RecordBatch.from_pydict({n: pa.array([], pa.string()) for n in reader.schema.names})
        for batch in reader:
            yield batch
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        message = str(exc)
        if "UTF8" in message or "utf-8" in message.lower() or isinstance(exc, UnicodeDecodeError):
            row = _first_undecodable_row(path, encoding)
            raise BatchBlocked(
                f"{where}: row {row} is not valid {encoding} (declare the file's encoding in {MANIFEST_NAME})"
            ) from None
        raise BatchBlocked(f"{where}: unreadable CSV ({_first_line(message)})") from None


def _first_line(text: str) -> str:
    return next((line for line in str(text).splitlines() if line.strip()), "")[:300]


def _read_parquet(path: Path, where: str) -> Iterator[pa.RecordBatch]:
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchBlocked(f"{where}: unreadable Parquet ({_first_line(exc)})") from None
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated or ROW_NUMBER in names:
        raise BatchBlocked(f"{where}: column(s) named twice or reserved: {', '.join(repeated or [ROW_NUMBER])}")
    text = pa.schema([(n, pa.string()) for n in names])
    yield pa.RecordBatch.from_pydict({n: pa.array([], pa.string()) for n in names})
    try:
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            yield batch.cast(text)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchBlocked(f"{where}: unreadable Parquet ({_first_line(exc)})") from None
    except pa.ArrowNotImplementedError as exc:
        raise BatchBlocked(f"{where}: Parquet column types cannot be read as text ({_first_line(exc)})") from None


def _check_control_totals(con: duckdb.DuckDBPyConnection, source: str, columns: list[str], num_rows: int,
                          declared: dict, where: str) -> None:
    rows = declared.get("rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        raise BatchBlocked(f"{where}: {MANIFEST_NAME} rows is not a row count: {rows!r}")
    if rows is not None and rows != num_rows:
        raise BatchBlocked(f"{where}: {num_rows} rows but {MANIFEST_NAME} declares {rows}")
    sums = declared.get("sums") or {}
    if not isinstance(sums, dict):
        raise BatchBlocked(f"{where}: {MANIFEST_NAME} sums must map columns to totals, got {type(sums).__name__}")
    if not sums:
        return
    for column, expected in sums.items():
        if column not in columns:
            raise BatchBlocked(f"{where}: {MANIFEST_NAME} sums column {column!r}, which the file lacks")
        actual = con.execute(
            f'select coalesce(sum(try_cast(nullif(trim("{column}"), \'\') as decimal(38,10))), 0) from {source}'
        ).fetchone()[0]
        try:
            expected_value = Decimal(str(expected))
        except InvalidOperation:
            raise BatchBlocked(f"{where}: {MANIFEST_NAME} sum of {column} is not a number: {expected!r}") from None
        if Decimal(actual) != expected_value:
            shown = max(Decimal(actual).normalize(), Decimal(actual).quantize(Decimal("0.01")), key=_digits)
            raise BatchBlocked(f"{where}: sum of {column} is {shown:f} but {MANIFEST_NAME} declares {expected_value}")


def _digits(value: Decimal) -> int:
    return -value.as_tuple().exponent


def _regular_file(path: Path) -> None:
    """A landing file must be a regular file in its folder: a symbolic link could make the night
    read (and publish) anything the pipeline's account can read."""
    if path.is_symlink():
        raise BatchBlocked(f"{path}: is a symbolic link; the extract must consist of regular files in its folder")
    if not path.is_file():
        raise BatchBlocked(f"{path}: not a regular file")


def _locate(folder: Path, spec: LandingFile) -> Path:
    found = [folder / f"{spec.name}{suffix}" for suffix in (".csv", ".parquet")
             if os.path.lexists(folder / f"{spec.name}{suffix}")]
    if not found:
        raise BatchBlocked(f"{folder / spec.csv_name}: file missing from the extract")
    if len(found) > 1:
        raise BatchBlocked(f"{found[0]}: delivered twice, as {found[0].name} and {found[1].name}; deliver one")
    _regular_file(found[0])
    return found[0]


def _check_manifest_files(manifest_path: Path, files) -> dict:
    """`files` must map plain file names of the folder to their control totals."""
    if not isinstance(files, dict):
        raise BatchBlocked(f"{manifest_path}: 'files' must map file names to control totals")
    for name, declared in files.items():
        plain = PurePath(name).name == name and name not in ("", ".", "..") and "\\" not in name
        if not plain or "\x00" in name:
            raise BatchBlocked(f"{manifest_path}: file name {name!r} points outside the extract's folder")
        if not isinstance(declared, dict):
            raise BatchBlocked(f"{manifest_path}: {name}: control totals must be an object")
        sha = declared.get("sha256")
        if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha)):
            raise BatchBlocked(f"{manifest_path}: {name}: sha256 is not 64 hex digits")
        if not isinstance(declared.get("encoding", ""), (str, type(None))):
            raise BatchBlocked(f"{manifest_path}: {name}: encoding must be text")
    return files


def open_extract(landing: Path, as_of: date, manifest: dict | None = None) -> tuple[Path, dict]:
    """The folder for `as_of` and its parsed manifest (or `manifest`, one not yet written), or BatchBlocked."""
    folder = landing / as_of.isoformat()
    if not folder.is_dir():
        raise BatchBlocked(f"{folder}: no extract for {as_of} in the landing zone")
    manifest_path = folder / MANIFEST_NAME
    if manifest is None:
        if not os.path.lexists(manifest_path):
            raise BatchBlocked(f"{manifest_path}: manifest missing (the extract is incomplete until it is written)")
        _regular_file(manifest_path)
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BatchBlocked(f"{manifest_path}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise BatchBlocked(f"{manifest_path}: must be a JSON object with as_of and files")
    _check_manifest_files(manifest_path, manifest.get("files") or {})
    if str(manifest.get("as_of")) != as_of.isoformat():
        raise BatchBlocked(f"{manifest_path}: as_of {manifest.get('as_of')!r} does not match folder date {as_of}")
    return folder, manifest


def _stage(con: duckdb.DuckDBPyConnection, source: str, batches: Iterator[pa.RecordBatch]) -> tuple[list[str], int]:
    """Stream the file's batches into temp table `source` (text columns plus _source_row, numbered from 1);
    returns (the file's columns, rows). Only one batch is held in memory at a time."""
    rows, columns = 0, None
    for batch in batches:
        if columns is None:
            columns = batch.schema.names
            ddl = ", ".join(f'"{c.replace(chr(34), chr(34) * 2)}" varchar' for c in columns)
            con.execute(f"create or replace temp table {source} ({ddl}{', ' if ddl else ''}{ROW_NUMBER} bigint)")
        if not batch.num_rows:
            continue
        numbered = batch.append_column(ROW_NUMBER, pa.array(range(rows + 1, rows + batch.num_rows + 1), pa.int64()))
        con.register("arrow_batch", numbered)
        con.execute(f"insert into {source} by name select * from arrow_batch")
        con.unregister("arrow_batch")
        rows += batch.num_rows
    return columns or [], rows


def verified_files(landing: Path, as_of: date, manifest: dict | None = None,
                   con: duckdb.DuckDBPyConnection | None = None) -> Iterator[ExtractFile]:
    """Each landing file of `as_of`, proven against the manifest (the folder's, or `manifest` when the
    caller holds one it has not written yet), staged as a text temp table `src_<file>` on `con` (an
    in-memory DuckDB when none is given).

    The file is streamed in blocks into DuckDB (which spills to disk past its memory limit), so no
    file is ever held whole in Python. Yields one file at a time; the caller must not write to the
    warehouse before the last file has been yielded, since any file may still block the batch.
    """
    own = con is None
    con = duckdb.connect() if own else con
    try:
        folder, manifest = open_extract(landing, as_of, manifest)
        declared_files = manifest.get("files") or {}
        for spec in LANDING_FILES.values():
            path = _locate(folder, spec)
            where = str(path)
            declared = declared_files.get(path.name)
            if declared is None:
                raise BatchBlocked(f"{where}: not listed in {MANIFEST_NAME}")
            sha = _sha256(path)
            if declared.get("sha256") and declared["sha256"].lower() != sha:
                raise BatchBlocked(f"{where}: sha256 does not match {MANIFEST_NAME} (file truncated or corrupt)")
            encoding = (declared.get("encoding") or "utf-8").strip().lower()
            if path.suffix == ".csv":
                batches = _read_csv(path, "utf-8-sig" if encoding in ("utf-8", "utf8") else encoding, where)
            else:
                batches = _read_parquet(path, where)
            source = f"src_{spec.name}"
            columns, rows = _stage(con, source, batches)
            missing = [c for c in spec.columns if c not in columns]
            if missing:
                raise BatchBlocked(f"{where}: required column(s) missing: {', '.join(missing)}")
            _check_control_totals(con, source, columns, rows, declared, where)
            yield ExtractFile(spec, path, sha, encoding, source, columns, rows)
    finally:
        if own:
            con.close()
