"""What the transform and publish steps of a night cost: dbt's parse (full or partial), invocations and
nodes, the slowest nodes, and each publish writer, with wall and CPU time and the machine's load.

    .venv/bin/arrears generate --out /tmp/book/landing --start 2026-10-01 --days 30 --loans 20000
    .venv/bin/python bench/bench_dbt.py /tmp/book 2026-10-01 --nights 30

Runs the nights in order into `<book>/warehouse/arrears.duckdb` and `<book>/outbox` (ingest and
validate included, timed but not detailed: bench/bench_night.py covers them). One line per night,
then, for the last night, dbt's slowest nodes and the publish writers.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from pipelines import nightly
from pipelines import publish as publish_module
from pipelines.settings import Paths


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> str:
    wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
    return f"{wall:6.1f} s ({cpu:5.1f} s cpu)"


def _dbt_log(book: Path) -> Path:
    return book / "warehouse" / ".dbt" / "logs" / "dbt.log"


def _parse_summary(text: str) -> str:
    """'partial 0.3 s' / 'full 5.1 s' for each invocation in a slice of dbt.log."""
    out = []
    for part in re.split(r"\n(?=.*Running with dbt=)", text):
        if "Running with dbt=" not in part:
            continue
        stamps = re.findall(r"(\d\d:\d\d:\d\d\.\d+) .*?(Running with dbt=|Found \d+ models)", part)
        times = [datetime.strptime(t, "%H:%M:%S.%f") for t, _ in stamps[:2]]
        mode = "full" if "Unable to do partial parsing" in part else "partial"
        out.append(f"{mode} {(times[1] - times[0]).total_seconds():.1f} s" if len(times) == 2 else mode)
    return ", ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path, help="folder holding landing/ (generated book)")
    parser.add_argument("start", type=date.fromisoformat)
    parser.add_argument("--nights", type=int, default=5)
    parser.add_argument("--skip", type=int, default=0, help="nights already run (continue after them)")
    parser.add_argument("--nodes", default="", help="also print, every night, the time of each dbt node "
                        "whose id contains this text (e.g. int_reporting_)")
    args = parser.parse_args()
    book = args.book.absolute()
    paths = Paths.resolve(landing=book / "landing", warehouse=book / "warehouse" / "arrears.duckdb",
                          out=book / "outbox")
    timings: list[str] = []
    original = publish_module.publish

    def timed_publish(out, as_of, run_id, policy_version, writers, summary=None):
        def wrap(write):
            def timed(folder):
                start = _clock()
                counts = write(folder)
                timings.append(f"  {getattr(write, '__qualname__', str(write))[:48]:48s} {_since(start)} "
                               f"{len(counts)} file(s)")
                return counts
            return timed
        return original(out, as_of, run_id, policy_version, writers=[wrap(w) for w in writers], summary=summary)

    publish_module.publish = timed_publish  # publish_step imports it when it runs
    print(f"load before: {os.getloadavg()}")
    for offset in range(args.skip, args.skip + args.nights):
        as_of = args.start + timedelta(days=offset)
        run_id = nightly.new_run_id(as_of)
        timings.clear()
        line = [str(as_of)]
        night = _clock()
        for name, step in (("ingest", lambda: nightly.ingest_step(as_of, paths, run_id)),
                           ("validate", lambda: nightly.validate_step(as_of, paths, run_id))):
            start = _clock()
            step()
            line.append(f"{name} {_since(start)}")
        log = _dbt_log(book)
        offset_in_log = log.stat().st_size if log.exists() else 0
        start = _clock()
        nightly.transform_step(as_of, paths)
        line.append(f"transform {_since(start)}")
        start = _clock()
        nightly.publish_step(as_of, paths, run_id)
        line.append(f"publish {_since(start)}")
        text = log.read_bytes()[offset_in_log:].decode("utf-8", "replace")
        results = json.loads((book / "warehouse" / ".dbt" / "target" / "run_results.json").read_text())["results"]
        print(" | ".join(line) + f" | night {_since(night)} | dbt parse {_parse_summary(text)}, {len(results)} nodes"
              f" | load {os.getloadavg()[0]:.1f}", flush=True)
        if args.nodes:
            print("  " + ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.2f}"
                                   for r in results if args.nodes in r["unique_id"]
                                   and r["unique_id"].startswith("model.")), flush=True)
    print("slowest dbt nodes of the last night:")
    for r in sorted(results, key=lambda r: -r["execution_time"])[:15]:
        print(f"  {r['execution_time']:5.2f} s {r['unique_id']}")
    print(f"  all {len(results)} nodes: {sum(r['execution_time'] for r in results):.1f} s (threads overlap)")
    print("publish writers of the last night:")
    print("\n".join(timings))


if __name__ == "__main__":
    main()
