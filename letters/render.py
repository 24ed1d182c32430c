"""From a list of letters to print files: `<batch>.pdf`, `<batch>.manifest.csv`, `<batch>.totals.json`.

A batch is one template × language × delivery class (`batch_name`, `group_batches`). Within a batch
each letter starts on a new sheet: with duplex printing (the default) a letter with an odd number of
pages gets a blank back page. Every printed page carries a QR code for the inserter with
`<letter_id>|<page>/<pages>`. Letters that must not be printed (incomplete address, characters the
fonts lack, a recipient block that does not fit the window...) are returned as `rejected` with the
reason and appear in no file.

Large batches are split into parts rendered by worker processes, one per core, and concatenated
page by page (`letters.pdfmerge`); files appear under their final names only when complete. How a
night is split into parts depends on the letters only, never on the number of cores or workers, so
the files are the same bytes on any machine and on every rerun.
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
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from pipelines import crashpoints
from letters.compose import Composed, Composer, Refused
from letters.layout import MM, Geometry, Page
from letters.model import Letter
from letters.pdfmerge import MergePart, merge
from letters.qr import stamp_for

PAGE_H = Geometry.PAGE_H
QR_PREFIX = ""  # payload is "<letter_id>|<page>/<pages>"
PART_MIN_LETTERS = 400  # below this many letters in all, one part per batch, rendered in the calling process
PART_MAX_LETTERS = 3000  # letters per part (one worker task): bounds memory, gives the progress bar steps
PARTS = 8  # a large night is cut into about this many parts (work for up to 8 cores), whatever the machine
ZLIB_LEVEL = 1  # level 6 makes content streams 15% smaller and takes 1.7 times as long

MANIFEST_COLUMNS = [
    "letter_id", "loan_id", "customer_id", "template", "language", "delivery", "page_start", "page_count",
    "content_pages", "sheets", "currency", "amount", "recipient_name", "address_line1", "address_line2",
    "address_line3", "postal_code", "city", "region", "country", "mailing_date", "validation_period_end",
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
    """Turns laid-out pages into PDF content streams, with one ReportLab document owning the fonts.

    Text goes straight to PDF operators (`Tf`, `Tm`, hex-string `Tj`): ReportLab's text object
    measures every string again and formats numbers in pure Python, and its page objects cost as
    much to write as the drawing. ReportLab still owns the fonts: `splitString` assigns each
    character to a subset of the document's embedded font, and `save()` writes the subsets, widths
    and ToUnicode maps (a document without pages: `letters.pdfmerge` writes the pages). The split
    of a string is cached per document (the same labels and sentences recur in every letter).
    """

    def __init__(self, canvas: Canvas):
        self.c = canvas
        self.doc = canvas._doc
        self._ops: dict[tuple[str, float, str], str] = {}  # (face, size, text) -> Tf/Tj operators
        self._fonts: dict[str, object] = {}
        self._names: dict[tuple[str, int], str] = {}  # (face, subset) -> /F1+0
        self._ascii: set[str] = set()  # faces whose printable ASCII sits at its own codes in subset 0
        self._tm: dict[tuple[float, float], str] = {}

    def letter(self, composed: Composed) -> list[bytes]:
        """The compressed content stream of each page of one letter. Page objects are written by
        the merge (`letters.pdfmerge`), which also adds the blank backs."""
        pages = composed.pages
        n = len(pages)
        letter_id = composed.letter.letter_id
        out = []
        for p in pages:
            payload = f"{QR_PREFIX}{letter_id}|{p.number}/{n}".encode("utf-8")
            qr = stamp_for(payload).pdf_ops(payload, Geometry.QR_X * MM, Geometry.QR_BOTTOM * MM,
                                            Geometry.QR_MODULE * MM)
            out.append(zlib.compress((self.page_ops(p) + "\n" + qr).encode("ascii"), ZLIB_LEVEL))
        return out

    def _text(self, face, size: float, text: str) -> str:
        """`/F1+0 9.5 Tf <...> Tj` for `text`, one Tf/Tj pair per font subset it touches."""
        font = self._fonts.get(face.name)
        if font is None:
            font = self._fonts[face.name] = pdfmetrics.getFont(face.name)
            font.splitString(" ", self.doc)  # creates the document's subset state
            if font._asciiReadable and face.chars.issuperset(_PRINTABLE_ASCII):
                self._ascii.add(face.name)
        doc = self.doc
        names = self._names
        if face.name in self._ascii and text.isascii() and text.isprintable():
            runs = [(0, text.encode("ascii"))]  # ReportLab keeps printable ASCII at its own codes in subset 0
        else:
            runs = font.splitString(text, doc)
        out = []
        for subset, chunk in runs:
            name = names.get((face.name, subset))
            if name is None:  # the first use of a subset registers it with the document
                name = names[(face.name, subset)] = font.getSubsetInternalName(subset, doc)
            out.append(f"{name} {size:g} Tf <{chunk.hex()}> Tj")
        return " ".join(out)

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
        tms, ops = self._tm, self._ops
        bold = False
        for (x, y, face, size, text, b) in page.texts:
            if b != bold:
                add("2 Tr" if b else "0 Tr")
                bold = b
            tm = tms.get((x, y))
            if tm is None:
                tm = tms[(x, y)] = f"1 0 0 1 {x * MM:.2f} {(PAGE_H - y) * MM:.2f} Tm"
            add(tm)
            key = (face.name, size, text)
            op = ops.get(key)
            if op is None:
                op = self._text(face, size, text)
                if len(ops) < 300_000:
                    ops[key] = op
            add(op)
        if bold:
            add("0 Tr")
        add("ET")
        return "\n".join(out)


_PRINTABLE_ASCII = frozenset(chr(c) for c in range(32, 127))


# --- one part ------------------------------------------------------------------------------------
_COMPOSERS: dict[str, Composer] = {}


def _composer(templates_dir) -> Composer:
    """One Composer (compiled templates, loaded fonts) per template folder and process."""
    key = str(templates_dir or "")
    composer = _COMPOSERS.get(key)
    if composer is None:
        composer = _COMPOSERS[key] = Composer(templates_dir)
    return composer


@dataclass
class PartResult:
    """One part of a batch: fonts in `fonts_pdf`, page contents back to back in `streams`."""

    letters: int  # letters handed in (printed or refused)
    fonts_pdf: str | None
    streams: str | None
    stream_lengths: list[int]
    letter_pages: list[int]  # content pages of each printed letter, in order
    stubs: list[dict]  # manifest fields of each printed letter, in order
    rejected: list[Rejected]


def render_part(letters: list[Letter], stem: Path, title: str, templates_dir=None, tick=None) -> PartResult:
    """Compose and draw `letters` into `<stem>.fonts.pdf` and `<stem>.streams`."""
    composer = _composer(templates_dir)
    stem = Path(stem)
    fonts_pdf, streams = stem.with_name(stem.name + ".fonts.pdf"), stem.with_name(stem.name + ".streams")
    result = PartResult(len(letters), None, None, [], [], [], [])
    canvas = painter = fh = None
    try:
        for i, letter in enumerate(letters):
            try:
                composed = composer.compose(letter)
            except Refused as exc:
                result.rejected.append(Rejected(letter.letter_id, letter.loan_id, letter.customer_id, str(exc)))
            else:
                if canvas is None:
                    canvas = new_canvas(fonts_pdf, title, composer.layout_for(letter.language).fonts.regular.name)
                    painter = Painter(canvas)
                    fh = open(streams, "wb")
                contents = painter.letter(composed)
                for data in contents:
                    fh.write(data)
                    result.stream_lengths.append(len(data))
                result.letter_pages.append(len(contents))
                result.stubs.append(_manifest_stub(letter, composed.recipient))
            if tick is not None and (i + 1) % 50 == 0:
                tick(50)
        if tick is not None and len(letters) % 50:
            tick(len(letters) % 50)
    finally:
        if fh is not None:
            fh.close()
    if canvas is not None:
        with _plain_streams():
            canvas.save()
        result.fonts_pdf, result.streams = str(fonts_pdf), str(streams)
    return result


_PROGRESS = None  # in a worker: a shared counter of letters done, for the parent's progress bar


def _init_worker(counter) -> None:
    global _PROGRESS
    _PROGRESS = counter


def _count(n: int) -> None:
    with _PROGRESS.get_lock():
        _PROGRESS.value += n


def _part_worker(task) -> tuple[str, int, PartResult]:
    name, index, letters, stem, templates_dir = task
    return name, index, render_part(letters, Path(stem), name, templates_dir,
                                    tick=_count if _PROGRESS is not None else None)


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
        "region": recipient.region, "country": recipient.country, "mailing_date": letter.mailed_on.isoformat(),
        "validation_period_end": (letter.validation_period_end.isoformat()
                                  if letter.template == "validation_notice" else ""),
    }


# --- batches -------------------------------------------------------------------------------------
def part_size(total: int) -> int:
    """Letters per part when `total` letters are rendered: all of a batch in one part below
    PART_MIN_LETTERS, else about total / PARTS, within [PART_MIN_LETTERS / 2, PART_MAX_LETTERS]. A
    function of the letters alone: the parts, and so the bytes of the files, do not depend on the cores."""
    if total < PART_MIN_LETTERS:
        return max(total, 1)
    return max(PART_MIN_LETTERS // 2, min(PART_MAX_LETTERS, -(-total // PARTS)))


def render_batch(letters, out_dir, batch_name: str, progress: bool = True, *, workers: int | None = None,
                 duplex: bool = True, templates_dir=None) -> BatchResult:
    """Render one batch of letters into `out_dir/<batch_name>.pdf` with its manifest and totals.

    All letters must share template, language and delivery class. Duplicate letter ids are refused
    after the first. `workers` defaults to the number of CPUs; fewer than PART_MIN_LETTERS letters
    render in this process.
    """
    letters = list(letters)
    keys = {letter.batch_key for letter in letters}
    if len(keys) > 1:
        raise ValueError(f"batch {batch_name} mixes {sorted(keys)}; use group_batches()")
    return _render({batch_name: letters}, out_dir, progress, workers, duplex, templates_dir)[batch_name]


def render_batches(letters, out_dir, progress: bool = True, *, workers: int | None = None, duplex: bool = True,
                   templates_dir=None) -> dict[str, BatchResult]:
    """Group `letters` into batches (`group_batches`) and render them all: the parts of every batch
    share one pool of worker processes, and each batch is published as soon as its parts are done."""
    return _render(group_batches(letters), out_dir, progress, workers, duplex, templates_dir)


def _render(groups: dict[str, list[Letter]], out_dir, progress, workers, duplex, templates_dir) -> dict[str, BatchResult]:
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    total = sum(len(g) for g in groups.values())
    results: dict[str, BatchResult] = {}
    tasks = []
    pending: dict[str, list] = {}
    tmp = out_dir / ".letters-parts"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    size = part_size(total)
    for name, letters in groups.items():
        seen: set[str] = set()
        unique, dups = [], []
        for letter in letters:
            if letter.letter_id in seen:
                dups.append(Rejected(letter.letter_id, letter.loan_id, letter.customer_id, "duplicate letter_id in batch"))
                continue
            seen.add(letter.letter_id)
            unique.append(letter)
        results[name] = BatchResult(name, None, None, None, rejected=dups)
        chunks = [unique[i:i + size] for i in range(0, len(unique), size)] if unique else []
        pending[name] = [None] * len(chunks)
        for k, chunk in enumerate(chunks):
            tasks.append((name, k, chunk, str(tmp / f"{name}.{k:04d}"), templates_dir))
    bar = _bar(total, "letters", progress)
    try:
        bar.update(sum(len(r.rejected) for r in results.values()))

        def done(name: str, index: int, part: PartResult, ticked: bool = False) -> None:
            if not ticked:
                bar.update(part.letters)
            pending[name][index] = part
            if all(p is not None for p in pending[name]):
                _publish(results[name], out_dir, name, pending.pop(name), duplex, tmp)
                crashpoints.reached("letters:batch")  # test hook: a batch is out, others may follow

        for name in [n for n, parts in pending.items() if not parts]:
            pending.pop(name)
        if workers > 1 and len(tasks) > 1 and total >= PART_MIN_LETTERS:  # a pool costs its start-up
            ctx = multiprocessing.get_context("spawn")
            counter = ctx.Value("q", 0)
            shown = bar.n
            with ctx.Pool(min(workers, len(tasks)), initializer=_init_worker, initargs=(counter,)) as pool:
                parts = pool.imap_unordered(_part_worker, tasks)
                while True:
                    try:
                        name, index, part = parts.next(timeout=0.5)
                    except multiprocessing.TimeoutError:
                        pass
                    except StopIteration:
                        break
                    else:
                        done(name, index, part, ticked=True)
                    bar.update(shown + counter.value - bar.n)  # letters the workers have done so far
        else:
            for name, index, chunk, stem, tdir in tasks:
                done(name, index, render_part(chunk, Path(stem), name, tdir, tick=bar.update), ticked=True)
    finally:
        bar.close()
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.perf_counter() - started
    for r in results.values():
        r.seconds = elapsed
    return results


def _publish(result: BatchResult, out_dir: Path, name: str, parts: list[PartResult], duplex: bool, tmp: Path) -> None:
    stubs, counts = [], []
    for part in parts:
        result.rejected += part.rejected
        stubs += part.stubs
        counts += part.letter_pages
    printed = [p for p in parts if p.fonts_pdf]
    if not printed:
        return
    pdf_tmp = tmp / f"{name}.pdf"
    pages = merge([MergePart(p.fonts_pdf, p.streams, p.stream_lengths, p.letter_pages) for p in printed], pdf_tmp,
                  title=name, duplex=duplex)
    rows = []
    page_start = 1
    amounts: dict[str, Decimal] = {}
    sheets = 0
    for stub, content in zip(stubs, counts):
        page_count = content + 1 if duplex and content % 2 else content
        s = page_count // 2 if duplex else page_count
        row = dict(stub)
        row.update(page_start=page_start, page_count=page_count, content_pages=content, sheets=s)
        rows.append(row)
        page_start += page_count
        sheets += s
        amounts[stub["currency"]] = amounts.get(stub["currency"], Decimal("0")) + stub["amount"]
    if page_start - 1 != pages:
        raise RuntimeError(f"batch {name}: the manifest counts {page_start - 1} pages, the PDF has {pages}")
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
    content_pages = sum(counts)
    totals = {
        "batch": name, "template": first["template"], "language": first["language"], "delivery": first["delivery"],
        "duplex": duplex, "letters": len(rows), "pages": pages, "sheets": sheets, "content_pages": content_pages,
        "blank_pages": pages - content_pages, "amount": {cur: str(v) for cur, v in sorted(amounts.items())},
        "rejected": len(result.rejected),
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
