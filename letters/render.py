"""From a list of letters to print files: `<batch>.pdf`, `<batch>.manifest.csv`, `<batch>.totals.json`.

A batch is one template × language × delivery class (`batch_name`, `group_batches`). Within a batch
each letter starts on a new sheet: with duplex printing (the default) a letter with an odd number of
pages gets a blank back page. Every printed page carries a QR code for the inserter with
`<letter_id>|<page>/<pages>`. Letters that must not be printed (incomplete address, characters the
fonts lack, a recipient block that does not fit the window...) are returned as `rejected` with the
reason and appear in no file.

Large batches are split into parts rendered by worker processes and concatenated page by page
(`letters.pdfmerge`); files appear under their final names only when complete.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from letters.compose import Composed, Composer, Refused
from letters.layout import MM, Geometry, Page
from letters.model import Letter
from letters.pdfmerge import merge
from letters.qr import stamp_for

PAGE_H = Geometry.PAGE_H
QR_PREFIX = ""  # payload is "<letter_id>|<page>/<pages>"
PART_MIN_LETTERS = 400  # below this a batch renders in the calling process
PART_MAX_LETTERS = 3000  # parts per worker task: bounds memory and gives the progress bar steps

MANIFEST_COLUMNS = [
    "letter_id", "loan_id", "customer_id", "template", "language", "delivery", "page_start", "page_count",
    "content_pages", "sheets", "currency", "amount", "recipient_name", "address_line1", "address_line2",
    "address_line3", "postal_code", "city", "region", "country",
]
_NUMERIC = {"page_start", "page_count", "content_pages", "sheets", "amount"}
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Rejected:
    letter_id: str
    loan_id: str
    customer_id: str
    reason: str


@dataclass
class BatchResult:
    batch: str
    pdf: Path | None
    manifest: Path | None
    totals: Path | None
    letters: int = 0
    pages: int = 0
    sheets: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)  # per currency
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0


def batch_name(template: str, language: str, delivery: str) -> str:
    """`first_reminder-zh-CN-standard`: the file stem of one batch."""
    return f"{template}-{language}-{delivery}"


def group_batches(letters) -> dict[str, list[Letter]]:
    """Letters by batch name (sorted), each list in input order."""
    groups: dict[str, list[Letter]] = {}
    for letter in letters:
        groups.setdefault(batch_name(*letter.batch_key), []).append(letter)
    return dict(sorted(groups.items()))


def safe_cell(value: str) -> str:
    """Spreadsheet-safe text: a leading = + - @ tab or CR is neutralised with a leading quote."""
    if value and value[0] in _DANGEROUS:
        return "'" + value
    return value


# --- painting ------------------------------------------------------------------------------------
@contextmanager
def _plain_streams():
    """Flate only: ReportLab's default ASCII85 step is pure Python and slower than the drawing."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def new_canvas(path, title: str, initial_font: str) -> Canvas:
    c = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1, initialFontName=initial_font)
    c.setTitle(title)
    c.setCreator("arrears letters")
    c.setProducer("arrears letters (ReportLab)")
    return c


