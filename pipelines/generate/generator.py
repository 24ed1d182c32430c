"""generate(): the synthetic lender writing its nightly extracts, one folder per business date."""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from tqdm import tqdm

from .book import Book
from .dates import to_day
from .extract import extract_day
from .faults import Faults, Injected
from .writer import write_day

BOOK_STEPS = 3


@dataclass(frozen=True)
class GenerationSummary:
    out: Path
    dates: tuple[date, ...]
    first_day_loans: int            # rows of the first day's loans.csv
    rows: dict[str, int]            # data rows written per file, all days together
    ground_truth: Path | None       # out/_ground_truth/faults.csv when faults were injected
    faults: int                     # rows of the ground truth
    seconds: float


def generate(out: Path, start: date, days: int, loans: int, seed: int = 42, faults: bool = False,
             progress: bool = True) -> GenerationSummary:
    """Write the landing contract for `days` consecutive business dates from `start` under out/<date>/.

    `loans` is the size of the book at the start of the first day (before that day's
    disbursements). The same arguments always produce byte-identical files; progress bars go to
    stderr and do not influence anything written.
    """
    if days < 1 or loans < 1:
        raise ValueError("days and loans must be at least 1")
    began = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tqdm(total=BOOK_STEPS, desc="opening the book", unit="step", disable=not progress, file=sys.stderr) as bar:
        def step_done(name: str) -> None:
            bar.set_postfix_str(f"{name} done")
            bar.update()

        book = Book(seed, to_day(start), loans, on_step=step_done)
    injector = Faults(seed, days) if faults else None
    rows: Counter[str] = Counter()
    dates = tuple(start + timedelta(days=i) for i in range(days))
    first_day_loans = 0
    for index, as_of in enumerate(tqdm(dates, desc="writing extracts", unit="day", disable=not progress,
                                       file=sys.stderr)):
        day = to_day(as_of)
        book.disburse(day)
        extract = extract_day(book, day, initial=index == 0)
        injected = injector.inject(index, as_of, extract) if injector else Injected(extract.tables)
        manifest = write_day(out, as_of, injected.tables, injected.encodings, injected.tamper)
        rows.update({name: entry["rows"] for name, entry in manifest["files"].items()})
        first_day_loans = first_day_loans or manifest["files"]["loans.csv"]["rows"]
    ground_truth = injector.write_ground_truth(out) if injector else None
    return GenerationSummary(out, dates, first_day_loans, dict(rows), ground_truth,
                             len(injector.records) if injector else 0, round(time.perf_counter() - began, 1))
