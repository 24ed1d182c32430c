"""Benchmark: 50,000 letters into print files, against ReportLab drawing the same strings (the floor).

    .venv/bin/python bench/bench_letters.py [--letters 50000] [--workers 2] [--workdir bench/results/letters]

Prints letters/s for the whole path (templating, layout, refusal checks, drawing, QR codes, part
merge with blank backs, manifest, totals, checksums), and the same for the bare engine: a plain
ReportLab canvas that draws the very strings the letters contain at the same positions with
`setFont`/`drawString` — no templates, no layout, no QR codes, no manifest. The bare engine runs in
as many processes as the pipeline (each process draws its half; its time is the slowest process's
drawing and saving, the strings having been laid out beforehand, untimed). The machine may be
shared: the load average before and after is printed with the figures.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from letters.layout import MM, Geometry  # noqa: E402
from letters.render import render_batches  # noqa: E402
from letters.sample import sample_letters  # noqa: E402


def bare_engine(args) -> tuple[float, int, float]:
    """Lay out `letters` (untimed), then time a plain canvas drawing the same strings."""
    letters, path = args
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from letters.compose import Composer

    composer = Composer()
    pages = []
    for letter in letters:
        pages += [[(x * MM, (Geometry.PAGE_H - y) * MM, face.name, size, text) for x, y, face, size, text, _ in p.texts]
                  for p in composer.compose(letter).pages]
    rl_config.useA85 = 0  # same stream encoding as the pipeline (Flate only)
    started, cpu = time.perf_counter(), time.process_time()
    c = Canvas(str(path), pagesize=A4, pageCompression=1, invariant=1,
               initialFontName=composer.layout_for(letters[0].language).fonts.regular.name)
    for items in pages:
        for x, y, font, size, text in items:
            c.setFont(font, size)
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return time.perf_counter() - started, len(pages), time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("bench/results/letters"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    load_before = os.getloadavg()[0]

    letters = sample_letters(args.letters, seed=args.seed)
    started = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    results = render_batches(letters, args.workdir / "print", progress=True, workers=args.workers)
    elapsed = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(cpu0, cpu1))
    printed = sum(r.letters for r in results.values())
    pages = sum(r.pages for r in results.values())
    rejected = sum(len(r.rejected) for r in results.values())
    size = sum(r.pdf.stat().st_size for r in results.values() if r.pdf)

    halves = [letters[i::args.workers] for i in range(args.workers)]
    tasks = [(half, args.workdir / f"bare-{i}.pdf") for i, half in enumerate(halves)]
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        bare = pool.map(bare_engine, tasks)
    bare_time = max(t for t, _, _ in bare)
    bare_pages = sum(n for _, n, _ in bare)
    bare_cpu = sum(c for _, _, c in bare)
    load_after = os.getloadavg()[0]

    print(f"letters                     {args.letters:>10,}  in {len(results)} batches, {printed:,} printed, "
          f"{rejected} refused")
    print(f"pages (incl. blank backs)   {pages:>10,}  content pages {bare_pages:,}, {size / 1e6:,.0f} MB of PDF")
    print(f"print files ({args.workers} workers)     {elapsed:>8.1f} s  {args.letters / elapsed:>10,.0f} letters/s  "
          f"{bare_pages / elapsed:>8,.0f} content pages/s   (CPU {cpu:.0f} s)")
    print(f"bare ReportLab ({args.workers} procs)    {bare_time:>8.1f} s  {args.letters / bare_time:>10,.0f} letters/s  "
          f"{bare_pages / bare_time:>8,.0f} content pages/s")
    print(f"print files / bare engine   {elapsed / bare_time:>8.2f} x the time "
          f"({bare_time / elapsed:.0%} of the bare engine's speed)")
    n = args.letters
    print(f"CPU per letter              {cpu / n * 1e3:>8.2f} ms print files, {bare_cpu / n * 1e3:.2f} ms bare engine "
          f"(ratio {cpu / bare_cpu:.2f})")
    print(f"capacity of {args.workers} idle cores     {args.workers * n / cpu:>10,.0f} letters/s print files, "
          f"{args.workers * n / bare_cpu:,.0f} bare engine (from CPU time; a shared machine slows the wall clock)")
    print(f"load average (1 min)        {load_before:>8.1f} before, {load_after:.1f} after, on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