class Painter:
    """Draws laid-out pages on one ReportLab canvas.

    Text goes straight to PDF operators (`Tf`, `Tm`, hex-string `Tj`): ReportLab's text object
    measures every string again and formats numbers in pure Python, which costs more than the rest
    of a letter. ReportLab still owns the fonts: `splitString` assigns each character to a subset of
    the document's embedded font, and `save()` writes the subsets, widths and ToUnicode maps. The
    split of a string is cached per document (the same labels and sentences recur in every letter).
    """

    def __init__(self, canvas: Canvas):
        self.c = canvas
        self.doc = canvas._doc
        self._split: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._fonts: dict[str, object] = {}
        self._tm: dict[tuple[float, float], str] = {}

    def letter(self, composed: Composed) -> int:
        """Draw the pages of one letter; returns their number. Blank backs are added by the merge."""
        pages = composed.pages
        n = len(pages)
        letter_id = composed.letter.letter_id
        c = self.c
        for p in pages:
            payload = f"{QR_PREFIX}{letter_id}|{p.number}/{n}".encode("utf-8")
            qr = stamp_for(payload).pdf_ops(payload, Geometry.QR_X * MM, Geometry.QR_BOTTOM * MM,
                                            Geometry.QR_MODULE * MM)
            c.addLiteral(self.page_ops(p) + "\n" + qr)
            c.showPage()
        return n

    def _runs(self, face, text: str) -> list[tuple[str, str]]:
        key = (face.name, text)
        runs = self._split.get(key)
        if runs is None:
            font = self._fonts.get(face.name)
            if font is None:
                font = self._fonts[face.name] = pdfmetrics.getFont(face.name)
            doc = self.doc
            runs = [(font.getSubsetInternalName(subset, doc), chunk.hex())
                    for subset, chunk in font.splitString(text, doc)]
            if len(self._split) < 500_000:
                self._split[key] = runs
        return runs

    def page_ops(self, page: Page) -> str:
        out = []
        add = out.append
        for (x0, y0, x1, y1, w, dash) in page.rules:
            a, b, e, f = x0 * MM, (PAGE_H - y0) * MM, x1 * MM, (PAGE_H - y1) * MM
            if dash == "dot":
                add(f"{w:.2f} w 1 J {a:.2f} {b:.2f} m {e:.2f} {f:.2f} l S 0 J")
            elif dash:
                add(f"{w:.2f} w [2 1.5] 0 d {a:.2f} {b:.2f} m {e:.2f} {f:.2f} l S [] 0 d")
            else:
                add(f"{w:.2f} w {a:.2f} {b:.2f} m {e:.2f} {f:.2f} l S")
        add("0.28 w BT")  # 0.28 pt: outline of fake-bold text (render mode 2)
        tms = self._tm
        cur_font = None
        bold = False
        for (x, y, face, size, text, b) in page.texts:
            if b != bold:
                add("2 Tr" if b else "0 Tr")
                bold = b
            tm = tms.get((x, y))
            if tm is None:
                tm = tms[(x, y)] = f"1 0 0 1 {x * MM:.2f} {(PAGE_H - y) * MM:.2f} Tm"
            add(tm)
            for name, hexed in self._runs(face, text):
                if (name, size) != cur_font:
                    add(f"{name} {size:g} Tf")
                    cur_font = (name, size)
                add(f"<{hexed}> Tj")
        if bold:
            add("0 Tr")
        add("ET")
        return "\n".join(out)


# --- one part ------------------------------------------------------------------------------------
_COMPOSERS: dict[str, Composer] = {}


def _composer(templates_dir) -> Composer:
    """One Composer (compiled templates, loaded fonts) per template folder and process."""
    key = str(templates_dir or "")
    composer = _COMPOSERS.get(key)
    if composer is None:
        composer = _COMPOSERS[key] = Composer(templates_dir)
    return composer


def render_part(letters: list[Letter], path: Path, title: str, duplex: bool = True, templates_dir=None,
                tick=None) -> tuple[list[tuple], list[Rejected], int]:
    """Render `letters` into one PDF at `path`. Returns (letter, recipient, page_count, content_pages)
    per printed letter in order, the refused letters, and the number of pages the canvas wrote."""
    composer = _composer(templates_dir)
    records: list[tuple] = []
    rejected: list[Rejected] = []
    canvas = None
    with _plain_streams():
        for i, letter in enumerate(letters):
            try:
                composed = composer.compose(letter)
            except Refused as exc:
                rejected.append(Rejected(letter.letter_id, letter.loan_id, letter.customer_id, str(exc)))
            else:
                if canvas is None:
                    canvas = new_canvas(path, title, composer.layout_for(letter.language).fonts.regular.name)
                    painter = Painter(canvas)
                content = painter.letter(composed)
                pages = content + 1 if duplex and content % 2 else content
                records.append((letter, composed.recipient, pages, content))
            if tick is not None and (i + 1) % 50 == 0:
                tick(50)
        if tick is not None and len(letters) % 50:
            tick(len(letters) % 50)
        written = 0
        if canvas is not None:
            written = canvas.getPageNumber() - 1
            canvas.save()
    return records, rejected, written


