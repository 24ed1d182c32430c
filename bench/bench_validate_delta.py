"""The validate step of a following night, validated whole (ARREARS_VALIDATE_FULL=1) and as a delta
against the night before, A/B in one run on the same warehouse (each run its own process, as an
Airflow task; the rerun of the latest night is allowed to run as a delta).

    .venv/bin/python bench/bench_validate_delta.py --loans 20000 [--repeats 2] [--workdir DIR]

Prints, per run: mode, wall seconds, CPU seconds (user + system of the process), peak RSS, rows given
to GX; and `uptime` before and after. A generated book (2 days) is kept in the work folder.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

START = date(2026, 10, 28)
STEP = """
import json, sys
from datetime import date
from pathlib import Path
from pipelines.nightly import {step}_step
from pipelines.settings import Paths
paths = Paths.resolve(landing=Path(sys.argv[1]), warehouse=Path(sys.argv[2]), out=Path(sys.argv[3]))
kwargs = {{"data_docs": False}} if "{step}" == "validate" else {{}}
print(json.dumps({step}_step(date.fromisoformat(sys.argv[4]), paths, "bench", **kwargs), default=str))
"""


def _step(step: str, work: Path, as_of: date, env: dict) -> dict:
    """Run one step in its own process; its own rusage (os.wait4): CPU seconds and peak RSS."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", STEP.format(step=step), str(work / "landing"),
                                    str(work / "wh" / "arrears.duckdb"), str(work / "out"), str(as_of)],
                                   env=env, stdout=out, stderr=subprocess.DEVNULL, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise SystemExit(f"{step} {as_of} failed (exit {process.returncode})")
        out.seek(0)
        result = json.loads(out.read().strip().splitlines()[-1])
    return {"step": step, "as_of": str(as_of), "wall_s": round(wall, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024),
            "mode": result.get("mode"), "rows_validated": result.get("rows_validated"),
            "rows_carried": result.get("rows_carried")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-delta-"))
    if not (work / "landing").exists():
        from pipelines.generate import generate
        generate(work / "landing", start=START, days=2, loans=args.loans, seed=7, faults=False, progress=False)
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    env = {**os.environ}
    following = START + timedelta(days=1)
    for step, as_of in (("ingest", START), ("validate", START), ("ingest", following)):
        print(json.dumps(_step(step, work, as_of, env)), flush=True)
    for _ in range(args.repeats):
        for full in (True, False):
            env = {**os.environ, "ARREARS_VALIDATE_FULL": "1" if full else "0"}
            print(json.dumps(_step("validate", work, following, env)), flush=True)
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