def _part_worker(task):
    letters, path, title, duplex, templates_dir = task
    records, rejected, written = render_part(letters, Path(path), title, duplex, templates_dir)
    # send back only what the manifest needs (letters are large to pickle back)
    slim = [(_manifest_stub(letter, recipient), pages, content) for letter, recipient, pages, content in records]
    return len(letters), slim, rejected, written


def _manifest_stub(letter: Letter, recipient) -> dict:
    lines = list(recipient.address_lines)
    if len(lines) > 3:
        lines = lines[:2] + [", ".join(lines[2:])]
    lines += [""] * (3 - len(lines))
    return {
        "letter_id": letter.letter_id, "loan_id": letter.loan_id, "customer_id": letter.customer_id,
        "template": letter.template, "language": letter.language, "delivery": letter.delivery,
        "currency": letter.currency, "amount": letter.amount,
        "recipient_name": recipient.name, "address_line1": lines[0], "address_line2": lines[1],
        "address_line3": lines[2], "postal_code": recipient.postal_code, "city": recipient.city,
        "region": recipient.region, "country": recipient.country,
    }


# --- a batch -------------------------------------------------------------------------------------
def render_batch(letters, out_dir, batch_name: str, progress: bool = True, *, workers: int | None = None,
                 duplex: bool = True, templates_dir=None, pool=None) -> BatchResult:
    """Render one batch of letters into `out_dir/<batch_name>.pdf` with its manifest and totals.

    All letters must share template, language and delivery class. Duplicate letter ids are refused
    after the first. `workers` defaults to the number of CPUs (at most 2 on the reference machine);
    batches under PART_MIN_LETTERS render in this process.
    """
    started = time.perf_counter()
    letters = list(letters)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = {letter.batch_key for letter in letters}
    if len(keys) > 1:
        raise ValueError(f"batch {batch_name} mixes {sorted(keys)}; use group_batches()")
    seen: set[str] = set()
    unique, rejected = [], []
    for letter in letters:
        if letter.letter_id in seen:
            rejected.append(Rejected(letter.letter_id, letter.loan_id, letter.customer_id,
                                     "duplicate letter_id in batch"))
            continue
        seen.add(letter.letter_id)
        unique.append(letter)
    result = BatchResult(batch_name, None, None, None, rejected=rejected)
    workers = workers or min(2, os.cpu_count() or 1)
    tmp = out_dir / f".{batch_name}.parts"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    bar = _bar(len(letters), batch_name, progress)
    try:
        bar.update(len(rejected))
        chunks = _chunks(unique, workers)
        part_paths = [tmp / f"part-{k:04d}.pdf" for k in range(len(chunks))]
        stubs: list[tuple] = []
        part_counts: list[list[int]] = []
        written = 0
        if len(chunks) == 1 or workers == 1:
            for chunk, path in zip(chunks, part_paths):
                records, rej, pages = render_part(chunk, path, batch_name, duplex, templates_dir, tick=bar.update)
                stubs += [(_manifest_stub(le, rc), pg, ct) for le, rc, pg, ct in records]
                part_counts.append([ct for _, _, _, ct in records])
                result.rejected += rej
                written += pages
        else:
            tasks = [(chunk, str(path), batch_name, duplex, templates_dir) for chunk, path in zip(chunks, part_paths)]
            own_pool = pool is None
            if own_pool:
                pool = multiprocessing.get_context("spawn").Pool(workers)
            try:
                for n, slim, rej, pages in pool.imap(_part_worker, tasks):
                    stubs += slim
                    part_counts.append([ct for _, _, ct in slim])
                    result.rejected += rej
                    written += pages
                    bar.update(n)
            finally:
                if own_pool:
                    pool.close()
                    pool.join()
        parts = [p for p in part_paths if p.exists()]
        if stubs:
            _publish(result, out_dir, batch_name, parts, [c for c in part_counts if c], stubs, written, duplex, tmp)
    finally:
        bar.close()
        shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def render_batches(letters, out_dir, progress: bool = True, *, workers: int | None = None, duplex: bool = True,
                   templates_dir=None) -> dict[str, BatchResult]:
    """Group `letters` into batches and render each; one worker pool serves all batches."""
    groups = group_batches(letters)
    workers = workers or min(2, os.cpu_count() or 1)
    big = any(len(g) >= PART_MIN_LETTERS for g in groups.values())
    pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 1 and big else None
    try:
        return {name: render_batch(group, out_dir, name, progress, workers=workers, duplex=duplex,
                                   templates_dir=templates_dir, pool=pool)
                for name, group in groups.items()}
    finally:
        if pool is not None:
            pool.close()
            pool.join()


def _chunks(letters: list[Letter], workers: int) -> list[list[Letter]]:
    n = len(letters)
    if workers <= 1 or n < PART_MIN_LETTERS:
        return [letters]
    count = max(workers, -(-n // PART_MAX_LETTERS))
    count = -(-count // workers) * workers  # a multiple of the workers keeps both busy to the end
    size = -(-n // count)
    return [letters[i:i + size] for i in range(0, n, size)]


def _publish(result: BatchResult, out_dir: Path, name: str, parts: list[Path], part_counts: list[list[int]],
             stubs: list[tuple], written: int, duplex: bool, tmp: Path) -> None:
    pdf_tmp = tmp / "merged.pdf"
    pages = merge(parts, pdf_tmp, title=name, duplex=duplex, letter_pages=[c for c in part_counts])
    if pages != sum(p for _, p, _ in stubs) or sum(map(sum, part_counts)) != written:
        raise RuntimeError(f"batch {name}: page counts of parts, merged file and manifest disagree")
    rows = []
    page_start = 1
    amounts: dict[str, Decimal] = {}
    sheets = 0
    for stub, page_count, content in stubs:
        s = page_count // 2 if duplex else page_count
        row = dict(stub)
        row.update(page_start=page_start, page_count=page_count, content_pages=content, sheets=s)
        rows.append(row)
        page_start += page_count
        sheets += s
        amounts[stub["currency"]] = amounts.get(stub["currency"], Decimal("0")) + stub["amount"]
    if page_start - 1 != pages:
        raise RuntimeError(f"batch {name}: manifest counts {page_start - 1} pages, the PDF has {pages}")
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: (row[k] if k in _NUMERIC else safe_cell(str(row[k]))) for k in MANIFEST_COLUMNS})
    manifest_bytes = buf.getvalue().encode("utf-8")
    pdf_path, manifest_path, totals_path = (out_dir / f"{name}.pdf", out_dir / f"{name}.manifest.csv",
                                            out_dir / f"{name}.totals.json")
    os.replace(pdf_tmp, pdf_path)
    _write_atomic(manifest_path, manifest_bytes)
    first = rows[0]
    totals = {
        "batch": name, "template": first["template"], "language": first["language"], "delivery": first["delivery"],
        "duplex": duplex, "letters": len(rows), "pages": pages, "sheets": sheets,
        "content_pages": sum(r["content_pages"] for r in rows), "blank_pages": pages - sum(r["content_pages"] for r in rows),
        "amount": {cur: str(v) for cur, v in sorted(amounts.items())}, "rejected": len(result.rejected),
        "files": {pdf_path.name: _sha256(pdf_path), manifest_path.name: hashlib.sha256(manifest_bytes).hexdigest()},
    }
    _write_atomic(totals_path, (json.dumps(totals, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    result.pdf, result.manifest, result.totals = pdf_path, manifest_path, totals_path
    result.letters, result.pages, result.sheets, result.amounts = len(rows), pages, sheets, amounts


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _bar(total: int, name: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit="letter", file=sys.stderr, disable=not enabled, leave=False,
                mininterval=0.5)
